import {
  mockCredentials,
  registerMswTestHooks,
} from '@backstage/backend-test-utils';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { StoresApiClient } from './StoresApiClient';
import {
  errorResponse,
  makeEvent,
  makeStore,
  mockStoresServices,
  storesBaseUrl,
} from './__testUtils__/storesBackend';

describe('StoresApiClient', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  const credentials = mockCredentials.user('user:default/amy');
  // What the mock auth service issues for a call to the stores plugin on Amy's behalf.
  const expectedAuthorization = `Bearer ${mockCredentials.service.token({
    onBehalfOf: credentials,
    targetPluginId: 'stores',
  })}`;
  const client = new StoresApiClient(mockStoresServices());

  it('creates a store on behalf of the user, with the idempotency key', async () => {
    const seen: { headers?: Headers; body?: unknown } = {};
    server.use(
      http.post(`${storesBaseUrl}/stores`, async ({ request }) => {
        seen.headers = request.headers;
        seen.body = await request.json();
        return HttpResponse.json(makeStore(), { status: 201 });
      }),
    );

    const result = await client.createStore(
      { name: 'my-shop', engine: 'woocommerce', plan: 'small' },
      { credentials, idempotencyKey: 'key-1' },
    );

    expect(result).toEqual({ store: makeStore(), created: true });
    expect(seen.headers?.get('authorization')).toBe(expectedAuthorization);
    expect(seen.headers?.get('idempotency-key')).toBe('key-1');
    expect(seen.headers?.get('content-type')).toBe('application/json');
    expect(seen.body).toEqual({
      name: 'my-shop',
      engine: 'woocommerce',
      plan: 'small',
    });
  });

  it('tells a replayed create (200) from a new one', async () => {
    server.use(
      http.post(`${storesBaseUrl}/stores`, () =>
        HttpResponse.json(makeStore(), { status: 200 }),
      ),
    );
    const result = await client.createStore(
      { name: 'my-shop', engine: 'woocommerce' },
      { credentials, idempotencyKey: 'key-1' },
    );
    expect(result.created).toBe(false);
  });

  it('asks for a dry run with the dryRun query parameter', async () => {
    let dryRun: string | null = null;
    server.use(
      http.post(`${storesBaseUrl}/stores`, ({ request }) => {
        dryRun = new URL(request.url).searchParams.get('dryRun');
        return HttpResponse.json({
          store: makeStore({ id: '' }),
          resources: [{ kind: 'Namespace', name: 'store-my-shop' }],
          message: 'Would create store my-shop',
        });
      }),
    );
    const result = await client.dryRunCreateStore(
      { name: 'my-shop', engine: 'woocommerce' },
      { credentials },
    );
    expect(dryRun).toBe('true');
    expect(result.resources).toEqual([
      { kind: 'Namespace', name: 'store-my-shop' },
    ]);
  });

  it('gets a store, its events, and deletes it', async () => {
    const events = [makeEvent('accepted', 'Accepted')];
    server.use(
      http.get(`${storesBaseUrl}/stores/my-shop`, () =>
        HttpResponse.json(makeStore({ status: 'ready' })),
      ),
      http.get(`${storesBaseUrl}/stores/my-shop/events`, () =>
        HttpResponse.json({ items: events }),
      ),
      http.delete(`${storesBaseUrl}/stores/my-shop`, ({ request }) => {
        expect(request.headers.get('authorization')).toBe(
          expectedAuthorization,
        );
        return HttpResponse.json(makeStore({ status: 'deleting' }), {
          status: 202,
        });
      }),
    );
    await expect(client.getStore('my-shop', { credentials })).resolves.toEqual(
      makeStore({ status: 'ready' }),
    );
    await expect(
      client.listStoreEvents('my-shop', { credentials }),
    ).resolves.toEqual(events);
    await expect(
      client.deleteStore('my-shop', { credentials }),
    ).resolves.toMatchObject({ status: 'deleting' });
  });

  it.each([
    [400, 'InputError', 'Unknown engine shopify'],
    [401, 'AuthenticationError', 'Token expired'],
    [403, 'NotAllowedError', 'You have reached your quota of 5 stores'],
    [404, 'NotFoundError', "No store named 'my-shop'"],
    [409, 'ConflictError', "Store name 'my-shop' is taken"],
    [429, 'ServiceUnavailableError', 'Too many stores created, try later'],
    [503, 'ServiceUnavailableError', 'Database unavailable'],
  ])(
    'turns %s into a %s with the backend message',
    async (status, name, message) => {
      server.use(
        http.post(`${storesBaseUrl}/stores`, () =>
          errorResponse(status, 'Error', message),
        ),
      );
      const error = await client
        .createStore(
          { name: 'my-shop', engine: 'woocommerce' },
          { credentials, idempotencyKey: 'k' },
        )
        .catch(e => e);
      expect(error.name).toBe(name);
      expect(error.message).toContain(
        `Could not create store 'my-shop': ${message}`,
      );
    },
  );

  it('reports an answer that is not JSON', async () => {
    server.use(
      http.get(
        `${storesBaseUrl}/stores/my-shop`,
        () => new HttpResponse('Bad gateway', { status: 502 }),
      ),
    );
    await expect(client.getStore('my-shop', { credentials })).rejects.toThrow(
      /Could not get store 'my-shop': .*502.*Bad gateway/,
    );
  });

  it('reports a backend that does not answer as unavailable', async () => {
    server.use(
      http.get(`${storesBaseUrl}/stores/my-shop`, () => HttpResponse.error()),
    );
    await expect(
      client.getStore('my-shop', { credentials }),
    ).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
      message: expect.stringContaining(
        "Could not get store 'my-shop': the stores backend did not answer",
      ),
    });
  });
});
