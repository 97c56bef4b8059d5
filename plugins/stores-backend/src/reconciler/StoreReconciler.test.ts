import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { Store } from '@stores-for-backstage/plugin-stores-common';
import { StoresDatabase } from '../database/StoresDatabase';
import { Helm } from '../provisioning/Helm';
import { ClusterRegistry } from '../provisioning/registries';
import { StoreCluster } from '../provisioning/StoreCluster';
import { StoreProvisioner } from '../provisioning/StoreProvisioner';
import { StoreReconciler } from './StoreReconciler';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

/**
 * The reconciler's own decisions (timeouts, leases, shutdown, concurrency) with a
 * provisioner whose steps the test controls; the real provisioner on a real
 * cluster is covered by stores.testbed.test.ts.
 */
async function setup(options: {
  provision?: (store: Store, signal: AbortSignal) => Promise<void>;
  timeoutMs?: number;
  concurrency?: number;
  leaseMs?: number;
  /** Runs inside the provisioner's teardown, with its lease guard. */
  teardown?: (store: Store, guard: () => Promise<void>) => Promise<void>;
  /** Clusters configured; default one named 'local' (the stores' cluster). */
  clusters?: string[];
}) {
  const knex = await databases.init('SQLITE_3');
  await knex.migrate.latest({ directory: StoresDatabase.migrationsDirectory });
  const database = new StoresDatabase(knex);
  const teardown = jest.fn(
    async (
      store: Store,
      opts: { guard: () => Promise<void> },
    ): Promise<'removed' | 'not-ours'> => {
      await options.teardown?.(store, opts.guard);
      return 'removed';
    },
  );
  const provisioner = {
    provision: jest.fn(
      async (store: Store, { signal }: { signal: AbortSignal }) => {
        await options.provision?.(store, signal);
        return { storefrontUrl: `http://${store.name}.example.test/` };
      },
    ),
    teardown,
  } as unknown as StoreProvisioner;
  const reconciler = new StoreReconciler({
    database,
    provisioner,
    clusters: new ClusterRegistry(
      (options.clusters ?? ['local']).map(
        name => ({ name } as unknown as StoreCluster),
      ),
    ),
    leaseMs: options.leaseMs,
    helm: {} as Helm,
    logger: mockServices.logger.mock(),
    instanceId: 'test-instance',
    provisioningTimeoutMs: options.timeoutMs ?? 60_000,
    concurrency: options.concurrency ?? 4,
    keepFailedStores: false,
    healDrift: true,
  });
  const insert = (name: string) =>
    database.insertStore(
      {
        id: `id-${name}`,
        name,
        engine: 'woocommerce',
        owner: 'user:default/ada',
        requestedBy: 'user:default/ada',
        plan: 'small',
        cluster: 'local',
        namespace: `store-${name}`,
      },
      { type: 'accepted', message: 'requested' },
    );
  return { database, reconciler, provisioner, teardown, insert };
}

function hangUntilAborted(_store: Store, signal: AbortSignal) {
  return new Promise<void>((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason));
  });
}

describe('StoreReconciler', () => {
  it('provisions a requested store to ready', async () => {
    const { database, reconciler, insert } = await setup({});
    const store = await insert('shop');
    await reconciler.runPass();
    await reconciler.settle();
    const ready = await database.getStoreById(store.id);
    expect(ready).toMatchObject({
      status: 'ready',
      observedGeneration: 1,
      storefrontUrl: 'http://shop.example.test/',
    });
  });

  it('takes a store up again on the next pass when claiming it failed', async () => {
    const { database, reconciler, insert } = await setup({});
    const store = await insert('shop');
    jest
      .spyOn(database, 'claim')
      .mockRejectedValueOnce(new Error('connection refused'));
    await reconciler.runPass();
    await reconciler.settle();
    expect(await database.getStoreById(store.id)).toMatchObject({
      status: 'requested',
    });
    await reconciler.runPass();
    await reconciler.settle();
    expect(await database.getStoreById(store.id)).toMatchObject({
      status: 'ready',
    });
  });

  it('fails work that takes longer than the timeout, and cleans up', async () => {
    const { database, reconciler, insert, teardown } = await setup({
      provision: hangUntilAborted,
      timeoutMs: 300,
    });
    const store = await insert('slow');
    await reconciler.runPass();
    await reconciler.settle();
    const failed = await database.getStoreById(store.id);
    expect(failed.status).toBe('failed');
    expect(failed.statusReason).toMatch(
      /^Provisioning did not finish within 0 seconds\. Its namespace and release were removed\./,
    );
    expect(teardown).toHaveBeenCalledTimes(1);
  });

  it('fails a store stuck in provisioning whose worker is gone', async () => {
    const { database, reconciler, insert, provisioner } = await setup({
      timeoutMs: 1,
    });
    const store = await insert('stuck');
    await database.claim(store.id, {
      from: 'requested',
      to: 'provisioning',
      owner: 'dead-instance',
      leaseMs: 1,
    });
    await new Promise(r => setTimeout(r, 10));
    await reconciler.runPass();
    await reconciler.settle();
    const failed = await database.getStoreById(store.id);
    expect(failed.status).toBe('failed');
    expect(failed.statusReason).toMatch(/stuck for/);
    expect(provisioner.provision).not.toHaveBeenCalled();
  });

  it('leaves a store alone while another instance holds its lease', async () => {
    const { database, reconciler, insert, provisioner } = await setup({});
    const store = await insert('busy');
    await database.claim(store.id, {
      from: 'requested',
      to: 'provisioning',
      owner: 'other-instance',
      leaseMs: 60_000,
    });
    await reconciler.runPass();
    await reconciler.settle();
    expect(provisioner.provision).not.toHaveBeenCalled();
    expect((await database.getStoreById(store.id)).status).toBe('provisioning');
  });

  it('gives work back on shutdown so the next start resumes it at once', async () => {
    let started!: () => void;
    const running = new Promise<void>(r => (started = r));
    const { database, reconciler, insert } = await setup({
      provision: (store, signal) => {
        started();
        return hangUntilAborted(store, signal);
      },
    });
    const store = await insert('shutdown');
    await reconciler.runPass();
    await running;
    await reconciler.stop();
    const [live] = await database.listLiveStores();
    expect(live.status).toBe('provisioning');
    expect(StoresDatabase.isLeaseFree(live)).toBe(true);
    expect((await database.listEvents(store.id)).map(e => e.type)).toEqual([
      'accepted',
    ]);
  });

  it('works on at most `concurrency` stores at once and then on the rest', async () => {
    let active = 0;
    let most = 0;
    const { database, reconciler, insert } = await setup({
      concurrency: 2,
      provision: async () => {
        active += 1;
        most = Math.max(most, active);
        await new Promise(r => setTimeout(r, 50));
        active -= 1;
      },
    });
    for (const name of ['a', 'b', 'c', 'd', 'e']) await insert(name);
    await reconciler.runPass();
    await reconciler.settle();
    expect(most).toBe(2);
    const stores = await database.listStores();
    expect(stores.items.map(s => s.status)).toEqual(Array(5).fill('ready'));
  });

  it('cancels provisioning when the store is deleted, then tears it down', async () => {
    let reason: unknown;
    const { database, reconciler, insert, teardown } = await setup({
      provision: (store, signal) =>
        hangUntilAborted(store, signal).catch(error => {
          reason = error;
          throw error;
        }),
    });
    const store = await insert('shop');
    await reconciler.runPass();
    await waitUntil(async () =>
      (await database.getStoreById(store.id)).status === 'provisioning'
        ? true
        : undefined,
    );
    // what the API does on DELETE
    await database.transition(store.id, {
      from: 'provisioning',
      to: 'deleting',
      event: { type: 'deletion-requested', message: 'Deletion requested' },
    });
    await reconciler.runPass();
    await waitUntil(async () =>
      (await database.getStoreById(store.id)).status === 'deleted'
        ? true
        : undefined,
    );
    await reconciler.settle();
    expect((reason as Error).message).toBe('the store is being deleted');
    expect(teardown).toHaveBeenCalledTimes(1);
  });

  it('deletes a store that never got a namespace in a cluster no longer configured', async () => {
    const { database, reconciler, insert, teardown } = await setup({
      clusters: ['elsewhere'],
    });
    const store = await insert('shop');
    await database.transition(store.id, {
      from: 'requested',
      to: 'failed',
      patch: { statusReason: "The cluster 'local' cannot be reached" },
    });
    await database.transition(store.id, { from: 'failed', to: 'deleting' });
    await reconciler.runPass();
    await reconciler.settle();
    const deleted = await database.getStoreById(store.id);
    expect(deleted.status).toBe('deleted');
    expect(teardown).not.toHaveBeenCalled();
    expect((await database.listEvents(store.id)).pop()?.message).toBe(
      "Store deleted; nothing of it was ever made in the cluster 'local' (no longer configured), so there was nothing to tear down",
    );
  });

  it('does not forget a namespace made in a cluster no longer configured', async () => {
    const { database, reconciler, insert, teardown } = await setup({
      clusters: ['elsewhere'],
    });
    const store = await insert('shop');
    await database.addEvent(store.id, {
      type: 'namespace-created',
      message: 'Created namespace store-shop',
    });
    await database.transition(store.id, { from: 'requested', to: 'failed' });
    await database.transition(store.id, { from: 'failed', to: 'deleting' });
    await reconciler.runPass();
    await reconciler.settle();
    const failed = await database.getStoreById(store.id);
    expect(failed.status).toBe('failed');
    expect(failed.statusReason).toMatch(
      /The cluster 'local' is no longer configured, and the store's namespace was made there/,
    );
    expect(teardown).not.toHaveBeenCalled();
  });

  it('stops work whose lease cannot be renewed before the lease could lapse', async () => {
    let reason: unknown;
    let abortedAt = 0;
    const leaseMs = 800;
    const { database, reconciler, insert } = await setup({
      leaseMs,
      provision: (store, signal) =>
        hangUntilAborted(store, signal).catch(error => {
          reason = error;
          abortedAt = Date.now();
          throw error;
        }),
    });
    const store = await insert('shop');
    const renew = jest
      .spyOn(database, 'renewLease')
      .mockRejectedValue(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    const claimedAt = Date.now();
    await reconciler.runPass();
    await waitUntil(async () => (reason ? true : undefined));
    await reconciler.settle();
    renew.mockRestore();
    expect((reason as Error).message).toMatch(
      /^the lease on the store could not be renewed: Error: connect ECONNREFUSED/,
    );
    // stopped before another replica could take the store over
    expect(abortedAt - claimedAt).toBeLessThan(leaseMs);
    expect((await database.getStoreById(store.id)).status).toBe('provisioning');
  });

  it('tries again after a pause when the cluster was away, instead of failing', async () => {
    let calls = 0;
    const { database, reconciler, insert, teardown } = await setup({
      provision: async () => {
        calls += 1;
        if (calls === 1) {
          throw new Error(
            'request to https://127.0.0.1:6443/api/v1/namespaces failed, reason: connect ECONNREFUSED 127.0.0.1:6443',
          );
        }
      },
    });
    const store = await insert('shop');
    await reconciler.runPass();
    const ready = await waitUntil(async () => {
      const s = await database.getStoreById(store.id);
      return s.status === 'ready' ? s : undefined;
    });
    await reconciler.settle();
    expect(ready.status).toBe('ready');
    expect(calls).toBe(2);
    expect(teardown).not.toHaveBeenCalled();
    const interrupted = (await database.listEvents(store.id)).find(
      e => e.type === 'interrupted',
    );
    expect(interrupted?.message).toMatch(
      /connect ECONNREFUSED 127\.0\.0\.1:6443\. Trying again in 2 s\.$/,
    );
  });

  it('runs no destructive step once another worker holds the lease', async () => {
    let guardError: unknown;
    // the setup's database, for the teardown below that runs once it exists
    const refs: { database?: StoresDatabase } = {};
    const ctx = await setup({
      teardown: async (store, guard) => {
        // the lease lapsed and another replica took the store meanwhile
        await refs.database!.releaseLease(store.id, 'test-instance');
        await refs.database!.claim(store.id, {
          from: 'deleting',
          to: 'deleting',
          owner: 'other-replica',
          leaseMs: 60_000,
        });
        guardError = await guard().catch(error => error);
        if (guardError) throw guardError;
      },
    });
    const { database } = ctx;
    refs.database = database;
    const store = await ctx.insert('shop');
    await database.transition(store.id, { from: 'requested', to: 'deleting' });
    await ctx.reconciler.runPass();
    await waitUntil(async () => (guardError ? true : undefined));
    await ctx.reconciler.settle();
    expect((guardError as Error).message).toBe(
      'the lease on the store was lost',
    );
    // the other replica's work is untouched: still deleting, still its lease
    const [live] = await database.listLiveStores();
    expect(live).toMatchObject({
      status: 'deleting',
      leaseOwner: 'other-replica',
    });
  });
});

async function waitUntil<T>(probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise(r => setTimeout(r, 20));
  }
}
