export { ClusterBanner } from './ClusterBanner';
