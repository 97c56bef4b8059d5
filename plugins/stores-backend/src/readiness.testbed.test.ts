/*
 * Readiness tells the truth, on the test bed: a store whose pods can never come up
 * fails promptly with the cluster's reason (not the provisioning timeout), and a ready
 * store whose workloads stop being available is degraded, then ready again. The pods'
 * failure states come from the test bed's kwok fault stages. All of it comes through
 * the cluster's watches, which hold through a dropped connection.
 */
import { mockServices } from '@backstage/backend-test-utils';
import { ensureTestbed, kubectl, Testbed } from '@internal/testbed';
import { CoreV1Api, Watch } from '@kubernetes/client-node';
import { Store } from '@stores-for-backstage/plugin-stores-common';
import request from 'supertest';
import {
  ada,
  createStore,
  deleteAndWait,
  events,
  namespaceExists,
  runId,
  Server,
  startBackend,
  testDatabases,
  testEngineModule,
  waitForStatus,
} from './__testUtils__/testbedStores';

jest.setTimeout(6 * 60_000);

const databases = testDatabases();
/** The provisioning timeout; every failure here must come long before it. */
const TIMEOUT_MS = 8 * 60_000;
const GRACE_SECONDS = 4;

/** What each store name asks of the fault chart. */
const FAULTS: Record<string, { fault?: string; cpu?: string }> = {
  pull: { fault: 'image-pull' },
  crash: { fault: 'crash-loop' },
  big: { cpu: '1000' }, // a test-bed node has 64
};

/** A test engine whose pod takes the fault its store's name starts with. */
const faultEngineModule = testEngineModule({
  id: 'fault',
  title: 'Fault',
  fixtureChart: 'fault-chart',
  values: store => ({
    store: { name: store.name },
    ...FAULTS[store.name.split('-')[0]],
  }),
  failureGracePeriod: { minutes: 10 }, // config below shortens it
});

let testbed: Testbed;
// The scheduled reconciler pass never runs by itself, so what these tests see comes
// from the work a store starts and from the cluster's watches.
const scheduler = mockServices.scheduler();

/** Every watch request the backend opens, with the connection a test may cut. */
const watchRequests: Array<{
  path: string;
  resourceVersion: string;
  openedAt: number;
  connection: AbortController;
}> = [];
const openWatch = Watch.prototype.watch;
jest
  .spyOn(Watch.prototype, 'watch')
  .mockImplementation(async function watch(this: Watch, path, params, ...rest) {
    const connection = await openWatch.call(this, path, params, ...rest);
    watchRequests.push({
      path,
      resourceVersion: String(params.resourceVersion ?? ''),
      openedAt: Date.now(),
      connection,
    });
    return connection;
  });
/** The backend's lists of store pods: one at start, again only after a 410 or a resync. */
const podLists = jest.spyOn(CoreV1Api.prototype, 'listPodForAllNamespaces');
/** The kinds the backend watches, all namespaces. */
const WATCHED_PATHS = [
  '/api/v1/namespaces',
  '/api/v1/persistentvolumeclaims',
  '/api/v1/pods',
  '/apis/apps/v1/deployments',
  '/apis/apps/v1/statefulsets',
  '/apis/batch/v1/jobs',
];
let server: Server;
let stop: () => Promise<void>;

beforeAll(async () => {
  testbed = await ensureTestbed();
  const backend = await startBackend({
    knex: await databases.init('SQLITE_3'),
    helm: testbed.helm.v4,
    features: [faultEngineModule],
    scheduler,
    extraConfig: {
      engines: {
        fault: { failureGracePeriod: { seconds: GRACE_SECONDS } },
      },
      provisioning: { concurrency: 4, timeout: { milliseconds: TIMEOUT_MS } },
    },
  });
  server = backend.server;
  stop = () => backend.stop();
});
afterAll(() => stop?.());

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 300));
  }
}

function printTimeline(
  store: Store,
  timeline: Awaited<ReturnType<typeof events>>,
) {
  const start = new Date(timeline[0].createdAt).getTime();
  const lines = timeline.map(
    e =>
      `  +${((new Date(e.createdAt).getTime() - start) / 1000).toFixed(1)} s  ${
        e.type
      }: ${e.message}`,
  );
  // eslint-disable-next-line no-console
  console.log(
    `Timeline of ${store.name} (${store.status}):\n${lines.join(
      '\n',
    )}\n  reason: ${store.statusReason}`,
  );
}

describe('a store whose pods cannot come up fails with the reason', () => {
  it.each([
    ['pull', /cannot pull image registry\.invalid\/web:1: ErrImagePull/],
    ['crash', /container web keeps crashing \(4 restarts, last exit code 1\)/],
    [
      'big',
      /cannot be scheduled: 0\/1 nodes are available: 1 Insufficient cpu/,
    ],
  ])('%s', async (kind, reason) => {
    const name = `${kind}-${runId}`;
    const created = await createStore(server, { name, engine: 'fault' });
    expect(created.status).toBe(201);
    const started = Date.now();

    const failed = await waitForStatus(
      server,
      name,
      ['failed', 'ready'],
      90_000,
    );
    const tookMs = Date.now() - started;
    expect(failed.status).toBe('failed');
    expect(failed.statusReason).toMatch(reason);
    // the reason says what to do, and the attempt ended long before the timeout
    expect(failed.statusReason).toMatch(
      /Retry the store once the cause is fixed/,
    );
    expect(tookMs).toBeLessThan(TIMEOUT_MS / 4);

    const timeline = await events(server, name);
    const problem = timeline.find(e => e.type === 'workload-problem');
    expect(problem?.message).toMatch(reason);
    expect(problem?.detail).toBeTruthy();
    // reported as soon as seen: well before the grace period ended the attempt
    const failedEvent = timeline.filter(e => e.type === 'failed').pop()!;
    expect(
      new Date(failedEvent.createdAt).getTime() -
        new Date(problem!.createdAt).getTime(),
    ).toBeGreaterThanOrEqual(GRACE_SECONDS * 1000 - 1000);
    printTimeline(failed, timeline);

    // nothing left behind of a store that never was ready
    expect(await namespaceExists(`store-${name}`)).toBe(false);
    await deleteAndWait(server, name);
  });
});

describe("through the cluster's watches", () => {
  /** The store as the API has it, without running a reconciler pass. */
  async function readStore(name: string): Promise<Store> {
    const res = await request(server)
      .get(`/api/stores/stores/${name}`)
      .set('Authorization', ada);
    return res.body;
  }

  it('becomes ready, and a pod change in a ready store is seen without a scheduled pass', async () => {
    const name = `watch-${runId}`;
    const namespace = `store-${name}`;
    const created = await createStore(server, { name, engine: 'fault' });
    expect(created.status).toBe(201);
    const started = Date.now();
    const ready = await waitForStatus(server, name, ['ready', 'failed']);
    expect(ready.status).toBe('ready');
    // eslint-disable-next-line no-console
    console.log(`${name}: create to ready took ${Date.now() - started} ms`);
    expect([...new Set(watchRequests.map(r => r.path))].sort()).toEqual(
      WATCHED_PATHS,
    );

    const pod = (
      await kubectl(['-n', namespace, 'get', 'pods', '-o', 'name'])
    ).trim();
    await kubectl([
      '-n',
      namespace,
      'annotate',
      pod,
      'testbed.stores.backstage.io/fault=unready',
    ]);
    const degraded = await waitFor('the store to be degraded', async () => {
      const store = await readStore(name);
      return store.degradedReason ? store : undefined;
    });
    expect(degraded.status).toBe('ready');
    expect(degraded.degradedReason).toBe(
      `Not available: deployment/${name}-web 0/1`,
    );
    expect(degraded.degradedSince).toBeTruthy();

    // the deleted pod is replaced by a ready one: so is the store
    await kubectl(['-n', namespace, 'delete', pod, '--wait=false']);
    const recovered = await waitFor('the store to recover', async () => {
      const store = await readStore(name);
      return store.degradedReason ? undefined : store;
    });
    expect(recovered.status).toBe('ready');
    expect(recovered.degradedSince).toBeUndefined();
    const timeline = await events(server, name);
    expect(timeline.map(e => e.type).slice(-2)).toEqual([
      'degraded',
      'recovered',
    ]);
    printTimeline(recovered, timeline);
    await deleteAndWait(server, name);
  });

  it('becomes ready when the watch connections drop while it comes up, resuming where they were', async () => {
    const name = `drop-${runId}`;
    await createStore(server, { name, engine: 'fault' });
    await waitFor('the store namespace', async () =>
      (await namespaceExists(`store-${name}`)) ? true : undefined,
    );
    // cut every open watch request, as a lost connection would
    const droppedAt = Date.now();
    const listedBefore = podLists.mock.calls.length;
    const open = watchRequests.filter(r => !r.connection.signal.aborted);
    expect(open.length).toBeGreaterThanOrEqual(WATCHED_PATHS.length);
    for (const r of open) r.connection.abort();

    const ready = await waitForStatus(server, name, ['ready', 'failed']);
    expect(ready.status).toBe('ready');
    const resumed = watchRequests.filter(r => r.openedAt > droppedAt);
    expect([...new Set(resumed.map(r => r.path))].sort()).toEqual(
      WATCHED_PATHS,
    );
    // from the last resourceVersion seen, not from a fresh list
    for (const r of resumed) expect(r.resourceVersion).not.toBe('');
    expect(podLists.mock.calls.length).toBe(listedBefore);
    await deleteAndWait(server, name);
  });
});
