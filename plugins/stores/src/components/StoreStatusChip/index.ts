export { StoreStatusChip } from './StoreStatusChip';
export type { StoreStatusChipProps } from './StoreStatusChip';
export { StoreStatusSince } from './StoreStatusSince';
export type { StoreStatusSinceProps } from './StoreStatusSince';
