import { LoggerService } from '@backstage/backend-plugin-api';
import { SignalsService } from '@backstage/plugin-signals-node';
import {
  STORES_SIGNAL_CHANNEL,
  StoreSignal,
} from '@stores-for-backstage/plugin-stores-common';
import { StoreActivity } from '../database/StoresDatabase';

/**
 * Signals each committed change of a store, status or timeline entry, on
 * {@link STORES_SIGNAL_CHANNEL}, so that the pages open on it refresh at once.
 * The signal goes to the store's owner (a group reaches its members), its
 * requester and `stores.signals.alsoTo`. It names the store and its status only:
 * pages load the rest through the API, with their user's permissions.
 *
 * Without the signals backend installed the signals reach no one, and the pages
 * poll as before.
 */
export class StoreSignals {
  constructor(
    private readonly options: {
      signals: SignalsService;
      /** Entity refs told of every store, such as the platform team. */
      alsoTo: string[];
      logger: LoggerService;
    },
  ) {}

  /** Publishes the signal of one activity; a failure is logged, never thrown. */
  async publish({ store, eventType }: StoreActivity): Promise<void> {
    const { signals, alsoTo, logger } = this.options;
    const message: StoreSignal = {
      name: store.name,
      storeId: store.id,
      status: store.status,
      ...(eventType && { eventType }),
    };
    try {
      await signals.publish<StoreSignal>({
        recipients: {
          type: 'user',
          entityRef: [...new Set([store.owner, store.requestedBy, ...alsoTo])],
        },
        channel: STORES_SIGNAL_CHANNEL,
        message,
      });
    } catch (error) {
      logger.warn(`Could not signal a change of store ${store.name}: ${error}`);
    }
  }
}
