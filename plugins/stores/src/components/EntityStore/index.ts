export { EntityStoreCard } from './EntityStoreCard';
export type { EntityStoreCardProps } from './EntityStoreCard';
export { EntityStoreContent } from './EntityStoreContent';
export { isStoreEntity, getStoreName } from './isStoreEntity';
