import {
  isInFlight,
  Store,
  StoreStatus,
} from '@stores-for-backstage/plugin-stores-common';

export function anyInFlight(stores: readonly Pick<Store, 'status'>[]): boolean {
  return stores.some(store => isInFlight(store.status));
}

/** Whether a store has an admin login to reveal; only a ready store's is known to work. */
export function hasAdminCredentials(store: Pick<Store, 'status'>): boolean {
  return store.status === 'ready';
}

export const STATUS_LABELS: Record<StoreStatus, string> = {
  requested: 'Requested',
  provisioning: 'Provisioning',
  ready: 'Ready',
  failed: 'Failed',
  deleting: 'Deleting',
  deleted: 'Deleted',
};

/** How often pages ask for news while the reconciler works on a store. */
export const POLL_INTERVAL_MS = 3000;

/**
 * How often they ask when the backend's signals bring the news: a safety net
 * for signals lost while the connection was down.
 */
export const SIGNALLED_POLL_INTERVAL_MS = 30_000;
