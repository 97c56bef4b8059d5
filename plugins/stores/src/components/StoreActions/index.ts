export { DeleteStoreButton } from './DeleteStoreButton';
export { DeleteStoreDialog } from './DeleteStoreDialog';
export { RetryStoreButton } from './RetryStoreButton';
export { StoreLinks } from './StoreLinks';
