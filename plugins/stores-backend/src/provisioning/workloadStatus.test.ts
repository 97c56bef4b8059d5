import { V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import { generations, unlabelled, workloadStatus } from './workloadStatus';

const STORE = { 'stores.backstage.io/store': 'shop' };

function web(
  generation: number,
  status: V1Deployment['status'],
  labels = STORE,
): V1Deployment {
  return {
    metadata: { name: 'shop-web', generation, labels },
    spec: {
      replicas: 1,
      selector: {},
      template: { metadata: { labels } },
    },
    status,
  };
}

function mysql(
  status: V1StatefulSet['status'],
  claimLabels = STORE,
): V1StatefulSet {
  return {
    metadata: { name: 'shop-mysql', generation: 1, labels: STORE },
    spec: {
      replicas: 1,
      selector: {},
      serviceName: 'shop-mysql',
      template: { metadata: { labels: STORE } },
      volumeClaimTemplates: [{ metadata: { labels: claimLabels } }],
    },
    status: { observedGeneration: 1, ...status } as V1StatefulSet['status'],
  };
}

const available = {
  observedGeneration: 2,
  availableReplicas: 1,
  updatedReplicas: 1,
};

describe('workloadStatus', () => {
  it('is ready once every workload is available at its current generation', () => {
    expect(
      workloadStatus({
        deployments: [web(2, available)],
        statefulSets: [mysql({ replicas: 1, readyReplicas: 1 })],
      }),
    ).toEqual({ ready: true, total: 2, pending: [] });
  });

  it('names what is not available yet, and is not ready without workloads', () => {
    expect(
      workloadStatus({
        deployments: [web(3, available)],
        statefulSets: [mysql({ replicas: 1, availableReplicas: 0 })],
      }),
    ).toEqual({
      ready: false,
      total: 2,
      pending: ['deployment/shop-web 1/1', 'statefulset/shop-mysql 0/1'],
    });
    expect(workloadStatus({ deployments: [], statefulSets: [] })).toEqual({
      ready: false,
      total: 0,
      pending: [],
    });
  });

  it('waits for a copy at least as new as helm left it, and for one not seen yet', () => {
    const atLeast = new Map([
      ['deployment/shop-web', 3],
      ['statefulset/shop-mysql', 1],
    ]);
    // the watch still holds the copy from before helm's change, and no StatefulSet
    expect(
      workloadStatus(
        { deployments: [web(2, available)], statefulSets: [] },
        atLeast,
      ),
    ).toEqual({
      ready: false,
      total: 2,
      pending: [
        'deployment/shop-web 1/1',
        'statefulset/shop-mysql not seen yet',
      ],
    });
    expect(
      workloadStatus(
        {
          deployments: [web(3, { ...available, observedGeneration: 3 })],
          statefulSets: [mysql({ replicas: 1, readyReplicas: 1 })],
        },
        atLeast,
      ).ready,
    ).toBe(true);
  });
});

describe('generations', () => {
  it('holds the generation of each workload, by kind and name', () => {
    expect(
      generations({
        deployments: [web(3, available)],
        statefulSets: [mysql({ replicas: 1 })],
      }),
    ).toEqual(
      new Map([
        ['deployment/shop-web', 3],
        ['statefulset/shop-mysql', 1],
      ]),
    );
  });
});

describe('unlabelled', () => {
  it('finds workloads and templates the watch would not see', () => {
    expect(
      unlabelled({
        deployments: [web(1, available)],
        statefulSets: [mysql({ replicas: 1 })],
      }),
    ).toEqual([]);
    expect(
      unlabelled({
        deployments: [web(1, available, {} as typeof STORE)],
        statefulSets: [mysql({ replicas: 1 }, {} as typeof STORE)],
      }),
    ).toEqual([
      'deployment/shop-web',
      'the templates of statefulset/shop-mysql',
    ]);
  });
});
