import { StoreStatus } from '@stores-for-backstage/plugin-stores-common';

/**
 * Every status change a store may make. Nothing else in the plugin moves a store
 * from one status to another without asking this table first.
 *
 * - requested → provisioning: the reconciler picked the store up.
 * - provisioning → ready | failed: the attempt finished.
 * - provisioning → provisioning: a new attempt after a restart interrupted one.
 * - failed → provisioning: a retry, or the reconciler healing drift.
 * - ready → provisioning: the reconciler healing drift (namespace or release gone).
 * - any live status → failed: stuck past the timeout, or drift that is not healed.
 * - ready | failed → deleting → deleted (a store being provisioned is deleted
 *   once that attempt ends); deleting → failed when teardown fails,
 *   so a person sees why and can delete again.
 */
const allowed: Record<StoreStatus, readonly StoreStatus[]> = {
  requested: ['provisioning', 'failed'],
  provisioning: ['provisioning', 'ready', 'failed'],
  ready: ['provisioning', 'failed', 'deleting'],
  failed: ['provisioning', 'deleting'],
  deleting: ['deleting', 'deleted', 'failed'],
  deleted: [],
};

/** Thrown for a status change the lifecycle does not allow. */
export class IllegalTransitionError extends Error {
  name = 'IllegalTransitionError';
  constructor(readonly from: StoreStatus, readonly to: StoreStatus) {
    super(`A store cannot go from '${from}' to '${to}'`);
  }
}

export function canTransition(from: StoreStatus, to: StoreStatus): boolean {
  return allowed[from].includes(to);
}

export function assertTransition(from: StoreStatus, to: StoreStatus): void {
  if (!canTransition(from, to)) {
    throw new IllegalTransitionError(from, to);
  }
}

/** Statuses in which the reconciler still has work to do or watch. */
export function isLive(status: StoreStatus): boolean {
  return status !== 'deleted';
}
