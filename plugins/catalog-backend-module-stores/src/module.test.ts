import { createServiceFactory } from '@backstage/backend-plugin-api';
import {
  mockServices,
  registerMswTestHooks,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  EntityProvider,
  catalogProcessingExtensionPoint,
} from '@backstage/plugin-catalog-node';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { Store, StoreList } from '@stores-for-backstage/plugin-stores-common';
import { http, HttpResponse, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { catalogModuleStores } from './module';
import { StoresEntityProvider } from './provider/StoresEntityProvider';
import { makeStore } from './__testUtils__/stores';

// The test backend serves every plugin on a port of its own choosing.
const STORES_URL = '*/api/stores/stores';

/** One events service for every plugin of the test backend, so the test can publish to the catalog. */
function sharedEvents() {
  const events = mockServices.events();
  return {
    events,
    factory: createServiceFactory({
      service: eventsServiceRef,
      deps: {},
      factory: () => events,
    }),
  };
}

describe('catalogModuleStores', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  let stores: Store[];
  beforeEach(() => {
    stores = [makeStore({ name: 'shop' })];
    server.use(
      http.get(STORES_URL, () =>
        HttpResponse.json({
          items: stores,
          totalCount: stores.length,
        } satisfies StoreList),
      ),
    );
  });

  it('adds the stores entity provider and refreshes it on a store change', async () => {
    const addEntityProvider = jest.fn();
    const { events, factory } = sharedEvents();
    await startTestBackend({
      extensionPoints: [
        [catalogProcessingExtensionPoint, { addEntityProvider }],
      ],
      features: [catalogModuleStores, factory],
    });

    expect(addEntityProvider).toHaveBeenCalledTimes(1);
    const provider: EntityProvider = addEntityProvider.mock.calls[0][0];
    expect(provider).toBeInstanceOf(StoresEntityProvider);
    expect(provider.getProviderName()).toBe('StoresEntityProvider');

    const connection = { applyMutation: jest.fn(), refresh: jest.fn() };
    await provider.connect(connection);
    await events.publish({
      topic: 'stores.store-changed',
      eventPayload: { name: 'shop' },
    });

    expect(connection.applyMutation).toHaveBeenCalledWith({
      type: 'full',
      entities: [
        expect.objectContaining({
          entity: expect.objectContaining({
            metadata: expect.objectContaining({ name: 'shop' }),
          }),
        }),
      ],
    });
  });

  it('puts stores into the catalog and takes deleted ones out', async () => {
    const { events, factory } = sharedEvents();
    const backend = await startTestBackend({
      features: [catalogPlugin, catalogModuleStores, factory],
    });
    const catalogUrl = `http://localhost:${backend.server.port()}/api/catalog`;
    server.use(http.all(`${catalogUrl}/*`, () => passthrough()));

    async function storeEntityNames(): Promise<string[]> {
      const response = await fetch(
        `${catalogUrl}/entities/by-query?filter=spec.type=store`,
      );
      const body = await response.json();
      return body.items.map(
        (e: { metadata: { name: string } }) => e.metadata.name,
      );
    }

    try {
      await events.publish({ topic: 'stores.store-changed', eventPayload: {} });
      await expect(waitFor(storeEntityNames, ['shop'])).resolves.toEqual([
        'shop',
      ]);

      const response = await fetch(
        `${catalogUrl}/entities/by-name/component/default/shop`,
      );
      const entity = await response.json();
      expect(entity.metadata.annotations).toMatchObject({
        'stores.backstage.io/store': 'shop',
        'backstage.io/kubernetes-id': 'shop',
      });
      const countByStatus = async (status: string) => {
        const byLabel = await fetch(
          `${catalogUrl}/entities/by-query?filter=metadata.labels.stores.backstage.io/status=${status}`,
        );
        return (await byLabel.json()).items.length;
      };
      expect(await countByStatus('ready')).toBe(1);
      expect(await countByStatus('failed')).toBe(0);
      expect(entity.relations).toContainEqual(
        expect.objectContaining({
          type: 'ownedBy',
          targetRef: 'group:default/team-a',
        }),
      );

      // The store is deleted: the stores backend stops listing it.
      stores = [];
      await events.publish({ topic: 'stores.store-changed', eventPayload: {} });
      await expect(waitFor(storeEntityNames, [])).resolves.toEqual([]);
    } finally {
      await backend.stop();
    }
  }, 60_000);
});

/** Polls `read` until it returns `expected`, and returns the last value read. */
async function waitFor<T>(read: () => Promise<T>, expected: T): Promise<T> {
  const deadline = Date.now() + 30_000;
  let value = await read();
  while (
    JSON.stringify(value) !== JSON.stringify(expected) &&
    Date.now() < deadline
  ) {
    await new Promise(resolve => setTimeout(resolve, 200));
    value = await read();
  }
  return value;
}
