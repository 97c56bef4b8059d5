import { StoreStatus } from './types';

/**
 * Every status change a store may make: the one table the backend, the pages, the
 * scaffolder actions and the reconciler read. Nothing moves a store from one status to
 * another unless this table allows it.
 *
 * - requested → provisioning: the reconciler picked the store up.
 * - provisioning → ready | failed: the attempt finished.
 * - provisioning → provisioning: a new attempt after a restart interrupted one.
 * - failed → provisioning: a retry, or the reconciler healing drift.
 * - ready → provisioning: the reconciler healing drift (namespace or release gone).
 * - requested | provisioning → failed: stuck past the timeout.
 * - ready → failed: drift that is not healed.
 * - requested | provisioning | ready | failed → deleting: a delete; one that comes while
 *   the store is being provisioned cancels that work and tears down what it made.
 * - deleting → deleting: teardown resumed after an interruption.
 * - deleting → deleted; deleting → failed when teardown fails, so a person sees why
 *   and can delete again.
 */
const TRANSITIONS: Record<StoreStatus, readonly StoreStatus[]> = {
  requested: ['provisioning', 'failed', 'deleting'],
  provisioning: ['provisioning', 'ready', 'failed', 'deleting'],
  ready: ['provisioning', 'failed', 'deleting'],
  failed: ['provisioning', 'deleting'],
  deleting: ['deleting', 'deleted', 'failed'],
  deleted: [],
};

/**
 * Whether the lifecycle allows a store to go from one status to another.
 *
 * @public
 */
export function canTransition(from: StoreStatus, to: StoreStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/**
 * Whether the reconciler is still working on a store in this status; pages follow
 * such stores until they settle.
 *
 * @public
 */
export function isInFlight(status: StoreStatus): boolean {
  return (
    status === 'requested' || status === 'provisioning' || status === 'deleting'
  );
}

/**
 * Whether a delete request is accepted for a store in this status (a store already
 * being deleted answers with itself, not a new deletion).
 *
 * @public
 */
export function canDelete(status: StoreStatus): boolean {
  return status !== 'deleting' && canTransition(status, 'deleting');
}

/**
 * Whether a retry is accepted: only a failed store is retried.
 *
 * @public
 */
export function canRetry(status: StoreStatus): boolean {
  return status === 'failed';
}

/**
 * Whether nothing more will ever happen to a store in this status.
 *
 * @public
 */
export function isFinal(status: StoreStatus): boolean {
  return TRANSITIONS[status].length === 0;
}
