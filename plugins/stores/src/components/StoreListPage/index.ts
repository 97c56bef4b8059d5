export { StoreListPage, StoreList } from './StoreListPage';
