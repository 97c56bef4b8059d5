import {
  mockCredentials,
  mockServices,
  registerMswTestHooks,
} from '@backstage/backend-test-utils';
import { SchedulerServiceTaskInvocationDefinition } from '@backstage/backend-plugin-api';
import { EntityProviderConnection } from '@backstage/plugin-catalog-node';
import { Store, StoreList } from '@stores-for-backstage/plugin-stores-common';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { StoresEntityProvider } from './StoresEntityProvider';
import { storeToEntity } from './storeToEntity';
import { makeStore } from '../__testUtils__/stores';

// mockServices.discovery() serves every plugin from this unreachable host.
const STORES_URL = 'http://localhost:0/api/stores/stores';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>(r => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('StoresEntityProvider', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  const logger = mockServices.logger.mock();
  const scheduler = mockServices.scheduler.mock();
  const connection = {
    applyMutation: jest.fn(),
    refresh: jest.fn(),
  } satisfies EntityProviderConnection;

  beforeEach(() => {
    jest.clearAllMocks();
  });

  async function connectedProvider() {
    const provider = new StoresEntityProvider({
      discovery: mockServices.discovery(),
      auth: mockServices.auth({ pluginId: 'catalog' }),
      logger,
      scheduler,
    });
    await provider.connect(connection);
    return provider;
  }

  /** Serves `pages` in order, linked by cursors, and records each request. */
  function serveStores(pages: Store[][]) {
    const requests: Request[] = [];
    server.use(
      http.get(STORES_URL, ({ request }) => {
        requests.push(request);
        const cursor = new URL(request.url).searchParams.get('cursor');
        const index = cursor ? Number(cursor) : 0;
        const body: StoreList = {
          items: pages[index],
          totalCount: pages.flat().length,
          nextCursor: index + 1 < pages.length ? String(index + 1) : undefined,
        };
        return HttpResponse.json(body);
      }),
    );
    return requests;
  }

  it('schedules its refresh with the default schedule', async () => {
    await connectedProvider();

    expect(scheduler.scheduleTask).toHaveBeenCalledWith({
      id: 'stores-entity-provider:refresh',
      frequency: { seconds: 30 },
      timeout: { minutes: 1 },
      fn: expect.any(Function),
    });
  });

  it('takes the schedule from config', async () => {
    const provider = StoresEntityProvider.fromConfig(
      mockServices.rootConfig({
        data: {
          catalog: {
            providers: {
              stores: {
                schedule: {
                  frequency: { minutes: 5 },
                  timeout: { minutes: 2 },
                },
              },
            },
          },
        },
      }),
      {
        discovery: mockServices.discovery(),
        auth: mockServices.auth(),
        logger,
        scheduler,
      },
    );
    await provider.connect(connection);

    expect(scheduler.scheduleTask).toHaveBeenCalledWith({
      id: 'stores-entity-provider:refresh',
      frequency: { minutes: 5 },
      timeout: { minutes: 2 },
      fn: expect.any(Function),
    });
  });

  it('replaces its entities with every store, page by page', async () => {
    const pages = [
      [makeStore({ name: 'one' }), makeStore({ name: 'two' })],
      [makeStore({ name: 'three' })],
    ];
    const requests = serveStores(pages);
    await connectedProvider();

    // Run the task the way the scheduler would.
    const [task] = scheduler.scheduleTask.mock.calls[0] as [
      SchedulerServiceTaskInvocationDefinition,
    ];
    await task.fn(new AbortController().signal);

    expect(requests.map(r => new URL(r.url).search)).toEqual([
      '?limit=500',
      '?limit=500&cursor=1',
    ]);
    expect(requests[0].headers.get('authorization')).toBe(
      `Bearer ${mockCredentials.service.token({
        onBehalfOf: mockCredentials.service('plugin:catalog'),
        targetPluginId: 'stores',
      })}`,
    );
    expect(connection.applyMutation).toHaveBeenCalledTimes(1);
    expect(connection.applyMutation).toHaveBeenCalledWith({
      type: 'full',
      entities: pages.flat().map(store => ({
        entity: storeToEntity(store, 'StoresEntityProvider'),
        locationKey: 'StoresEntityProvider',
      })),
    });
  });

  it('removes every entity when there are no stores left', async () => {
    serveStores([[]]);
    const provider = await connectedProvider();

    await provider.refresh();

    expect(connection.applyMutation).toHaveBeenCalledWith({
      type: 'full',
      entities: [],
    });
  });

  it.each([
    [
      'answers with an error',
      () => HttpResponse.json({ error: { message: 'boom' } }, { status: 503 }),
    ],
    ['cannot be reached', () => HttpResponse.error()],
    ['answers with something else', () => HttpResponse.json({ oops: true })],
  ])(
    'keeps the entities it has when the stores backend %s',
    async (_, resolver) => {
      server.use(http.get(STORES_URL, resolver));
      const provider = await connectedProvider();

      await expect(provider.refresh()).resolves.toBeUndefined();

      expect(connection.applyMutation).not.toHaveBeenCalled();
      expect(logger.warn).toHaveBeenCalledWith(
        expect.stringContaining(
          'Could not read stores from the stores backend',
        ),
      );
    },
  );

  it('keeps the entities it has when a later page fails', async () => {
    let calls = 0;
    server.use(
      http.get(STORES_URL, () => {
        calls += 1;
        return calls === 1
          ? HttpResponse.json({
              items: [makeStore({ name: 'one' })],
              totalCount: 2,
              nextCursor: 'next',
            })
          : new HttpResponse(null, { status: 500 });
      }),
    );
    const provider = await connectedProvider();

    await provider.refresh();

    expect(calls).toBe(2);
    expect(connection.applyMutation).not.toHaveBeenCalled();
  });

  it('stops paging when the stores backend repeats a cursor', async () => {
    let calls = 0;
    server.use(
      http.get(STORES_URL, () => {
        calls += 1;
        return HttpResponse.json({
          items: [makeStore({ name: `s${calls}` })],
          totalCount: 10,
          nextCursor: 'same',
        });
      }),
    );
    const provider = await connectedProvider();

    await provider.refresh();

    expect(calls).toBe(2);
    expect(connection.applyMutation).not.toHaveBeenCalled();
  });

  it('logs a failing mutation instead of failing the task', async () => {
    serveStores([[makeStore({ name: 'one' })]]);
    connection.applyMutation.mockRejectedValueOnce(new Error('db down'));
    const provider = await connectedProvider();

    await expect(provider.refresh()).resolves.toBeUndefined();

    expect(logger.error).toHaveBeenCalledWith(
      'Could not update the store entities',
      expect.any(Error),
    );
  });

  it('does nothing before the catalog connects it', async () => {
    const requests = serveStores([[makeStore({ name: 'one' })]]);
    const provider = new StoresEntityProvider({
      discovery: mockServices.discovery(),
      auth: mockServices.auth(),
      logger,
      scheduler,
    });

    await provider.refresh();

    expect(requests).toHaveLength(0);
  });

  it('answers refreshes asked for during a refresh with one more read', async () => {
    const firstReadStarted = deferred();
    const firstRead = deferred();
    let calls = 0;
    server.use(
      http.get(STORES_URL, async () => {
        calls += 1;
        if (calls === 1) {
          firstReadStarted.resolve();
          await firstRead.promise;
        }
        return HttpResponse.json({
          items: [makeStore({ name: `s${calls}` })],
          totalCount: 1,
        });
      }),
    );
    const provider = await connectedProvider();

    const running = provider.refresh();
    await firstReadStarted.promise;
    const queued = [provider.refresh(), provider.refresh(), provider.refresh()];
    firstRead.resolve();
    await Promise.all([running, ...queued]);

    expect(calls).toBe(2);
    expect(connection.applyMutation).toHaveBeenCalledTimes(2);
    // The last mutation holds what the later read saw.
    expect(connection.applyMutation).toHaveBeenLastCalledWith({
      type: 'full',
      entities: [
        {
          entity: storeToEntity(
            makeStore({ name: 's2' }),
            'StoresEntityProvider',
          ),
          locationKey: 'StoresEntityProvider',
        },
      ],
    });

    // Once idle, a refresh reads again.
    await provider.refresh();
    expect(calls).toBe(3);
  });
});
