import { mockServices } from '@backstage/backend-test-utils';
import { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { Store } from '@stores-for-backstage/plugin-stores-common';
import { StoresDatabase } from '../database/StoresDatabase';
import { ClusterRegistry } from '../provisioning/registries';
import { StoreCluster } from '../provisioning/StoreCluster';
import { ObservedNamespace } from '../provisioning/storeNamespaces';
import { WorkloadStatus } from '../provisioning/workloadStatus';
import { namespaceDrift, releaseDrift, StoreHealth } from './health';

const store = {
  id: 'id-shop',
  name: 'shop',
  status: 'ready',
  cluster: 'local',
  namespace: 'store-shop',
  statusChangedAt: '2024-01-01T00:00:00.000Z',
  readyAt: '2024-01-01T00:05:00.000Z',
} as Store;

const ours: ObservedNamespace = {
  name: store.namespace,
  storeId: store.id,
  terminating: false,
};

describe('namespaceDrift', () => {
  it('finds none while the namespace is there', () => {
    expect(namespaceDrift(store, ours)).toBeUndefined();
  });

  it.each([
    ['a missing namespace', undefined],
    ["another store's namespace", { ...ours, storeId: 'id-other' }],
  ])('heals %s', (_case, namespace) => {
    expect(namespaceDrift(store, namespace)).toEqual({
      message: 'Namespace store-shop is gone',
      healable: true,
    });
  });

  it('does not heal a namespace being deleted outside the portal', () => {
    expect(namespaceDrift(store, { ...ours, terminating: true })).toEqual({
      message: 'Namespace store-shop is being deleted outside the portal',
      healable: false,
    });
  });
});

describe('releaseDrift', () => {
  it('finds none while the release is deployed', () => {
    expect(releaseDrift(store, 'deployed')).toBeUndefined();
  });

  it.each([
    ['a missing release', undefined, 'Release shop is gone'],
    ['a failed release', 'failed', 'Release shop is in status failed'],
  ])('heals %s', (_case, release, message) => {
    expect(releaseDrift(store, release)).toEqual({ message, healable: true });
  });
});

const crashLooping: V1Pod = {
  metadata: { name: 'shop-web-1', namespace: store.namespace },
  status: {
    containerStatuses: [
      {
        name: 'web',
        image: 'web:1',
        imageID: '',
        ready: false,
        restartCount: 4,
        state: { waiting: { reason: 'CrashLoopBackOff' } },
      },
    ],
  },
};

describe('StoreHealth', () => {
  function setup(
    status: WorkloadStatus,
    seen: {
      namespace?: ObservedNamespace;
      pods?: V1Pod[];
      events?: CoreV1Event[];
      release?: string;
    } = {},
  ) {
    const watch = {
      synced: true,
      ready: jest.fn(),
      onChange: jest.fn(),
      namespace: jest.fn().mockReturnValue(seen.namespace ?? ours),
      workloadStatus: jest.fn().mockReturnValue(status),
      workloadObjects: jest
        .fn()
        .mockReturnValue({ pods: seen.pods ?? [], jobs: [], claims: [] }),
    };
    const cluster = {
      name: 'local',
      watch,
      releaseStatus: jest
        .fn()
        .mockResolvedValue('release' in seen ? seen.release : 'deployed'),
      refusalEvents: jest.fn().mockResolvedValue(seen.events ?? []),
    };
    const database = {
      setDegraded: jest.fn(),
    } as unknown as StoresDatabase;
    const onChange = jest.fn();
    const health = new StoreHealth({
      database,
      clusters: new ClusterRegistry([cluster as unknown as StoreCluster]),
      logger: mockServices.logger.mock(),
      onChange,
    });
    return { cluster, watch, database, health, onChange };
  }
  const available = { ready: true, total: 2, pending: [] };
  const mysqlDown = {
    ready: false,
    total: 2,
    pending: ['statefulset/shop-mysql 0/1'],
  };

  it('leaves a healthy store alone, without asking the cluster', async () => {
    const { cluster, database, health } = setup(available);
    expect(await health.check(store)).toBeUndefined();
    expect(database.setDegraded).not.toHaveBeenCalled();
    expect(cluster.releaseStatus).not.toHaveBeenCalled();
    expect(cluster.refusalEvents).not.toHaveBeenCalled();
  });

  it('marks a degraded store recovered once its workloads are available', async () => {
    const { database, health } = setup(available);
    await health.check({ ...store, degradedReason: 'Not available' });
    expect(database.setDegraded).toHaveBeenCalledWith(store.id, undefined, {
      type: 'recovered',
      message: 'Every Deployment and StatefulSet is available again',
    });
  });

  it('returns drift of the namespace without reading the release', async () => {
    const { cluster, health } = setup(available, {
      namespace: { ...ours, terminating: true },
    });
    expect(await health.check(store)).toMatchObject({ healable: false });
    expect(cluster.releaseStatus).not.toHaveBeenCalled();
  });

  it('reads the release of a store whose workloads are gone, and returns its drift', async () => {
    const { cluster, database, health } = setup(
      { ready: false, total: 0, pending: [] },
      { release: undefined },
    );
    expect(await health.check(store)).toEqual({
      message: 'Release shop is gone',
      healable: true,
    });
    expect(cluster.releaseStatus).toHaveBeenCalledWith(
      store.namespace,
      store.name,
    );
    expect(database.setDegraded).not.toHaveBeenCalled();
  });

  it("degrades a store with the cluster's reason and what to do about it", async () => {
    const { database, health } = setup(mysqlDown, { pods: [crashLooping] });
    await health.check(store);
    expect(database.setDegraded).toHaveBeenCalledWith(
      store.id,
      expect.stringMatching(/^Pod shop-web-1 container web keeps crashing/),
      expect.objectContaining({
        type: 'degraded',
        message: expect.stringMatching(/CrashLoopBackOff/),
        detail: expect.stringMatching(/A container keeps exiting/),
      }),
    );
  });

  it('counts only refusals since the store became ready', async () => {
    const refusal = (at: string) =>
      ({
        type: 'Warning',
        reason: 'FailedCreate',
        lastTimestamp: new Date(at),
        message: 'exceeded quota',
        involvedObject: { kind: 'ReplicaSet', name: 'shop-web-5d8f7' },
        metadata: {},
      } as CoreV1Event);
    const before = setup(mysqlDown, {
      events: [refusal('2024-01-01T00:04:00.000Z')],
    });
    await before.health.check(store);
    expect(before.cluster.refusalEvents).toHaveBeenCalledWith(store.namespace);
    expect(before.database.setDegraded).toHaveBeenCalledWith(
      store.id,
      'Not available: statefulset/shop-mysql 0/1',
      expect.anything(),
    );
    const after = setup(mysqlDown, {
      events: [refusal('2024-01-01T00:06:00.000Z')],
    });
    await after.health.check(store);
    expect(after.database.setDegraded).toHaveBeenCalledWith(
      store.id,
      expect.stringMatching(/cannot create its pods: exceeded quota/),
      expect.anything(),
    );
  });

  it('names the workloads not available when the cluster gives no reason', async () => {
    const { database, health } = setup(mysqlDown);
    await health.check(store);
    expect(database.setDegraded).toHaveBeenCalledWith(
      store.id,
      'Not available: statefulset/shop-mysql 0/1',
      {
        type: 'degraded',
        message: 'Not available: statefulset/shop-mysql 0/1',
        detail: undefined,
      },
    );
  });

  it('records no new event while the reason stays the same', async () => {
    const { database, health } = setup(mysqlDown);
    await health.check({
      ...store,
      degradedReason: 'Not available: statefulset/shop-mysql 0/1',
    });
    expect(database.setDegraded).not.toHaveBeenCalled();
  });

  it("asks for a pass when the watch changes a ready store's namespace, and only then", () => {
    const { watch, health, onChange } = setup(available);
    const deleting = { ...store, id: 'id-old', status: 'deleting' } as Store;
    const watched = health.watchedClusters([
      store,
      { ...deleting, namespace: 'store-old' },
    ]);
    expect(watched).toEqual(new Set(['local']));
    health.watchedClusters([store]);
    expect(watch.onChange).toHaveBeenCalledTimes(1);
    const changed = watch.onChange.mock.calls[0][0];
    changed('store-old');
    expect(onChange).not.toHaveBeenCalled();
    changed(store.namespace);
    expect(onChange).toHaveBeenCalledTimes(1);
  });

  it('skips the stores of a cluster whose watch has not listed yet, and asks for a pass once it has', async () => {
    const { watch, health, onChange } = setup(available);
    watch.synced = false;
    let listed = () => {};
    watch.ready.mockReturnValue(new Promise<void>(r => (listed = r)));
    expect(health.watchedClusters([store])).toEqual(new Set());
    health.watchedClusters([store]);
    expect(watch.ready).toHaveBeenCalledTimes(1);
    expect(onChange).not.toHaveBeenCalled();
    listed();
    await new Promise(r => setImmediate(r));
    expect(onChange).toHaveBeenCalledTimes(1);
  });
});
