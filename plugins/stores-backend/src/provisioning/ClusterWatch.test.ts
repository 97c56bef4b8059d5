import {
  ApiException,
  KubernetesObject,
  V1Deployment,
  V1Namespace,
} from '@kubernetes/client-node';
import { eventually, FakeWatch } from '../__testUtils__/fakeWatch';
import { ClusterLists, ClusterWatch } from './ClusterWatch';

const list = (items: KubernetesObject[] = []) =>
  jest.fn(async (_labelSelector: string) => ({
    metadata: { resourceVersion: '1' },
    items: items as any[],
  }));

function namespace(name: string, extra: Partial<V1Namespace> = {}) {
  return {
    metadata: {
      name,
      resourceVersion: '2',
      labels: { 'stores.backstage.io/store-id': 'id-shop' },
      ...extra.metadata,
    },
    ...extra,
  } as V1Namespace;
}

function deployment(available: number, resourceVersion = '3'): V1Deployment {
  return {
    metadata: {
      name: 'shop-web',
      namespace: 'store-shop',
      resourceVersion,
      generation: 1,
      labels: { 'app.kubernetes.io/instance': 'shop' },
    },
    spec: { replicas: 1 } as V1Deployment['spec'],
    status: {
      observedGeneration: 1,
      availableReplicas: available,
      updatedReplicas: 1,
    },
  };
}

function setup(lists: Partial<ClusterLists> = {}) {
  const watch = new FakeWatch();
  const logger = { error: jest.fn(), warn: jest.fn(), info: jest.fn() };
  const all: ClusterLists = {
    namespaces: list([namespace('store-shop')]),
    pods: list(),
    deployments: list([deployment(0)]),
    statefulSets: list(),
    jobs: list(),
    claims: list(),
    ...lists,
  };
  const clusterWatch = new ClusterWatch({
    cluster: 'local',
    lists: all,
    watch,
    logger: logger as any,
    timings: { retryMs: 5, maxRetryMs: 20 },
  });
  const request = (path: string) => watch.open(path)[0];
  return { clusterWatch, watch, lists: all, logger, request };
}

const signal = () => new AbortController().signal;

describe('ClusterWatch', () => {
  let clusterWatch: ClusterWatch | undefined;
  afterEach(() => clusterWatch?.stop());

  it('lists and watches store namespaces and store objects by label, from the first read on', async () => {
    const t = setup();
    clusterWatch = t.clusterWatch;
    expect(t.lists.pods).not.toHaveBeenCalled();
    await t.clusterWatch.ready(signal());
    expect(t.lists.namespaces).toHaveBeenCalledWith(
      'app.kubernetes.io/managed-by=backstage-stores,stores.backstage.io/store-id',
    );
    for (const kind of [
      'pods',
      'deployments',
      'statefulSets',
      'jobs',
      'claims',
    ] as const) {
      expect(t.lists[kind]).toHaveBeenCalledWith('stores.backstage.io/store');
    }
    await eventually(() => t.watch.requests.length === 6);
    expect(t.watch.requests.map(r => r.path).sort()).toEqual([
      '/api/v1/namespaces',
      '/api/v1/persistentvolumeclaims',
      '/api/v1/pods',
      '/apis/apps/v1/deployments',
      '/apis/apps/v1/statefulsets',
      '/apis/batch/v1/jobs',
    ]);
    expect(t.clusterWatch.namespace('store-shop')).toEqual({
      name: 'store-shop',
      storeId: 'id-shop',
      terminating: false,
    });
    expect(t.clusterWatch.workloadStatus('store-shop', 'shop')).toEqual({
      ready: false,
      total: 1,
      pending: ['deployment/shop-web 0/1'],
    });
    expect(t.clusterWatch.workloadStatus('store-shop', 'other').total).toBe(0);
  });

  it('resolves a wait when a change the watch brings makes its check true', async () => {
    const t = setup();
    clusterWatch = t.clusterWatch;
    const ready = t.clusterWatch.waitFor(
      () =>
        t.clusterWatch.workloadStatus('store-shop', 'shop').ready || undefined,
      { signal: signal() },
    );
    await eventually(() => Boolean(t.request('/apis/apps/v1/deployments')));
    let resolved = false;
    void ready.then(() => (resolved = true));
    await new Promise(r => setTimeout(r, 10));
    expect(resolved).toBe(false);

    t.request('/apis/apps/v1/deployments').send('MODIFIED', deployment(1, '4'));
    await expect(ready).resolves.toBe(true);
  });

  it('sees a namespace go, and counts changes per namespace', async () => {
    const t = setup();
    clusterWatch = t.clusterWatch;
    await t.clusterWatch.ready(signal());
    const seen = jest.fn();
    t.clusterWatch.onChange(seen);
    const before = t.clusterWatch.revision('store-shop');
    expect(before).toBeGreaterThan(0);
    const gone = t.clusterWatch.waitFor(
      () => !t.clusterWatch.namespace('store-shop') || undefined,
      { signal: signal() },
    );
    await eventually(() => Boolean(t.request('/api/v1/namespaces')));
    t.request('/api/v1/namespaces').send(
      'MODIFIED',
      namespace('store-shop', {
        metadata: { name: 'store-shop', resourceVersion: '5' },
        status: { phase: 'Terminating' },
      }),
    );
    await Promise.resolve();
    expect(t.clusterWatch.namespace('store-shop')?.terminating).toBe(true);
    t.request('/api/v1/namespaces').send(
      'DELETED',
      namespace('store-shop', {
        metadata: { name: 'store-shop', resourceVersion: '6' },
      }),
    );
    await expect(gone).resolves.toBe(true);
    expect(t.clusterWatch.revision('store-shop')).toBe(before + 2);
    expect(seen).toHaveBeenCalledWith('store-shop');
  });

  it('gives up a wait at its timeout, and on abort', async () => {
    const t = setup();
    clusterWatch = t.clusterWatch;
    await expect(
      t.clusterWatch.waitFor(() => undefined, {
        signal: signal(),
        timeoutMs: 20,
      }),
    ).resolves.toBeUndefined();
    const controller = new AbortController();
    const waiting = t.clusterWatch.waitFor(() => undefined, {
      signal: controller.signal,
    });
    controller.abort(new Error('the store is being deleted'));
    await expect(waiting).rejects.toThrow('the store is being deleted');
  });

  it('refuses waits, saying what to grant, while the cluster refuses a watch', async () => {
    const t = setup({
      pods: jest.fn(async () => {
        throw new ApiException(403, 'Forbidden', {}, {});
      }),
    });
    clusterWatch = t.clusterWatch;
    await expect(t.clusterWatch.ready(signal())).rejects.toThrow(
      /refuses the stores backend a list and watch of pods in all namespaces \(HTTP 403\).*-store-watch ClusterRole/,
    );
    expect(t.logger.error).toHaveBeenCalledTimes(1);
  });

  it('keeps waits waiting through a lost connection, and resolves once it is back', async () => {
    const t = setup();
    clusterWatch = t.clusterWatch;
    const ready = t.clusterWatch.waitFor(
      () =>
        t.clusterWatch.workloadStatus('store-shop', 'shop').ready || undefined,
      { signal: signal() },
    );
    await eventually(() => Boolean(t.request('/apis/apps/v1/deployments')));
    t.request('/apis/apps/v1/deployments').end(new Error('ECONNRESET'));
    expect(t.logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/Lost the watch of deployments/),
    );
    await eventually(() => Boolean(t.request('/apis/apps/v1/deployments')));
    expect(t.request('/apis/apps/v1/deployments').params.resourceVersion).toBe(
      '1',
    );
    t.request('/apis/apps/v1/deployments').send('MODIFIED', deployment(1, '4'));
    await expect(ready).resolves.toBe(true);
    expect(t.logger.info).toHaveBeenCalledWith(
      expect.stringMatching(/watch of deployments .* is back/),
    );
  });
});
