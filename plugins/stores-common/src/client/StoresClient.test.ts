import { ResponseError } from '@backstage/errors';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { Store, StoreEvent } from '../types';
import { StoresClient } from './StoresClient';

const BASE = 'http://backstage.test/api/stores';

function makeStore(overrides: Partial<Store> = {}): Store {
  return {
    id: 'store-1',
    name: 'shop',
    engine: 'woocommerce',
    owner: 'user:default/amy',
    requestedBy: 'user:default/amy',
    plan: 'small',
    cluster: 'local',
    namespace: 'store-shop',
    status: 'ready',
    generation: 1,
    observedGeneration: 1,
    createdAt: '2026-01-01T10:00:00.000Z',
    updatedAt: '2026-01-01T10:00:00.000Z',
    statusChangedAt: '2026-01-01T10:00:00.000Z',
    ...overrides,
  };
}

const accepted: StoreEvent = {
  id: 1,
  storeId: 'store-1',
  type: 'accepted',
  message: 'Store accepted',
  createdAt: '2026-01-01T10:00:00.000Z',
};

/** A Backstage JSON error body, as the stores backend's error handler sends it. */
function refuse(status: number, name: string, message: string) {
  return HttpResponse.json(
    {
      error: { name, message },
      request: { method: 'GET', url: '/' },
      response: { statusCode: status },
    },
    { status },
  );
}

describe('StoresClient', () => {
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());

  const discoveryApi = {
    getBaseUrl: async (pluginId: string) =>
      `http://backstage.test/api/${pluginId}`,
  };
  const client = new StoresClient({ discoveryApi });
  /** As the scaffolder actions use it: their task log says what failed. */
  const describing = new StoresClient({
    discoveryApi,
    describeRequestsInErrors: true,
  });

  it('lists stores with filters and paging in the query', async () => {
    let url: URL | undefined;
    server.use(
      http.get(`${BASE}/stores`, ({ request }) => {
        url = new URL(request.url);
        return HttpResponse.json({
          items: [makeStore()],
          totalCount: 3,
          nextCursor: 'c2',
        });
      }),
    );

    const list = await client.listStores({
      owner: ['group:default/team-a', 'user:default/jane'],
      status: ['ready', 'failed'],
      engine: ['medusa'],
      limit: 50,
      cursor: 'c1',
    });

    expect(list).toEqual({
      items: [makeStore()],
      totalCount: 3,
      nextCursor: 'c2',
    });
    expect(url?.searchParams.get('owner')).toBe(
      'group:default/team-a,user:default/jane',
    );
    expect(url?.searchParams.get('status')).toBe('ready,failed');
    expect(url?.searchParams.get('engine')).toBe('medusa');
    expect(url?.searchParams.get('limit')).toBe('50');
    expect(url?.searchParams.get('cursor')).toBe('c1');
  });

  it('sends no query for an unfiltered list', async () => {
    let search: string | undefined;
    server.use(
      http.get(`${BASE}/stores`, ({ request }) => {
        search = new URL(request.url).search;
        return HttpResponse.json({ items: [], totalCount: 0 });
      }),
    );
    await client.listStores({ owner: [], cursor: '' });
    expect(search).toBe('');
  });

  it('gets a store, its timeline, the engines and the clusters', async () => {
    const down = {
      name: 'testbed',
      reachable: false,
      checkedAt: '2026-01-01T00:00:00Z',
      message: "The cluster 'testbed' cannot be reached: connect ECONNREFUSED.",
    };
    server.use(
      http.get(`${BASE}/stores/shop`, () => HttpResponse.json(makeStore())),
      http.get(`${BASE}/stores/shop/events`, () =>
        HttpResponse.json({ items: [accepted] }),
      ),
      http.get(`${BASE}/engines`, () =>
        HttpResponse.json({
          items: [{ id: 'medusa', title: 'Medusa', description: 'Headless' }],
        }),
      ),
      http.get(`${BASE}/clusters`, () => HttpResponse.json({ items: [down] })),
    );
    await expect(client.getStore('shop')).resolves.toEqual(makeStore());
    await expect(client.getStoreEvents('shop')).resolves.toEqual([accepted]);
    await expect(client.listEngines()).resolves.toEqual([
      { id: 'medusa', title: 'Medusa', description: 'Headless' },
    ]);
    await expect(client.listClusters()).resolves.toEqual([down]);
  });

  it('creates a store with the token and the idempotency key', async () => {
    const seen: { headers?: Headers; body?: unknown; search?: string } = {};
    server.use(
      http.post(`${BASE}/stores`, async ({ request }) => {
        seen.headers = request.headers;
        seen.body = await request.json();
        seen.search = new URL(request.url).search;
        return HttpResponse.json(makeStore({ status: 'requested' }), {
          status: 201,
        });
      }),
    );

    const result = await client.createStore(
      { name: 'shop', engine: 'woocommerce', plan: 'small' },
      { idempotencyKey: 'key-1', token: 'plugin-token' },
    );

    expect(result).toEqual({
      store: makeStore({ status: 'requested' }),
      created: true,
    });
    expect(seen.headers?.get('authorization')).toBe('Bearer plugin-token');
    expect(seen.headers?.get('idempotency-key')).toBe('key-1');
    expect(seen.headers?.get('content-type')).toBe('application/json');
    expect(seen.body).toEqual({
      name: 'shop',
      engine: 'woocommerce',
      plan: 'small',
    });
    expect(seen.search).toBe('');
  });

  it('tells a replayed create (200) from a new one (201)', async () => {
    let key: string | null = 'unset';
    server.use(
      http.post(`${BASE}/stores`, ({ request }) => {
        key = request.headers.get('idempotency-key');
        return HttpResponse.json(makeStore(), { status: 200 });
      }),
    );
    const result = await client.createStore({
      name: 'shop',
      engine: 'woocommerce',
    });
    expect(result.created).toBe(false);
    expect(key).toBeNull();
  });

  it('asks for a dry run with the dryRun query parameter', async () => {
    let dryRun: string | null = null;
    server.use(
      http.post(`${BASE}/stores`, ({ request }) => {
        dryRun = new URL(request.url).searchParams.get('dryRun');
        return HttpResponse.json({
          store: makeStore({ id: '' }),
          resources: [{ kind: 'Namespace', name: 'store-shop' }],
          message: 'Would create store shop',
        });
      }),
    );
    const result = await client.dryRunCreateStore({
      name: 'shop',
      engine: 'woocommerce',
    });
    expect(dryRun).toBe('true');
    expect(result).toEqual({
      store: makeStore({ id: '' }),
      resources: [{ kind: 'Namespace', name: 'store-shop' }],
      message: 'Would create store shop',
    });
  });

  it('deletes and retries stores', async () => {
    server.use(
      http.delete(`${BASE}/stores/shop`, () =>
        HttpResponse.json(makeStore({ status: 'deleting' }), { status: 202 }),
      ),
      http.post(`${BASE}/stores/shop/retry`, () =>
        HttpResponse.json(makeStore({ status: 'requested' }), { status: 202 }),
      ),
    );
    await expect(client.deleteStore('shop')).resolves.toMatchObject({
      status: 'deleting',
    });
    await expect(client.retryStore('shop')).resolves.toMatchObject({
      status: 'requested',
    });
  });

  it("reveals a store's admin login with a POST nobody caches", async () => {
    let method: string | undefined;
    let cache: string | undefined;
    let path: string | undefined;
    server.use(
      http.post(`${BASE}/stores/:name/credentials`, ({ request }) => {
        method = request.method;
        cache = request.cache;
        path = new URL(request.url).pathname;
        return HttpResponse.json(
          {
            username: 'admin',
            password: 's3cret',
            adminUrl: 'http://shop.stores.example.com/wp-admin',
          },
          { headers: { 'Cache-Control': 'no-store' } },
        );
      }),
    );
    await expect(client.revealCredentials('my shop')).resolves.toEqual({
      username: 'admin',
      password: 's3cret',
      adminUrl: 'http://shop.stores.example.com/wp-admin',
    });
    expect(method).toBe('POST');
    expect(cache).toBe('no-store');
    expect(path).toBe('/api/stores/stores/my%20shop/credentials');
  });

  it('escapes store names in paths', async () => {
    let path: string | undefined;
    server.use(
      http.get(`${BASE}/stores/*`, ({ request }) => {
        path = new URL(request.url).pathname;
        return HttpResponse.json(makeStore());
      }),
    );
    await client.getStore('a/b');
    expect(path).toBe('/api/stores/stores/a%2Fb');
  });

  it('sends through the fetch it is given, such as the app’s', async () => {
    const fetched: string[] = [];
    const viaApp = new StoresClient({
      discoveryApi,
      fetchApi: {
        fetch: (input, init) => {
          fetched.push(String(input));
          return fetch(input, init);
        },
      },
    });
    server.use(
      http.get(`${BASE}/stores/shop`, () => HttpResponse.json(makeStore())),
    );
    await viaApp.getStore('shop');
    expect(fetched).toEqual([`${BASE}/stores/shop`]);
  });

  describe('errors', () => {
    it.each([
      [400, 'InputError', "Unknown engine 'shopify'"],
      [401, 'AuthenticationError', 'Token expired'],
      [403, 'NotAllowedError', 'You have reached your quota of 5 stores'],
      [404, 'NotFoundError', "No store named 'shop'"],
      [409, 'ConflictError', "The name 'shop' is taken"],
    ])(
      'turns %s into a %s with the reason the backend gives',
      async (status, name, message) => {
        server.use(
          http.post(`${BASE}/stores`, () => refuse(status, name, message)),
        );
        const error = await client
          .createStore({ name: 'shop', engine: 'woocommerce' })
          .catch(e => e);
        expect(error).toMatchObject({ name, message });
      },
    );

    it.each([
      [429, 'Too many stores created, try later'],
      [500, 'Database is not reachable'],
      [503, 'Database unavailable'],
    ])(
      'turns %s into a ServiceUnavailableError, worth trying again',
      async (status, message) => {
        server.use(
          http.get(`${BASE}/stores/shop`, () =>
            refuse(status, 'Error', message),
          ),
        );
        await expect(client.getStore('shop')).rejects.toMatchObject({
          name: 'ServiceUnavailableError',
          message: `${message} (HTTP ${status})`,
        });
      },
    );

    it('says what was asked when told to, for task logs', async () => {
      server.use(
        http.post(`${BASE}/stores`, () =>
          refuse(403, 'NotAllowedError', 'You have 5 stores'),
        ),
        http.get(`${BASE}/stores/shop/events`, () =>
          refuse(503, 'ServiceUnavailableError', 'Database unavailable'),
        ),
        http.post(`${BASE}/stores/shop/retry`, () =>
          refuse(409, 'ConflictError', "Store 'shop' is not failed"),
        ),
      );
      await expect(
        describing.dryRunCreateStore({ name: 'shop', engine: 'woocommerce' }),
      ).rejects.toMatchObject({
        name: 'NotAllowedError',
        message: "Could not check store 'shop': You have 5 stores",
      });
      await expect(describing.getStoreEvents('shop')).rejects.toMatchObject({
        name: 'ServiceUnavailableError',
        message:
          "Could not get the timeline of store 'shop': Database unavailable (HTTP 503)",
      });
      await expect(describing.retryStore('shop')).rejects.toMatchObject({
        name: 'ConflictError',
        message: "Could not retry store 'shop': Store 'shop' is not failed",
      });
    });

    it('uses a short plain-text answer as the reason', async () => {
      server.use(
        http.get(
          `${BASE}/stores/shop`,
          () => new HttpResponse('Bad gateway', { status: 502 }),
        ),
      );
      await expect(describing.getStore('shop')).rejects.toMatchObject({
        name: 'ServiceUnavailableError',
        message: "Could not get store 'shop': Bad gateway (HTTP 502)",
      });
    });

    it("names the status when the answer is a proxy's page", async () => {
      server.use(
        http.post(
          `${BASE}/stores/shop/retry`,
          () =>
            new HttpResponse('<html><body>Bad gateway</body></html>', {
              status: 502,
              statusText: 'Bad Gateway',
              headers: { 'Content-Type': 'text/html' },
            }),
        ),
      );
      await expect(client.retryStore('shop')).rejects.toMatchObject({
        name: 'ServiceUnavailableError',
        message: 'Request failed with 502 Bad Gateway',
      });
    });

    it('gives a ResponseError, with the body, for a status without its own error', async () => {
      server.use(
        http.post(`${BASE}/stores`, () =>
          refuse(413, 'PayloadTooLargeError', 'request entity too large'),
        ),
      );
      const error = await client
        .createStore({ name: 'shop', engine: 'woocommerce' })
        .catch(e => e);
      expect(error).toBeInstanceOf(ResponseError);
      expect(error).toMatchObject({
        message: 'request entity too large (HTTP 413)',
        statusCode: 413,
      });
      expect(error.cause.name).toBe('PayloadTooLargeError');
    });

    it('reports a backend that does not answer as unavailable', async () => {
      server.use(http.get(`${BASE}/stores/shop`, () => HttpResponse.error()));
      await expect(describing.getStore('shop')).rejects.toMatchObject({
        name: 'ServiceUnavailableError',
        message: expect.stringContaining(
          "Could not get store 'shop': the stores backend did not answer",
        ),
      });
    });
  });
});
