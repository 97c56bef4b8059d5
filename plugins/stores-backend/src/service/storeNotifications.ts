import { LoggerService } from '@backstage/backend-plugin-api';
import {
  NotificationSendOptions,
  NotificationService,
} from '@backstage/plugin-notifications-node';
import {
  Store,
  storePagePath,
} from '@stores-for-backstage/plugin-stores-common';
import { StoreActivity } from '../database/StoresDatabase';

function payloadOf(
  store: Store,
): NotificationSendOptions['payload'] | undefined {
  const common = {
    // the notifications page makes it absolute with the app's base URL
    link: storePagePath(store.name),
    topic: 'stores',
    // One notification per store: the next outcome (ready after a retry) replaces it.
    scope: `store:${store.id}`,
  };
  if (store.status === 'ready') {
    return {
      ...common,
      title: `Store ${store.name} is ready`,
      description: store.storefrontUrl
        ? `Its storefront is at ${store.storefrontUrl}.`
        : 'Open its page for its links and admin login.',
      severity: 'normal',
    };
  }
  if (store.status === 'failed') {
    return {
      ...common,
      title: `Store ${store.name} failed`,
      description:
        store.statusReason ?? 'Open its timeline to see what went wrong.',
      severity: 'high',
    };
  }
  return undefined;
}

/**
 * Notifies a store's owner (a group: its members) through the Backstage
 * notifications plugin when the store becomes ready or fails. Without the
 * notifications backend installed the sending fails, which is logged.
 */
export class StoreNotifications {
  /** Whether a sending failed yet: the first failure is a warning, the rest debug. */
  private failedBefore = false;

  constructor(
    private readonly options: {
      notifications: NotificationService;
      logger: LoggerService;
    },
  ) {}

  /** Sends the notification an activity calls for, if any; never throws. */
  async notify({ store, change }: StoreActivity): Promise<void> {
    const payload = change === 'status' ? payloadOf(store) : undefined;
    if (!payload) return;
    try {
      await this.options.notifications.send({
        recipients: { type: 'entity', entityRef: store.owner },
        payload,
      });
    } catch (error) {
      const { logger } = this.options;
      const message = `Could not notify ${store.owner} of store ${store.name} (${store.status}): ${error}`;
      // Without the notifications backend every sending fails; one warning says so.
      if (this.failedBefore) {
        logger.debug(message);
      } else {
        logger.warn(
          `${message}. Is the notifications backend installed? Further failures are logged at debug level`,
        );
        this.failedBefore = true;
      }
    }
  }
}
