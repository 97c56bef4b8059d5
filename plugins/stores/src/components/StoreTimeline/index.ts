export { StoreTimeline } from './StoreTimeline';
export type { StoreTimelineProps } from './StoreTimeline';
