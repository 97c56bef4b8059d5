/**
 * The stores backend plugin and its built-in engines.
 *
 * @packageDocumentation
 */

export { storesPlugin as default } from './plugin';
export {
  storesModuleMedusa,
  storesModuleWooCommerce,
} from './engines/engineModules';
