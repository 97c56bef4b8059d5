import { Route, Routes } from 'react-router-dom';
import { storeRouteRef } from '../routes';
import { StoreDetailPage } from './StoreDetailPage';
import { StoreListPage } from './StoreListPage';

/** The plugin's pages below the path the app mounts `StoresPage` on. */
export function Router() {
  return (
    <Routes>
      <Route path="/" element={<StoreListPage />} />
      <Route path={storeRouteRef.path} element={<StoreDetailPage />} />
    </Routes>
  );
}
