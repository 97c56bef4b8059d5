import { mockServices } from '@backstage/backend-test-utils';
import { Store } from '@stores-for-backstage/plugin-stores-common';
import { StoreSignals } from './storeSignals';

const store: Store = {
  id: 'id-1',
  name: 'my-shop',
  engine: 'woocommerce',
  owner: 'group:default/shop-team',
  requestedBy: 'user:default/ada',
  plan: 'small',
  cluster: 'local',
  namespace: 'store-my-shop',
  status: 'failed',
  statusReason: 'Helm said: password=hunter2',
  generation: 1,
  observedGeneration: 1,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:01:00Z',
  statusChangedAt: '2026-01-01T00:01:00Z',
};

describe('StoreSignals', () => {
  it("signals the store's owner, requester and alsoTo once each, with its name and status only", async () => {
    const signals = { publish: jest.fn().mockResolvedValue(undefined) };
    const storeSignals = new StoreSignals({
      signals,
      alsoTo: ['group:default/platform-team', 'user:default/ada'],
      logger: mockServices.logger.mock(),
    });

    await storeSignals.publish({
      store,
      change: 'status',
      eventType: 'failed',
    });
    await storeSignals.publish({
      store: { ...store, status: 'provisioning' },
      eventType: 'namespace-created',
    });
    await storeSignals.publish({ store, change: 'degraded' });

    const recipients = {
      type: 'user',
      entityRef: [
        'group:default/shop-team',
        'user:default/ada',
        'group:default/platform-team',
      ],
    };
    expect(signals.publish.mock.calls).toEqual([
      [
        {
          recipients,
          channel: 'stores',
          message: {
            name: 'my-shop',
            storeId: 'id-1',
            status: 'failed',
            eventType: 'failed',
          },
        },
      ],
      [
        {
          recipients,
          channel: 'stores',
          message: {
            name: 'my-shop',
            storeId: 'id-1',
            status: 'provisioning',
            eventType: 'namespace-created',
          },
        },
      ],
      [
        {
          recipients,
          channel: 'stores',
          message: { name: 'my-shop', storeId: 'id-1', status: 'failed' },
        },
      ],
    ]);
  });

  it('logs a signal it could not publish and goes on', async () => {
    const logger = mockServices.logger.mock();
    const storeSignals = new StoreSignals({
      signals: { publish: jest.fn().mockRejectedValue(new Error('no bus')) },
      alsoTo: [],
      logger,
    });

    await expect(
      storeSignals.publish({ store, change: 'status' }),
    ).resolves.toBeUndefined();
    expect(logger.warn).toHaveBeenCalledWith(
      'Could not signal a change of store my-shop: Error: no bus',
    );
  });
});
