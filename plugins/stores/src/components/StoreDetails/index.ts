export { StoreDetails, isNotFound } from './StoreDetails';
export type { StoreDetailsProps } from './StoreDetails';
export { StoreFailurePanel } from './StoreFailurePanel';
