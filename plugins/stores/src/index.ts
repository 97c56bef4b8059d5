/**
 * Frontend of the stores plugins: the stores list and pages, and catalog
 * entity content for stores.
 *
 * @packageDocumentation
 */

export {
  storesPlugin,
  StoresPage,
  EntityStoreContent,
  EntityStoreCard,
} from './plugin';
export { isStoreEntity } from './components/EntityStore/isStoreEntity';
export type { EntityStoreCardProps } from './components/EntityStore/EntityStoreCard';
export { storesApiRef, StoresClient } from './api';
export type { StoresApi, ListStoresOptions, CreateStoreOptions } from './api';
