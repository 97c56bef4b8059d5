import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { Store } from '@stores-for-backstage/plugin-stores-common';
import { StoresDatabase } from '../database/StoresDatabase';
import { Helm } from '../provisioning/Helm';
import { ClusterRegistry } from '../provisioning/registries';
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
}) {
  const knex = await databases.init('SQLITE_3');
  await knex.migrate.latest({ directory: StoresDatabase.migrationsDirectory });
  const database = new StoresDatabase(knex);
  const teardown = jest.fn(async () => 'removed' as const);
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
    clusters: new ClusterRegistry([]),
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
});
