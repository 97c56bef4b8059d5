/**
 * The static storefront engine of the stores plugin: the example to copy for an
 * engine of your own.
 *
 * @packageDocumentation
 */
export { storesModuleEngineStatic as default } from './module';
