export { storesApiRef } from './StoresApi';
export type {
  StoresApi,
  ListStoresOptions,
  CreateStoreOptions,
  StoreAdminCredentials,
} from './StoresApi';
export { StoresClient } from './StoresClient';
