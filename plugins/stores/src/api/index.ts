export { storesApiRef } from './StoresApi';
export type {
  StoresApi,
  ListStoresOptions,
  CreateStoreOptions,
} from './StoresApi';
// The one client of the stores API, shared with the backend modules.
export { StoresClient } from '@stores-for-backstage/plugin-stores-common';
