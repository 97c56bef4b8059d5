/*
 * Prints how long stores take from create to ready on the local test bed, beside
 * plain `helm upgrade --install --wait` of the same chart. Run with `yarn bench`
 * in this package (the test bed must be built; it is started when needed).
 * Figures only: nothing here asserts on time.
 */
/* A benchmark, not shipped code: it uses test-only packages and finds the charts from its own folder. */
/* eslint-disable @backstage/no-undeclared-imports, no-restricted-syntax, jest/expect-expect */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import {
  ensureTestbed,
  kubectl,
  storesClusterConfig,
  Testbed,
} from '@internal/testbed';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import { storesModuleWooCommerce } from './engines/engineModules';
import { storesPlugin } from './plugin';

jest.setTimeout(30 * 60_000);

const repo = path.resolve(__dirname, '../../..');
const chart = path.join(repo, 'charts', 'woocommerce-store');
const ada = mockCredentials.user.header('user:default/ada');
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const figures: Array<[string, number]> = [];

let testbed: Testbed;
beforeAll(async () => {
  testbed = await ensureTestbed();
});
afterAll(() => {
  const lines = figures.map(
    ([what, ms]) => `  ${what.padEnd(52)} ${(ms / 1000).toFixed(1)} s`,
  );
  // eslint-disable-next-line no-console
  console.log(
    `Provisioning on the test bed (WooCommerce chart):\n${lines.join('\n')}`,
  );
});

async function waitReady(server: any, name: string) {
  for (;;) {
    const res = await request(server)
      .get(`/api/stores/stores/${name}`)
      .set('Authorization', ada);
    if (res.body.status === 'ready') return;
    if (res.body.status === 'failed') throw new Error(res.body.statusReason);
    await new Promise(r => setTimeout(r, 200));
  }
}

it('measures plain helm, one store and ten stores at once', async () => {
  for (const [label, helm] of [
    ['helm 4', testbed.helm.v4],
    ['helm 3', testbed.helm.v3],
  ] as const) {
    const ns = `bench-plain-${label.replace(' ', '')}`;
    await kubectl(['create', 'namespace', ns]);
    const started = Date.now();
    execFileSync(helm, [
      'upgrade',
      '--install',
      'plain',
      chart,
      '-n',
      ns,
      '-f',
      path.join(chart, 'values-local.yaml'),
      '--set',
      'store.name=plain',
      '--wait',
      '--timeout',
      '10m',
      '--kubeconfig',
      testbed.kubeconfigPath,
    ]);
    figures.push([
      `plain helm upgrade --install --wait (${label})`,
      Date.now() - started,
    ]);
    await kubectl(['delete', 'namespace', ns, '--wait=true']);
  }

  const backend = await startTestBackend({
    features: [
      storesPlugin,
      storesModuleWooCommerce,
      mockServices.database.factory({ knex: await databases.init('SQLITE_3') }),
      mockServices.rootConfig.factory({
        data: {
          stores: {
            // the chart's own least-privilege identity, as in a real portal
            clusters: [await storesClusterConfig()],
            helm: { binary: testbed.helm.v4 },
            engines: {
              woocommerce: {
                chart,
                valuesFiles: [path.join(chart, 'values-local.yaml')],
              },
            },
            provisioning: { concurrency: 10 },
            limits: { maxStoresPerUser: 50, maxCreatesPerWindow: 50 },
          },
        },
      }),
    ],
  });
  const server = backend.server;
  const create = (name: string) =>
    request(server)
      .post('/api/stores/stores')
      .set('Authorization', ada)
      .send({ name, engine: 'woocommerce' });

  let started = Date.now();
  await create('bench-one');
  await waitReady(server, 'bench-one');
  figures.push([
    'one store, create to ready (stores backend, helm 4)',
    Date.now() - started,
  ]);

  const names = Array.from({ length: 10 }, (_, i) => `bench-ten-${i}`);
  started = Date.now();
  await Promise.all(names.map(create));
  await Promise.all(names.map(n => waitReady(server, n)));
  figures.push([
    'ten stores at once, create to all ready',
    Date.now() - started,
  ]);

  started = Date.now();
  const all = ['bench-one', ...names];
  await Promise.all(
    all.map(n =>
      request(server)
        .delete(`/api/stores/stores/${n}`)
        .set('Authorization', ada),
    ),
  );
  for (const n of all) {
    for (;;) {
      const res = await request(server)
        .get(`/api/stores/stores/${n}`)
        .set('Authorization', ada);
      if (res.body.status === 'deleted') break;
      await new Promise(r => setTimeout(r, 200));
    }
  }
  figures.push([
    'eleven stores, delete to namespaces gone',
    Date.now() - started,
  ]);
  await backend.stop();
});
