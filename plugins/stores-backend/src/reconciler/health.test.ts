import { mockServices } from '@backstage/backend-test-utils';
import { Store } from '@stores-for-backstage/plugin-stores-common';
import { StoresDatabase } from '../database/StoresDatabase';
import { ClusterRegistry } from '../provisioning/registries';
import { StoreCluster, WorkloadStatus } from '../provisioning/StoreCluster';
import { WorkloadProblem } from '../provisioning/workloadProblems';
import { ClusterSnapshot, findDrift, StoreHealth } from './health';

const store = {
  id: 'id-shop',
  name: 'shop',
  status: 'ready',
  cluster: 'local',
  namespace: 'store-shop',
  statusChangedAt: '2024-01-01T00:00:00.000Z',
  readyAt: '2024-01-01T00:05:00.000Z',
} as Store;

function snapshot(
  namespace?: { storeId?: string; terminating?: boolean },
  release?: string,
): ClusterSnapshot {
  return {
    namespaces: new Map(
      namespace
        ? [
            [
              store.namespace,
              {
                name: store.namespace,
                storeId: namespace.storeId ?? store.id,
                terminating: namespace.terminating ?? false,
              },
            ],
          ]
        : [],
    ),
    releases: new Map(
      release ? [[`${store.namespace}/${store.name}`, release]] : [],
    ),
  };
}

describe('findDrift', () => {
  it('finds none while the namespace and a deployed release are there', () => {
    expect(findDrift(store, snapshot({}, 'deployed'))).toBeUndefined();
  });

  it.each([
    [
      'a missing namespace',
      snapshot(undefined, 'deployed'),
      'Namespace store-shop is gone',
    ],
    [
      "another store's namespace",
      snapshot({ storeId: 'id-other' }, 'deployed'),
      'Namespace store-shop is gone',
    ],
    ['a missing release', snapshot({}), 'Release shop is gone'],
    [
      'a failed release',
      snapshot({}, 'failed'),
      'Release shop is in status failed',
    ],
  ])('heals %s', (_case, seen, message) => {
    expect(findDrift(store, seen)).toEqual({ message, healable: true });
  });

  it('does not heal a namespace being deleted outside the portal', () => {
    expect(findDrift(store, snapshot({ terminating: true }))).toEqual({
      message: 'Namespace store-shop is being deleted outside the portal',
      healable: false,
    });
  });
});

describe('StoreHealth', () => {
  function setup(status: WorkloadStatus, problems: WorkloadProblem[] = []) {
    const cluster = {
      name: 'local',
      workloadStatus: jest.fn().mockResolvedValue(status),
      workloadProblems: jest.fn().mockResolvedValue(problems),
    };
    const database = {
      setDegraded: jest.fn(),
    } as unknown as StoresDatabase;
    const health = new StoreHealth({
      database,
      clusters: new ClusterRegistry([cluster as unknown as StoreCluster]),
      logger: mockServices.logger.mock(),
    });
    return { cluster, database, health };
  }

  it('leaves a healthy store alone', async () => {
    const { database, health } = setup({ ready: true, total: 2, pending: [] });
    await health.checkWorkloads(store);
    expect(database.setDegraded).not.toHaveBeenCalled();
  });

  it('marks a degraded store recovered once its workloads are available', async () => {
    const { database, health } = setup({ ready: true, total: 2, pending: [] });
    await health.checkWorkloads({ ...store, degradedReason: 'Not available' });
    expect(database.setDegraded).toHaveBeenCalledWith(store.id, undefined, {
      type: 'recovered',
      message: 'Every Deployment and StatefulSet is available again',
    });
  });

  it("degrades a store with the cluster's reason and what to do about it", async () => {
    const problem: WorkloadProblem = {
      kind: 'crash-loop',
      object: 'pod/shop-web-1',
      key: 'crash-loop/shop-web/web',
      message: 'Back-off restarting failed container web.',
    };
    const { cluster, database, health } = setup(
      { ready: false, total: 2, pending: ['deployment/shop-web 0/1'] },
      [problem],
    );
    await health.checkWorkloads(store);
    // problems since the store became ready
    expect(cluster.workloadProblems).toHaveBeenCalledWith(
      store.namespace,
      new Date(store.readyAt!),
    );
    expect(database.setDegraded).toHaveBeenCalledWith(
      store.id,
      expect.stringMatching(/^Back-off restarting failed container web\. /),
      expect.objectContaining({
        type: 'degraded',
        message: problem.message,
        detail: expect.stringMatching(/A container keeps exiting/),
      }),
    );
  });

  it('names the workloads not available when the cluster gives no reason', async () => {
    const { database, health } = setup({
      ready: false,
      total: 2,
      pending: ['statefulset/shop-mysql 0/1'],
    });
    await health.checkWorkloads(store);
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
    const { database, health } = setup({
      ready: false,
      total: 2,
      pending: ['statefulset/shop-mysql 0/1'],
    });
    await health.checkWorkloads({
      ...store,
      degradedReason: 'Not available: statefulset/shop-mysql 0/1',
    });
    expect(database.setDegraded).not.toHaveBeenCalled();
  });
});
