import { Store, StoreStatus } from '@stores-for-backstage/plugin-stores-common';

/** Statuses the reconciler still works on; pages poll while a store is in one. */
const IN_FLIGHT: readonly StoreStatus[] = [
  'requested',
  'provisioning',
  'deleting',
];

export function isInFlight(status: StoreStatus): boolean {
  return IN_FLIGHT.includes(status);
}

export function anyInFlight(stores: readonly Pick<Store, 'status'>[]): boolean {
  return stores.some(store => isInFlight(store.status));
}

/** Whether a delete makes sense; a store already going away can't be deleted twice. */
export function canBeDeleted(store: Pick<Store, 'status'>): boolean {
  return store.status !== 'deleting' && store.status !== 'deleted';
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
