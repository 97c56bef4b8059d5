/*
 * The static storefront engine in the portal's real backend (packages/backend, which adds this
 * module) against the local Kubernetes test bed, driven only through the stores backend's
 * REST API: the engine is offered, a store made with it becomes ready, and once deleted its
 * namespace is gone.
 */
import { TestbedBackend } from '@internal/e2e';
import { ensureTestbed, kubectl } from '@internal/testbed';
import type {
  Store,
  StoreEngineInfo,
} from '@stores-for-backstage/plugin-stores-common';

jest.setTimeout(15 * 60_000);

/** Store names differ per run, so a run never meets what an earlier one left. */
const store = `static-${Math.random().toString(36).slice(2, 6)}`;
const namespace = `store-${store}`;

let backend: TestbedBackend | undefined;
let token = '';

beforeAll(async () => {
  await ensureTestbed();
  backend = await TestbedBackend.create();
  await backend.start();
  token = (await backend.guestSignIn()).token;
});

afterAll(async () => {
  // what a failed test left: the namespace takes the release with it
  await kubectl([
    'delete',
    'namespace',
    namespace,
    '--ignore-not-found',
    '--wait=false',
  ]).catch(() => undefined);
  await backend?.stop();
  backend?.remove();
});

it('offers the static storefront among the engines', async () => {
  const res = await backend!.api<{ items: StoreEngineInfo[] }>(
    'GET',
    '/api/stores/engines',
    { token },
  );
  expect(res.status).toBe(200);
  expect(res.body.items).toContainEqual(
    expect.objectContaining({ id: 'static', title: 'Static storefront' }),
  );
});

it('creates a static store that becomes ready, deletes it, and its namespace is gone', async () => {
  const created = await backend!.api<Store>('POST', '/api/stores/stores', {
    token,
    body: { name: store, engine: 'static', plan: 'small' },
  });
  expect(created.status).toBe(201);

  const ready = await backend!.waitFor(
    `store ${store} ready`,
    async () => {
      const r = await backend!.api<Store>(
        'GET',
        `/api/stores/stores/${store}`,
        { token },
      );
      if (r.body?.status === 'failed') {
        throw new Error(`failed: ${r.body.statusReason}`);
      }
      return r.body?.status === 'ready' ? r.body : undefined;
    },
    { timeoutMs: 4 * 60_000, intervalMs: 1000 },
  );
  expect(ready).toMatchObject({
    engine: 'static',
    plan: 'small',
    namespace,
    storefrontUrl: expect.stringMatching(new RegExp(`^https?://${store}\\.`)),
  });
  expect(ready.adminUrl).toBeUndefined();

  // the chart's own objects, found by the label the stores backend follows them by
  const labelled = await kubectl([
    '-n',
    namespace,
    'get',
    'deployments,services,ingresses,configmaps',
    '-l',
    `stores.backstage.io/store=${store}`,
    '-o',
    'name',
  ]);
  expect(labelled.split('\n').filter(Boolean).sort()).toEqual([
    `configmap/${store}-site`,
    `deployment.apps/${store}-web`,
    `ingress.networking.k8s.io/${store}`,
    `service/${store}-web`,
  ]);

  const deleted = await backend!.api('DELETE', `/api/stores/stores/${store}`, {
    token,
  });
  expect(deleted.status).toBe(202);
  await backend!.waitForNamespaceGone(namespace);
  await backend!.waitFor(
    `store ${store} deleted`,
    async () => {
      const r = await backend!.api<Store>(
        'GET',
        `/api/stores/stores/${store}`,
        { token },
      );
      return r.body?.status === 'deleted' ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 1000 },
  );
});
