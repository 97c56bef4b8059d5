/**
 * A catalog backend module that makes each store of the stores plugin a
 * Component entity and removes it when the store is deleted.
 *
 * @packageDocumentation
 */

export { catalogModuleStores as default } from './module';
export {
  StoresEntityProvider,
  type StoresEntityProviderOptions,
} from './provider/StoresEntityProvider';
export { storeToEntity } from './provider/storeToEntity';
