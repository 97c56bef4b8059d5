/*
 * The stores backend against a real control plane (packages/testbed), the real
 * helm CLI (3 and 4) and the project's charts.
 */
import { mockServices } from '@backstage/backend-test-utils';
import { ensureTestbed, kubectl, Testbed } from '@internal/testbed';
import { Knex } from 'knex';
import { execFileSync } from 'node:child_process';
import request from 'supertest';
import {
  ada,
  createStore,
  deleteAndWait,
  events,
  namespaceExists,
  runId,
  Server,
  startBackend as startStoresBackend,
  testDatabases,
  testEngineModule,
  waitForStatus,
} from './__testUtils__/testbedStores';
import { StoresDatabase } from './database/StoresDatabase';

jest.setTimeout(10 * 60_000);

const databases = testDatabases();

/** A test engine whose chart fails until the Namespace named by `gate` exists. */
const gatedEngineModule = (gate: string) =>
  testEngineModule({
    id: 'gated',
    title: 'Gated',
    fixtureChart: 'gated-chart',
    values: store => ({ store: { name: store.name }, gate }),
  });

let testbed: Testbed;
beforeAll(async () => {
  testbed = await ensureTestbed();
});
/** The stores backend with the gated test engine beside the built-in ones. */
function startBackend(
  options: Omit<Parameters<typeof startStoresBackend>[0], 'features'> & {
    gate?: string;
  },
) {
  return startStoresBackend({
    ...options,
    features: [gatedEngineModule(options.gate ?? '')],
  });
}

async function releases(helm: string) {
  const out = execFileSync(
    helm,
    [
      'list',
      '--all-namespaces',
      '--deployed',
      '--failed',
      '--pending',
      '-o',
      'json',
      '--kubeconfig',
      testbed.kubeconfigPath,
    ],
    { encoding: 'utf8' },
  );
  return (JSON.parse(out) as Array<{ name: string; namespace: string }>).map(
    r => `${r.namespace}/${r.name}`,
  );
}
const helms = () =>
  [
    ['helm 4', 'v4'],
    ['helm 3', 'v3'],
  ] as const;

describe.each(helms())('stores on the test bed with %s', (_label, version) => {
  let knex: Knex;
  let server: Server;
  let stop: () => Promise<void>;
  const suffix = version;

  beforeAll(async () => {
    knex = await databases.init('SQLITE_3');
    const backend = await startBackend({ knex, helm: testbed.helm[version] });
    server = backend.server;
    stop = () => backend.stop();
  });
  afterAll(() => stop?.());

  it.each(['woocommerce', 'medusa'])(
    'takes a %s store from create to ready to deleted',
    async engine => {
      const name = `${engine.slice(0, 3)}-${suffix}-${runId}`;
      const created = await createStore(server, { name, engine });
      expect(created.status).toBe(201);

      const ready = await waitForStatus(server, name, ['ready', 'failed']);
      expect(ready.statusReason).toBeUndefined();
      expect(ready).toMatchObject({
        status: 'ready',
        namespace: `store-${name}`,
        observedGeneration: 1,
        storefrontUrl: expect.stringContaining(`${name}.127.0.0.1.nip.io`),
      });
      expect(ready.chartVersion).toMatch(/^\d+\.\d+\.\d+/);
      expect((await events(server, name)).map(e => e.type)).toEqual([
        'accepted',
        'namespace-created',
        'release-installed',
        'workloads-ready',
        'ready',
      ]);
      expect(await namespaceExists(`store-${name}`)).toBe(true);
      expect(await releases(testbed.helm[version])).toContain(
        `store-${name}/${name}`,
      );

      const deleted = await deleteAndWait(server, name);
      expect(deleted.deletedAt).toBeDefined();
      expect(await namespaceExists(`store-${name}`)).toBe(false);
      expect(await releases(testbed.helm[version])).not.toContain(
        `store-${name}/${name}`,
      );
      expect((await events(server, name)).map(e => e.type).slice(-4)).toEqual([
        'deletion-requested',
        'release-uninstalled',
        'namespace-deleted',
        'deleted',
      ]);

      // the name is free again once the namespace is gone
      const again = await createStore(server, { name, engine });
      expect(again.status).toBe(201);
      expect(again.body.id).not.toBe(created.body.id);
      await waitForStatus(server, name, ['ready']);
      await deleteAndWait(server, name);
    },
  );

  it('fails a store whose chart fails, with the reason and no leftovers, and a retry succeeds', async () => {
    const gate = `gate-${suffix}-${runId}`;
    const name = `gated-${suffix}-${runId}`;
    const backend = await startBackend({
      knex: await databases.init('SQLITE_3'),
      helm: testbed.helm[version],
      gate,
    });
    try {
      const s = backend.server;
      expect((await createStore(s, { name, engine: 'gated' })).status).toBe(
        201,
      );
      const failed = await waitForStatus(s, name, ['failed', 'ready']);
      expect(failed.status).toBe('failed');
      expect(failed.statusReason).toMatch(
        /the gate namespace .* does not exist yet/,
      );
      expect(failed.statusReason).toMatch(/namespace and release were removed/);
      const timeline = await events(s, name);
      const failure = timeline.find(e => e.type === 'failed')!;
      expect(failure.detail).toMatch(/does not exist yet/);
      expect(await namespaceExists(`store-${name}`)).toBe(false);

      await kubectl(['create', 'namespace', gate]);
      const retried = await request(s)
        .post(`/api/stores/stores/${name}/retry`)
        .set('Authorization', ada);
      expect(retried.status).toBe(202);
      const ready = await waitForStatus(s, name, ['ready', 'failed']);
      expect(ready).toMatchObject({ status: 'ready', generation: 2 });
      await deleteAndWait(s, name);
    } finally {
      await backend.stop();
      await kubectl([
        'delete',
        'namespace',
        gate,
        '--ignore-not-found',
        '--wait=false',
      ]);
    }
  });
});

describe('stores on the test bed under load and restarts', () => {
  it('creates one store for the same idempotency key, and ten stores at once', async () => {
    const knex = await databases.init('SQLITE_3');
    const backend = await startBackend({ knex, helm: testbed.helm.v4 });
    try {
      const s = backend.server;
      const body = { name: `idem-${runId}`, engine: 'woocommerce' };
      const [a, b] = await Promise.all([
        createStore(s, body, 'key-1'),
        createStore(s, body, 'key-1'),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 201].sort());
      expect(a.body.id).toBe(b.body.id);
      const list = await request(s)
        .get('/api/stores/stores')
        .set('Authorization', ada);
      expect(list.body.totalCount).toBe(1);

      const names = Array.from({ length: 10 }, (_, i) => `ten-${i}-${runId}`);
      const started = Date.now();
      const created = await Promise.all(
        names.map(name => createStore(s, { name, engine: 'woocommerce' })),
      );
      expect(created.map(r => r.status)).toEqual(names.map(() => 201));
      const ready = await Promise.all(
        names.map(name => waitForStatus(s, name, ['ready', 'failed'])),
      );
      expect(ready.map(r => r.status)).toEqual(names.map(() => 'ready'));
      // Figures for the note; nothing is asserted on them.
      console.log(
        `ten stores: create to ready took ${Date.now() - started} ms`,
      );

      await Promise.all(
        [...names, body.name].map(name => waitForStatus(s, name, ['ready'])),
      );
      await Promise.all(
        [...names, body.name].map(name => deleteAndWait(s, name)),
      );
      for (const name of names) {
        expect(await namespaceExists(`store-${name}`)).toBe(false);
      }
    } finally {
      await backend.stop();
    }
  });

  it('finishes a store whose backend died mid-provisioning', async () => {
    const knex = await databases.init('SQLITE_3');
    const name = `died-${runId}`;
    // What a killed backend leaves behind: the store claimed by a worker whose
    // lease has lapsed, its namespace created, the release never installed.
    await knex.migrate.latest({
      directory: StoresDatabase.migrationsDirectory,
    });
    const db = new StoresDatabase(knex);
    const store = await db.insertStore(
      {
        id: `died-${runId}-0000`,
        name,
        engine: 'woocommerce',
        owner: 'user:default/ada',
        requestedBy: 'user:default/ada',
        plan: 'small',
        cluster: 'testbed',
        namespace: `store-${name}`,
        idempotencyKey: undefined,
      },
      { type: 'accepted', message: 'Store requested' },
    );
    await db.claim(store.id, {
      from: 'requested',
      to: 'provisioning',
      owner: 'dead-backend',
      leaseMs: 1,
    });
    await kubectl(['create', 'namespace', `store-${name}`]);
    await kubectl([
      'label',
      'namespace',
      `store-${name}`,
      'app.kubernetes.io/managed-by=backstage-stores',
      `stores.backstage.io/store-id=${store.id}`,
      `stores.backstage.io/store=${name}`,
    ]);

    const backend = await startBackend({ knex, helm: testbed.helm.v4 });
    try {
      const ready = await waitForStatus(backend.server, name, [
        'ready',
        'failed',
      ]);
      expect(ready.status).toBe('ready');
      const types = (await events(backend.server, name)).map(e => e.type);
      expect(types).toEqual([
        'accepted',
        'resumed',
        'namespace-created',
        'release-installed',
        'workloads-ready',
        'ready',
      ]);
      const timeline = await events(backend.server, name);
      expect(timeline[2].message).toMatch(/adopted/);
      await deleteAndWait(backend.server, name);
      expect(await namespaceExists(`store-${name}`)).toBe(false);
    } finally {
      await backend.stop();
    }
  });

  it('heals a ready store whose release was removed behind its back', async () => {
    const knex = await databases.init('SQLITE_3');
    // The scheduled pass notices drift; this test runs it instead of waiting for it.
    const scheduler = mockServices.scheduler();
    const backend = await startBackend({
      knex,
      helm: testbed.helm.v4,
      scheduler,
    });
    const name = `drift-${runId}`;
    try {
      const s = backend.server;
      await createStore(s, { name, engine: 'woocommerce' });
      await waitForStatus(s, name, ['ready']);
      execFileSync(testbed.helm.v4, [
        'uninstall',
        name,
        '-n',
        `store-${name}`,
        '--kubeconfig',
        testbed.kubeconfigPath,
      ]);
      await scheduler.triggerTask('stores-reconciler');
      const deadline = Date.now() + 60_000;
      let types: string[] = [];
      while (Date.now() < deadline) {
        types = (await events(s, name)).map(e => e.type);
        if (types.filter(t => t === 'ready').length === 2) break;
        await new Promise(r => setTimeout(r, 500));
      }
      expect(types).toContain('drift');
      expect(types.filter(t => t === 'ready')).toHaveLength(2);
      expect(await releases(testbed.helm.v4)).toContain(
        `store-${name}/${name}`,
      );
      await deleteAndWait(s, name);
    } finally {
      await backend.stop();
    }
  });
});
