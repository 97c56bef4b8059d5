export { StoresClient } from './StoresClient';
export type {
  StoresRequestOptions,
  ListStoresOptions,
  CreateStoreOptions,
  CreateStoreResult,
} from './StoresClient';
