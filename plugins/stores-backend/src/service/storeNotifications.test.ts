import { mockServices } from '@backstage/backend-test-utils';
import { Store } from '@stores-for-backstage/plugin-stores-common';
import { StoreNotifications } from './storeNotifications';

const store: Store = {
  id: 'id-1',
  name: 'my-shop',
  engine: 'woocommerce',
  owner: 'group:default/shop-team',
  requestedBy: 'user:default/ada',
  plan: 'small',
  cluster: 'local',
  namespace: 'store-my-shop',
  status: 'provisioning',
  generation: 1,
  observedGeneration: 0,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:01:00Z',
  statusChangedAt: '2026-01-01T00:01:00Z',
};

function setUp() {
  const notifications = { send: jest.fn().mockResolvedValue(undefined) };
  const logger = mockServices.logger.mock();
  return {
    notifications,
    logger,
    storeNotifications: new StoreNotifications({ notifications, logger }),
  };
}

describe('StoreNotifications', () => {
  it('tells the owner that the store is ready, with a link to its page', async () => {
    const { notifications, storeNotifications } = setUp();
    await storeNotifications.notify({
      store: {
        ...store,
        status: 'ready',
        storefrontUrl: 'http://my-shop.shops.test',
      },
      change: 'status',
      eventType: 'ready',
    });
    expect(notifications.send).toHaveBeenCalledWith({
      recipients: { type: 'entity', entityRef: 'group:default/shop-team' },
      payload: {
        title: 'Store my-shop is ready',
        description: 'Its storefront is at http://my-shop.shops.test.',
        link: '/stores/my-shop',
        severity: 'normal',
        topic: 'stores',
        scope: 'store:id-1',
      },
    });
  });

  it('tells the owner that the store failed, and why', async () => {
    const { notifications, storeNotifications } = setUp();
    await storeNotifications.notify({
      store: {
        ...store,
        status: 'failed',
        statusReason:
          'Release my-shop failed to install. Retry the store once the cause is fixed.',
      },
      change: 'status',
      eventType: 'failed',
    });
    expect(notifications.send).toHaveBeenCalledWith({
      recipients: { type: 'entity', entityRef: 'group:default/shop-team' },
      payload: expect.objectContaining({
        title: 'Store my-shop failed',
        description:
          'Release my-shop failed to install. Retry the store once the cause is fixed.',
        link: '/stores/my-shop',
        severity: 'high',
      }),
    });
  });

  it('says nothing of other statuses, of timeline entries or of a degraded ready store', async () => {
    const { notifications, storeNotifications } = setUp();
    await storeNotifications.notify({ store, change: 'status' });
    await storeNotifications.notify({
      store: { ...store, status: 'deleting' },
      change: 'status',
    });
    await storeNotifications.notify({
      store: { ...store, status: 'ready' },
      eventType: 'interrupted',
    });
    await storeNotifications.notify({
      store: { ...store, status: 'ready', degradedReason: 'pod not ready' },
      change: 'degraded',
      eventType: 'degraded',
    });
    expect(notifications.send).not.toHaveBeenCalled();
  });

  it('warns once of notifications it could not send, as without the notifications backend', async () => {
    const { notifications, logger, storeNotifications } = setUp();
    notifications.send.mockRejectedValue(
      new Error('Failed to send notifications: Error: 404'),
    );
    await expect(
      storeNotifications.notify({
        store: { ...store, status: 'ready' },
        change: 'status',
      }),
    ).resolves.toBeUndefined();
    await storeNotifications.notify({
      store: { ...store, status: 'failed' },
      change: 'status',
    });
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(
      'Could not notify group:default/shop-team of store my-shop (ready): Error: Failed to send notifications: Error: 404. Is the notifications backend installed? Further failures are logged at debug level',
    );
    expect(logger.debug).toHaveBeenCalledWith(
      'Could not notify group:default/shop-team of store my-shop (failed): Error: Failed to send notifications: Error: 404',
    );
  });
});
