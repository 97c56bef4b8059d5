export { storesApiRef } from './StoresApi';
export type {
  StoresApi,
  ListStoresOptions,
  CreateStoreOptions,
  ClusterStatus,
} from './StoresApi';
export { StoresClient } from './StoresClient';
