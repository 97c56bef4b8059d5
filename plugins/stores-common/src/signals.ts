import type { StoreEventType, StoreStatus } from './types';

/**
 * Backstage signals channel on which the stores backend tells a store's owner,
 * its requester and the configured `stores.signals.alsoTo` that the store
 * changed, so that open pages refresh at once instead of polling.
 *
 * @public
 */
export const STORES_SIGNAL_CHANNEL = 'stores';

/**
 * The message of a signal on {@link STORES_SIGNAL_CHANNEL}: which store changed
 * and its status now. It says only that something changed (never a reason or
 * a secret); a page that shows the store loads it again through the API, with
 * the permissions of its user.
 *
 * @public
 */
export type StoreSignal = {
  name: string;
  storeId: string;
  status: StoreStatus;
  /** The type of the timeline entry written, when the change wrote one. */
  eventType?: StoreEventType;
};
