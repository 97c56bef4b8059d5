export { StoreDetailPage } from './StoreDetailPage';
