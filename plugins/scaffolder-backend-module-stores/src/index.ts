/**
 * Scaffolder actions that create, follow and delete stores through the stores
 * backend.
 *
 * @packageDocumentation
 */

export { scaffolderModuleStores as default } from './module';
export { createStoresCreateAction } from './actions/storesCreate';
export { createStoresWaitAction } from './actions/storesWait';
export { createStoresDeleteAction } from './actions/storesDelete';
export type { StoreChangeSource } from './storeChanges';
export type {
  StoreActionOutput,
  StoresCreateActionInput,
  StoresWaitActionInput,
  StoresDeleteActionInput,
} from './actions/actionTypes';
