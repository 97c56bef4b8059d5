import {
  MockFetchApi,
  mockApis,
  registerMswTestHooks,
} from '@backstage/test-utils';
import { ResponseError } from '@backstage/errors';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { makeEvent, makeStore } from '../__testUtils__/stores';
import { StoresClient } from './StoresClient';

const BASE = 'http://example.com/api/stores';

describe('StoresClient', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  const client = new StoresClient({
    discoveryApi: mockApis.discovery(),
    fetchApi: new MockFetchApi(),
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

    expect(list.items.map(s => s.name)).toEqual(['shop']);
    expect(list.nextCursor).toBe('c2');
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
    await client.listStores();
    expect(search).toBe('');
  });

  it('gets a store, its events and the engines', async () => {
    server.use(
      http.get(`${BASE}/stores/shop`, () => HttpResponse.json(makeStore())),
      http.get(`${BASE}/stores/shop/events`, () =>
        HttpResponse.json({ items: [makeEvent('accepted')] }),
      ),
      http.get(`${BASE}/engines`, () =>
        HttpResponse.json({
          items: [{ id: 'medusa', title: 'Medusa', description: 'Headless' }],
        }),
      ),
    );
    await expect(client.getStore('shop')).resolves.toMatchObject({
      name: 'shop',
    });
    await expect(client.getStoreEvents('shop')).resolves.toEqual([
      expect.objectContaining({ type: 'accepted' }),
    ]);
    await expect(client.listEngines()).resolves.toEqual([
      expect.objectContaining({ id: 'medusa', title: 'Medusa' }),
    ]);
  });

  it('lists the clusters with whether each answers', async () => {
    const down = {
      name: 'testbed',
      reachable: false,
      checkedAt: '2026-01-01T00:00:00Z',
      message: "The cluster 'testbed' cannot be reached: connect ECONNREFUSED.",
    };
    server.use(
      http.get(`${BASE}/clusters`, () => HttpResponse.json({ items: [down] })),
    );
    await expect(client.listClusters()).resolves.toEqual([down]);
  });

  it('creates a store with an idempotency key', async () => {
    let body: unknown;
    let key: string | null = null;
    server.use(
      http.post(`${BASE}/stores`, async ({ request }) => {
        body = await request.json();
        key = request.headers.get('Idempotency-Key');
        return HttpResponse.json(makeStore({ status: 'requested' }), {
          status: 201,
        });
      }),
    );
    const store = await client.createStore(
      { name: 'shop', engine: 'woocommerce' },
      { idempotencyKey: 'k-1' },
    );
    expect(store.status).toBe('requested');
    expect(body).toEqual({ name: 'shop', engine: 'woocommerce' });
    expect(key).toBe('k-1');
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

  it("rejects a reveal with the server's reason and status", async () => {
    const refuse = (status: number, name: string, message: string) =>
      HttpResponse.json({ error: { name, message } }, { status });
    server.use(
      http.post(`${BASE}/stores/theirs/credentials`, () =>
        refuse(
          403,
          'NotAllowedError',
          "Only the owners of store 'theirs' can see its credentials",
        ),
      ),
      http.post(`${BASE}/stores/new/credentials`, () =>
        refuse(409, 'ConflictError', "Store 'new' is not ready"),
      ),
      http.post(`${BASE}/stores/gone/credentials`, () =>
        refuse(404, 'NotFoundError', "No store named 'gone'"),
      ),
    );
    const forbidden = await client.revealCredentials('theirs').catch(e => e);
    expect(forbidden).toBeInstanceOf(ResponseError);
    expect(forbidden).toMatchObject({
      statusCode: 403,
      message: "Only the owners of store 'theirs' can see its credentials",
    });
    await expect(client.revealCredentials('new')).rejects.toMatchObject({
      statusCode: 409,
      message: "Store 'new' is not ready",
    });
    await expect(client.revealCredentials('gone')).rejects.toMatchObject({
      statusCode: 404,
      message: "No store named 'gone'",
    });
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

  it("surfaces the server's message of a Backstage error body", async () => {
    server.use(
      http.get(`${BASE}/stores/nope`, () =>
        HttpResponse.json(
          {
            error: { name: 'NotFoundError', message: "No store named 'nope'" },
            request: { method: 'GET', url: '/stores/nope' },
            response: { statusCode: 404 },
          },
          { status: 404 },
        ),
      ),
    );
    const error = await client.getStore('nope').catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.message).toBe("No store named 'nope'");
    expect(error.statusCode).toBe(404);
    expect(error.cause.name).toBe('NotFoundError');
  });

  it("surfaces the server's message when the body has only the error", async () => {
    server.use(
      http.delete(`${BASE}/stores/shop`, () =>
        HttpResponse.json(
          {
            error: {
              name: 'NotAllowedError',
              message: 'You may not delete this store',
            },
          },
          { status: 403 },
        ),
      ),
    );
    await expect(client.deleteStore('shop')).rejects.toMatchObject({
      message: 'You may not delete this store',
      statusCode: 403,
    });
  });

  it('names the status when the body is not an error body', async () => {
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
    await expect(client.retryStore('shop')).rejects.toThrow(
      'Request failed with 502 Bad Gateway',
    );
  });
});
