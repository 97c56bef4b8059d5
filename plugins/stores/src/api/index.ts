export { storesApiRef } from './StoresApi';
export type {
  StoresApi,
  ListStoresOptions,
  CreateStoreOptions,
} from './StoresApi';
export { StoresClient } from './StoresClient';
