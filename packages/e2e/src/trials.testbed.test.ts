/*
 * Fault trials: the stores backend as production treats it. Each trial breaks something
 * for real (kill -9 of the backend, two backends on one PostgreSQL, the database or the
 * Kubernetes API server stopped for 30 s, one request sent ten times at once), then checks
 * that every store converged, and that nothing is left behind or made twice. The table
 * printed at the end is the trial's record.
 */
import { Testbed } from '@internal/testbed';
import {
  ensureTestbed,
  formatTable,
  leftovers,
  startPostgres,
  startSecondTestbed,
  storeReleases,
  StoresCaller,
  trialBackend,
  TrialRow,
} from './trials/harness';

jest.setTimeout(12 * 60_000);

const run = Math.random().toString(36).slice(2, 5);
const table: TrialRow[] = [];
let testbed: Testbed;

beforeAll(async () => {
  testbed = await ensureTestbed();
});
afterAll(() => {
  // eslint-disable-next-line no-console
  console.log(`Fault trials:\n${formatTable(table)}`);
});

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** Where each store was when the backend died, from its timeline. */
function stepOf(types: string[]): string {
  if (types.includes('deletion-requested')) {
    return types.includes('namespace-deleted') ? 'deleted' : 'during teardown';
  }
  if (!types.includes('namespace-created')) return 'before namespace';
  if (!types.includes('release-installed')) return 'during helm install';
  if (!types.includes('workloads-ready')) return 'waiting for workloads';
  return 'after workloads';
}

/** Polls the stores' timelines until one of them satisfies `when`. */
async function untilAny(
  api: StoresCaller,
  names: string[],
  when: (types: string[]) => boolean,
) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const timelines = await Promise.all(names.map(n => api.eventTypes(n)));
    if (timelines.some(when)) return;
    await sleep(100);
  }
  throw new Error(`No store of ${names.join(', ')} reached the kill point`);
}

/** Creates the stores, WooCommerce and Medusa in turn, each accepted. */
async function createBatch(api: StoresCaller, names: string[]) {
  for (const [i, name] of names.entries()) {
    const engine = i % 2 ? 'medusa' : 'woocommerce';
    expect((await api.create(name, engine)).status).toBe(201);
  }
}

function count(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
}

/** Releases that exist more than once for one store, or with more revisions than one install. */
function duplicateReleases(
  releases: Array<{ namespace: string; revision: string }>,
): number {
  const perNamespace = new Set(releases.map(r => r.namespace)).size;
  return releases.length - perNamespace;
}

describe('fault trials', () => {
  it('R5: the same idempotency key sent 10 times at once makes one store', async () => {
    const backend = await trialBackend({ testbed });
    try {
      await backend.start();
      const api = await new StoresCaller(backend).signIn();
      const name = `r5${run}`;
      const answers = await Promise.all(
        Array.from({ length: 10 }, () =>
          api.create(name, 'woocommerce', `key-${run}`),
        ),
      );
      const ids = new Set(answers.map(a => a.body?.id));
      expect(answers.every(a => a.status === 201 || a.status === 200)).toBe(
        true,
      );
      const [store] = await api.waitAll([name], ['ready', 'failed']);
      const accepted = (await api.eventTypes(name)).filter(
        t => t === 'accepted',
      ).length;
      await api.delete(name);
      await api.waitAll([name], ['deleted']);
      const orphans = await leftovers(testbed, name);
      table.push({
        trial: 'R5 one idempotency key x10 at once',
        runs: 10,
        converged: store.status === 'ready' ? 1 : 0,
        orphans,
        duplicates: ids.size - 1 + (accepted - 1),
        note: `answers ${count(answers.map(a => String(a.status)))}; ${
          ids.size
        } store id`,
      });
      expect(ids.size).toBe(1);
      expect([...ids][0]).toBe(store.id);
      expect(accepted).toBe(1);
      expect(store.status).toBe('ready');
      expect(orphans).toBe(0);
    } finally {
      await backend.kill();
      backend.remove();
    }
  });

  it('R1: kill -9 of the backend at each step, then it starts again', async () => {
    // every helm upgrade waits 2 s (a window to kill it in), workloads are ready 4 s late
    const backend = await trialBackend({ testbed, helmDelaySeconds: 2 });
    const prefix = `r1${run}`;
    const steps: string[] = [];
    const names: string[] = [];
    const kill = async (api: StoresCaller, batch: string[]) => {
      const timelines = await Promise.all(batch.map(n => api.eventTypes(n)));
      await backend.kill();
      steps.push(...timelines.map(stepOf));
      await backend.start();
      return new StoresCaller(backend).signIn();
    };
    try {
      await backend.start();
      let api = await new StoresCaller(backend).signIn();
      const killPoints: Array<(types: string[]) => boolean> = [
        () => true, // at once: most not yet at their namespace
        types =>
          types.includes('namespace-created') &&
          !types.includes('release-installed'),
        types =>
          types.includes('release-installed') &&
          !types.includes('workloads-ready'),
      ];
      for (const [round, killPoint] of killPoints.entries()) {
        const batch = [0, 1, 2, 3].map(i => `${prefix}-${round}${i}`);
        await createBatch(api, batch);
        await untilAny(api, batch, killPoint);
        api = await kill(api, batch);
        names.push(...batch);
      }
      const stores = await api.waitAll(names, ['ready', 'failed'], 300_000);
      const converged = stores.filter(
        s => s.status === 'ready' || (s.status === 'failed' && s.statusReason),
      ).length;
      const releases = await storeReleases(testbed, prefix);
      const duplicates = duplicateReleases(releases);
      const notDeployed = releases.filter(r => r.status !== 'deployed');

      // and while they are torn down
      for (const name of names) {
        expect((await api.delete(name)).status).toBe(202);
      }
      await untilAny(api, names, types =>
        types.includes('release-uninstalled'),
      );
      api = await kill(api, names);
      const deleted = await api.waitAll(names, ['deleted'], 300_000);
      const orphans = await leftovers(testbed, prefix);
      table.push({
        trial: 'R1 kill -9 at each step',
        runs: steps.length,
        converged: converged + deleted.length,
        orphans,
        duplicates,
        note: `${4} kills; stores were: ${count(steps)}`,
      });
      expect(stores.map(s => s.status)).toEqual(names.map(() => 'ready'));
      expect(notDeployed).toEqual([]);
      expect(duplicates).toBe(0);
      expect(orphans).toBe(0);
      expect(steps.length).toBeGreaterThanOrEqual(20);
    } finally {
      await backend.kill();
      backend.remove();
    }
  });

  it('R2: two backends on one PostgreSQL, 50 creates over both at once', async () => {
    const postgres = await startPostgres();
    const quota = 45;
    const config = {
      testbed,
      database: postgres.database,
      extraStoresConfig: {
        limits: { maxStoresPerUser: quota, maxCreatesPerWindow: 500 },
      },
    };
    const backends = [await trialBackend(config), await trialBackend(config)];
    const prefix = `r2${run}`;
    try {
      // one after the other: both migrate the same database
      for (const b of backends) await b.start();
      const apis = await Promise.all(
        backends.map(b => new StoresCaller(b).signIn()),
      );
      const names = Array.from({ length: 50 }, (_, i) => `${prefix}-${i}`);
      const answers = await Promise.all(
        names.map((name, i) => apis[i % 2].create(name, 'woocommerce')),
      );
      const accepted = names.filter((_, i) => answers[i].status === 201);
      const refused = answers.filter(a => a.status === 403);
      const stores = await apis[0].waitAll(
        accepted,
        ['ready', 'failed'],
        480_000,
      );
      const releases = await storeReleases(testbed, prefix);
      // installed exactly once: one release per store, at revision 1
      const reinstalled = releases.filter(r => r.revision !== '1');
      const duplicates = duplicateReleases(releases) + reinstalled.length;

      await Promise.all(accepted.map((name, i) => apis[i % 2].delete(name)));
      await apis[1].waitAll(accepted, ['deleted'], 480_000);
      const orphans = await leftovers(testbed, prefix);
      table.push({
        trial: 'R2 two backends, one PostgreSQL',
        runs: names.length,
        converged: stores.filter(s => s.status === 'ready').length,
        orphans,
        duplicates,
        note: `${accepted.length} accepted, ${
          refused.length
        } refused by the quota of ${quota}; ended ${count(
          stores.map(s => s.status),
        )}${
          stores.find(s => s.status === 'failed')
            ? ` (first failure: ${
                stores.find(s => s.status === 'failed')!.statusReason
              })`
            : ''
        }; ${releases.length} releases`,
      });
      expect(accepted).toHaveLength(quota);
      expect(refused).toHaveLength(names.length - quota);
      expect(stores.every(s => s.status === 'ready')).toBe(true);
      expect(releases).toHaveLength(quota);
      expect(duplicates).toBe(0);
      expect(orphans).toBe(0);
    } finally {
      for (const b of backends) {
        await b.kill();
        b.remove();
      }
      await postgres.stop();
    }
  });

  it('R4: PostgreSQL stopped for 30 s while stores provision', async () => {
    const postgres = await startPostgres();
    const backend = await trialBackend({
      testbed,
      helmDelaySeconds: 2,
      database: postgres.database,
    });
    const prefix = `r4${run}`;
    try {
      await backend.start();
      const api = await new StoresCaller(backend).signIn();
      const names = [0, 1, 2, 3].map(i => `${prefix}-${i}`);
      await createBatch(api, names);
      await untilAny(api, names, types => types.includes('namespace-created'));
      await postgres.pause();
      const during = await api.create(`${prefix}-x`, 'woocommerce');
      const read = await api.get(names[0]).catch(() => undefined);
      await sleep(30_000);
      await postgres.resume();
      const stores = await api.waitAll(names, ['ready', 'failed'], 300_000);
      for (const name of names) await api.delete(name);
      await api.waitAll(names, ['deleted'], 300_000);
      const orphans = await leftovers(testbed, prefix);
      const releases = await storeReleases(testbed, prefix);
      table.push({
        trial: 'R4 PostgreSQL stopped 30 s',
        runs: names.length,
        converged: stores.filter(s => s.status === 'ready').length,
        orphans,
        duplicates: releases.length,
        note: `create during the outage: HTTP ${during.status} "${during.body?.error?.message}"`,
      });
      expect(during.status).toBe(503);
      expect(during.body.error.message).toMatch(
        /The stores database is not answering/,
      );
      expect(read).toBeUndefined(); // a read during the outage did not pass for a store
      expect(stores.every(s => s.status === 'ready')).toBe(true);
      expect(orphans).toBe(0);
    } finally {
      await backend.kill();
      backend.remove();
      await postgres.stop();
    }
  });

  it('R3: the Kubernetes API server stopped for 30 s in the middle of provisioning', async () => {
    const second = await startSecondTestbed();
    const backend = await trialBackend({
      testbed,
      helmDelaySeconds: 2,
      testbedStateDir: second.stateDir,
    });
    const prefix = `r3${run}`;
    try {
      await backend.start();
      const api = await new StoresCaller(backend).signIn();
      const names = [0, 1, 2, 3].map(i => `${prefix}-${i}`);
      await createBatch(api, names);
      await untilAny(api, names, types => types.includes('namespace-created'));
      const steps = (await Promise.all(names.map(n => api.eventTypes(n)))).map(
        stepOf,
      );
      second.freezeApiserver();
      await sleep(30_000);
      second.thawApiserver();
      const stores = await api.waitAll(names, ['ready', 'failed'], 420_000);
      const failedWithReason = stores.filter(
        s => s.status === 'failed' && s.statusReason,
      );
      const releases = await storeReleases(testbed, prefix, second.kubeconfig);
      const duplicates = duplicateReleases(releases);
      for (const name of names) await api.delete(name);
      await api.waitAll(names, ['deleted'], 300_000);
      const orphans = await leftovers(testbed, prefix, second.kubeconfig);
      table.push({
        trial: 'R3 API server stopped 30 s',
        runs: names.length,
        converged:
          stores.filter(s => s.status === 'ready').length +
          failedWithReason.length,
        orphans,
        duplicates,
        note: `stores were: ${count(steps)}; ended ${count(
          stores.map(s => s.status),
        )}${
          failedWithReason[0]
            ? ` (first failure: ${failedWithReason[0].statusReason})`
            : ''
        }`,
      });
      expect(stores.every(s => s.status === 'ready')).toBe(true);
      expect(duplicates).toBe(0);
      expect(orphans).toBe(0);
    } finally {
      await backend.kill();
      backend.remove();
      second.thawApiserver();
      await second.stop();
    }
  });
});
