export { StoreProgress } from './StoreProgress';
export type { StoreProgressProps } from './StoreProgress';
