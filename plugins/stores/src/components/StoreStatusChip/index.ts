export { StoreStatusChip } from './StoreStatusChip';
export type { StoreStatusChipProps } from './StoreStatusChip';
