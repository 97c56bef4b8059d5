/*
 * A stores backend on the test bed, driven through its REST API as ada: what the
 * test-bed suites of this plugin share.
 */
import {
  BackendFeature,
  coreServices,
  createServiceFactory,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { kubectl, storesClusterConfig } from '@internal/testbed';
import { Store, StoreEvent } from '@stores-for-backstage/plugin-stores-common';
import { StoreEngine } from '@stores-for-backstage/plugin-stores-node';
import { Knex } from 'knex';
import path from 'node:path';
import request from 'supertest';
import {
  engineModule,
  storesModuleMedusa,
  storesModuleWooCommerce,
} from '../engines/engineModules';
import { storesPlugin } from '../plugin';

const repo = path.resolve(__dirname, '../../../..');
export const chart = (name: string) => path.join(repo, 'charts', name);
export const ada = mockCredentials.user.header('user:default/ada');

/** Store names end with it, so a run never meets what an earlier one left. */
export const runId = Math.random().toString(36).slice(2, 6);

/** The suites' databases: SQLite, no container. Call it at the top of a test file. */
export const testDatabases = () => TestDatabases.create({ ids: ['SQLITE_3'] });

/**
 * A test engine installing a chart of src/__fixtures__, with a storefront address
 * that nothing answers: the suites do not check storefronts.
 */
export function testEngineModule(
  engine: Pick<
    StoreEngine,
    'id' | 'title' | 'values' | 'failureGracePeriod'
  > & {
    fixtureChart: string;
  },
) {
  const { fixtureChart, ...rest } = engine;
  return engineModule({
    ...rest,
    description: 'For tests',
    chart: path.join(__dirname, '../__fixtures__', fixtureChart),
    urls: store => ({
      storefrontUrl: `http://${store.name}.example.test/`,
    }),
  });
}

/** The stores backend with both built-in engines on their local values, plus `features`. */
export async function startBackend(options: {
  knex: Knex;
  helm: string;
  features?: BackendFeature[];
  extraConfig?: object;
  scheduler?: SchedulerService;
}) {
  const scheduler = options.scheduler;
  return startTestBackend({
    features: [
      ...(scheduler
        ? [
            createServiceFactory({
              service: coreServices.scheduler,
              deps: {},
              factory: () => scheduler,
            }),
          ]
        : []),
      storesPlugin,
      storesModuleWooCommerce,
      storesModuleMedusa,
      ...(options.features ?? []),
      mockServices.database.factory({ knex: options.knex }),
      mockServices.rootConfig.factory({
        data: {
          stores: {
            // the chart's own least-privilege identity, as in a real portal
            clusters: [await storesClusterConfig()],
            helm: { binary: options.helm, timeout: { minutes: 5 } },
            engines: {
              woocommerce: {
                chart: chart('woocommerce-store'),
                valuesFiles: [chart('woocommerce-store/values-local.yaml')],
              },
              medusa: {
                chart: chart('medusa-store'),
                valuesFiles: [chart('medusa-store/values-local.yaml')],
              },
            },
            provisioning: { concurrency: 10, timeout: { minutes: 8 } },
            reconciler: { frequency: { seconds: 5 } },
            limits: { maxStoresPerUser: 20, maxCreatesPerWindow: 50 },
            ...options.extraConfig,
          },
        },
      }),
    ],
  });
}

export type Server = Awaited<ReturnType<typeof startBackend>>['server'];

export async function waitForStatus(
  server: Server,
  name: string,
  statuses: Store['status'][],
  timeoutMs = 6 * 60_000,
): Promise<Store> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await request(server)
      .get(`/api/stores/stores/${name}`)
      .set('Authorization', ada);
    if (res.status === 200 && statuses.includes(res.body.status))
      return res.body;
    if (Date.now() > deadline) {
      throw new Error(
        `Store ${name} did not reach ${statuses.join('|')}; last answer ${
          res.status
        } ${JSON.stringify(res.body)}`,
      );
    }
    await new Promise(r => setTimeout(r, 500));
  }
}

export async function events(
  server: Server,
  name: string,
): Promise<StoreEvent[]> {
  const res = await request(server)
    .get(`/api/stores/stores/${name}/events`)
    .set('Authorization', ada);
  return res.body.items;
}

export async function namespaceExists(name: string) {
  const out = await kubectl([
    'get',
    'namespace',
    name,
    '--ignore-not-found',
    '-o',
    'name',
  ]);
  return out.trim() !== '';
}

export async function createStore(server: Server, body: object, key?: string) {
  const req = request(server)
    .post('/api/stores/stores')
    .set('Authorization', ada);
  if (key) req.set('Idempotency-Key', key);
  return req.send(body);
}

export async function deleteAndWait(server: Server, name: string) {
  const res = await request(server)
    .delete(`/api/stores/stores/${name}`)
    .set('Authorization', ada);
  expect(res.status).toBe(202);
  return waitForStatus(server, name, ['deleted']);
}
