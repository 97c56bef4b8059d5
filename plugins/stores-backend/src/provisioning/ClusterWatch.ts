import { LoggerService } from '@backstage/backend-plugin-api';
import {
  KubernetesListObject,
  KubernetesObject,
  V1Deployment,
  V1Job,
  V1Namespace,
  V1PersistentVolumeClaim,
  V1Pod,
  V1StatefulSet,
} from '@kubernetes/client-node';
import {
  Informer,
  InformerSource,
  InformerTimings,
  statusOf,
  WatchRequests,
} from './Informer';
import {
  ObservedNamespace,
  STORE_NAMESPACE_SELECTOR,
  toObserved,
} from './storeNamespaces';
import {
  RELEASE_LABEL,
  STORE_OBJECT_LABEL,
  workloadStatus,
  WorkloadStatus,
} from './workloadStatus';

type List<T extends KubernetesObject> = (
  labelSelector: string,
) => Promise<KubernetesListObject<T>>;

/** How to list each watched collection in all namespaces, with the selector given. */
export interface ClusterLists {
  namespaces: List<V1Namespace>;
  pods: List<V1Pod>;
  deployments: List<V1Deployment>;
  statefulSets: List<V1StatefulSet>;
  jobs: List<V1Job>;
  claims: List<V1PersistentVolumeClaim>;
}

/**
 * What is watched: store namespaces, and the objects of the engine charts that
 * readiness and diagnosis read, by the label the charts put on all of them. The
 * stores-portal chart grants exactly these list and watch rights cluster-wide.
 */
const WATCHED: {
  [K in keyof ClusterLists]: { resource: string; path: string };
} = {
  namespaces: { resource: 'namespaces', path: '/api/v1/namespaces' },
  pods: { resource: 'pods', path: '/api/v1/pods' },
  deployments: { resource: 'deployments', path: '/apis/apps/v1/deployments' },
  statefulSets: {
    resource: 'statefulsets',
    path: '/apis/apps/v1/statefulsets',
  },
  jobs: { resource: 'jobs', path: '/apis/batch/v1/jobs' },
  claims: {
    resource: 'persistentvolumeclaims',
    path: '/api/v1/persistentvolumeclaims',
  },
};

type Informers = {
  [K in keyof ClusterLists]: Informer<
    Awaited<ReturnType<ClusterLists[K]>>['items'][number]
  >;
};

const DEFAULT_TIMINGS: InformerTimings = {
  resyncMs: 5 * 60_000,
  retryMs: 500,
  maxRetryMs: 30_000,
};

/**
 * The stores of one cluster as its watches have them: store namespaces and the pods,
 * Deployments, StatefulSets, Jobs and volume claims of every store, each listed once
 * and then kept current by a watch (`Informer`). Readiness, failure states and
 * namespace deletion are read here, and waited for with `waitFor`, instead of asking
 * the API server per store; the cost is a few long-lived requests per cluster,
 * whatever the number of stores.
 *
 * Started by the first read; every read first waits until each collection was
 * listed. An identity that may not list and watch them cluster-wide is refused with
 * what to grant (the stores-portal chart's `-store-watch` ClusterRole).
 */
export class ClusterWatch {
  private readonly informers: Informers;
  /** Bumped by every change to a namespace or an object in it. */
  private readonly revisions = new Map<string, number>();
  private readonly waiters = new Set<() => void>();
  private readonly listeners = new Set<(namespace: string) => void>();
  /** Namespaces changed since the last notice, for the listeners. */
  private readonly unnoticed = new Set<string>();
  private noticeQueued = false;
  /** Why the cluster refuses a collection, by resource, while it does. */
  private readonly refusals = new Map<string, Error>();
  private readonly failing = new Set<string>();
  private started = false;

  constructor(
    private readonly options: {
      cluster: string;
      lists: ClusterLists;
      watch: WatchRequests;
      logger?: LoggerService;
      timings?: Partial<InformerTimings>;
    },
  ) {
    const timings = { ...DEFAULT_TIMINGS, ...options.timings };
    const informer = <K extends keyof ClusterLists>(
      kind: K,
      labelSelector: string,
      namespaceOf: (object: KubernetesObject) => string | undefined,
    ) => {
      const source: InformerSource<any> = {
        ...WATCHED[kind],
        labelSelector,
        list: () => options.lists[kind](labelSelector),
      };
      return new Informer(
        source,
        options.watch,
        {
          onChange: object => this.changed(namespaceOf(object)),
          onSynced: () => this.onSynced(source.resource),
          onError: error => this.onError(source.resource, error),
          onRecovered: () => this.onRecovered(source.resource),
        },
        timings,
      ) as Informers[K];
    };
    const own = (o: KubernetesObject) => o.metadata?.name;
    const within = (o: KubernetesObject) => o.metadata?.namespace;
    this.informers = {
      namespaces: informer('namespaces', STORE_NAMESPACE_SELECTOR, own),
      pods: informer('pods', STORE_OBJECT_LABEL, within),
      deployments: informer('deployments', STORE_OBJECT_LABEL, within),
      statefulSets: informer('statefulSets', STORE_OBJECT_LABEL, within),
      jobs: informer('jobs', STORE_OBJECT_LABEL, within),
      claims: informer('claims', STORE_OBJECT_LABEL, within),
    };
  }

  /** Whether every collection has been listed. */
  get synced(): boolean {
    return Object.values(this.informers).every(i => i.synced);
  }

  /**
   * Starts the watches (the first call does) and resolves once every collection has
   * been listed. Rejects when the cluster refuses one, or the signal aborts.
   */
  async ready(signal: AbortSignal): Promise<void> {
    this.start();
    await this.until(() => this.synced || undefined, signal);
  }

  /**
   * Resolves with the first answer of `check` other than undefined: checked at once,
   * on every change the watches bring and on every resync. Resolves undefined once
   * `timeoutMs` has passed; rejects when the cluster refuses a watch or the signal
   * aborts.
   */
  async waitFor<T>(
    check: () => T | undefined,
    options: { signal: AbortSignal; timeoutMs?: number },
  ): Promise<T | undefined> {
    const deadline =
      options.timeoutMs === undefined
        ? undefined
        : Date.now() + options.timeoutMs;
    await this.ready(options.signal);
    return this.until(
      check,
      options.signal,
      deadline === undefined ? undefined : deadline - Date.now(),
    );
  }

  /** Calls the listener with the namespace of every change; returns how to stop. */
  onChange(listener: (namespace: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * How many changes the namespace (the object itself, or one in it) has seen; 0 for
   * one never seen. Compare two readings to tell whether anything changed between.
   */
  revision(namespace: string): number {
    return this.revisions.get(namespace) ?? 0;
  }

  /** A store namespace, or undefined when the cluster has none of that name. */
  namespace(name: string): ObservedNamespace | undefined {
    const ns = this.informers.namespaces.get('', name);
    return ns && toObserved(ns);
  }

  /** How far the release's Deployments and StatefulSets are (see `workloadStatus`). */
  workloadStatus(
    namespace: string,
    release: string,
    atLeast?: Map<string, number>,
  ): WorkloadStatus {
    const ofRelease = (o: KubernetesObject) =>
      o.metadata?.labels?.[RELEASE_LABEL] === release;
    return workloadStatus(
      {
        deployments: this.informers.deployments
          .list(namespace)
          .filter(ofRelease),
        statefulSets: this.informers.statefulSets
          .list(namespace)
          .filter(ofRelease),
      },
      atLeast,
    );
  }

  /** The store's pods, Jobs and volume claims, for diagnosis (`diagnoseWorkloads`). */
  workloadObjects(namespace: string): {
    pods: V1Pod[];
    jobs: V1Job[];
    claims: V1PersistentVolumeClaim[];
  } {
    return {
      pods: this.informers.pods.list(namespace),
      jobs: this.informers.jobs.list(namespace),
      claims: this.informers.claims.list(namespace),
    };
  }

  stop(): void {
    for (const informer of Object.values(this.informers)) informer.stop();
    this.started = false;
  }

  private start() {
    if (this.started) return;
    this.started = true;
    for (const informer of Object.values(this.informers)) informer.start();
  }

  private until<T>(
    check: () => T | undefined,
    signal: AbortSignal,
    timeoutMs?: number,
  ): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      let settled = false;
      const cleanups: Array<() => void> = [];
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        for (const cleanup of cleanups) cleanup();
        outcome();
      };
      const waiter = () => {
        const refusal = this.refusals.values().next().value;
        if (refusal) {
          settle(() => reject(refusal));
          return;
        }
        try {
          const answer = check();
          if (answer !== undefined) settle(() => resolve(answer));
        } catch (error) {
          settle(() => reject(error));
        }
      };
      const aborted = () => settle(() => reject(signal.reason));
      signal.addEventListener('abort', aborted, { once: true });
      cleanups.push(
        () => this.waiters.delete(waiter),
        () => signal.removeEventListener('abort', aborted),
      );
      if (timeoutMs !== undefined) {
        const timer = setTimeout(
          () => settle(() => resolve(undefined)),
          Math.max(timeoutMs, 0),
        );
        cleanups.push(() => clearTimeout(timer));
      }
      this.waiters.add(waiter);
      waiter();
    });
  }

  private changed(namespace: string | undefined) {
    if (namespace === undefined) return;
    this.revisions.set(namespace, this.revision(namespace) + 1);
    this.unnoticed.add(namespace);
    this.queueNotice();
  }

  /**
   * Waiters and listeners hear of changes once per turn of the event loop, not once per
   * object: a list brings hundreds at once.
   */
  private queueNotice() {
    if (this.noticeQueued) return;
    this.noticeQueued = true;
    queueMicrotask(() => {
      this.noticeQueued = false;
      for (const waiter of [...this.waiters]) waiter();
      const namespaces = [...this.unnoticed];
      this.unnoticed.clear();
      for (const listener of this.listeners) {
        for (const namespace of namespaces) listener(namespace);
      }
    });
  }

  private onSynced(resource: string) {
    this.refusals.delete(resource);
    this.queueNotice();
  }

  private onError(resource: string, error: unknown) {
    const { cluster, logger } = this.options;
    const status = statusOf(error);
    if (status === 401 || status === 403) {
      if (!this.refusals.has(resource)) {
        const refusal = new Error(
          `The cluster '${cluster}' refuses the stores backend a list and watch of ${resource} in all namespaces (HTTP ${status}). It follows stores through cluster-wide watches of their namespaces, pods, deployments, statefulsets, jobs and persistentvolumeclaims, selected by label: grant its identity list and watch on these (the stores-portal chart's -store-watch ClusterRole does)`,
        );
        this.refusals.set(resource, refusal);
        logger?.error(refusal.message);
        this.queueNotice();
      }
      return;
    }
    if (!this.failing.has(resource)) {
      this.failing.add(resource);
      logger?.warn(
        `Lost the watch of ${resource} on cluster '${cluster}', trying again: ${error}`,
      );
    }
  }

  private onRecovered(resource: string) {
    this.refusals.delete(resource);
    if (this.failing.delete(resource)) {
      this.options.logger?.info(
        `The watch of ${resource} on cluster '${this.options.cluster}' is back`,
      );
    }
  }
}
