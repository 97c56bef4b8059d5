import { LoggerService } from '@backstage/backend-plugin-api';
import { Store } from '@stores-for-backstage/plugin-stores-common';
import { StoresDatabase } from '../database/StoresDatabase';
import { ObservedNamespace, StoreCluster } from '../provisioning/StoreCluster';
import { ClusterRegistry } from '../provisioning/registries';
import {
  describeProblem,
  PROBLEM_HINTS,
} from '../provisioning/workloadProblems';

/** What one pass saw of a cluster: a single list of namespaces and of releases. */
export interface ClusterSnapshot {
  namespaces: Map<string, ObservedNamespace>;
  /** status of each ready store's release, by `<namespace>/<release>` */
  releases: Map<string, string>;
}

/** A ready store whose namespace or release is no longer what provisioning left. */
export interface Drift {
  message: string;
  /**
   * Whether provisioning the store again can heal it: not while its namespace is
   * being deleted outside the portal.
   */
  healable: boolean;
}

/** What is wrong with a ready store's namespace or release, if anything. */
export function findDrift(
  store: Store,
  snapshot: ClusterSnapshot,
): Drift | undefined {
  const namespace = snapshot.namespaces.get(store.namespace);
  const release = snapshot.releases.get(`${store.namespace}/${store.name}`);
  let message: string | undefined;
  if (!namespace || namespace.storeId !== store.id) {
    message = `Namespace ${store.namespace} is gone`;
  } else if (namespace.terminating) {
    message = `Namespace ${store.namespace} is being deleted outside the portal`;
  } else if (!release) {
    message = `Release ${store.name} is gone`;
  } else if (release === 'failed') {
    message = `Release ${store.name} is in status failed`;
  }
  return message ? { message, healable: !namespace?.terminating } : undefined;
}

/** Looks at ready stores in their clusters: drift of their namespace and release, health of their workloads. */
export class StoreHealth {
  constructor(
    private readonly options: {
      database: StoresDatabase;
      clusters: ClusterRegistry;
      logger: LoggerService;
    },
  ) {}

  /**
   * Lists, once per cluster with ready stores, the store namespaces and the
   * ready stores' releases. A cluster that cannot be read has no snapshot.
   */
  async snapshot(stores: Store[]): Promise<Map<string, ClusterSnapshot>> {
    const snapshots = new Map<string, ClusterSnapshot>();
    const clusters = new Set(
      stores.filter(s => s.status === 'ready').map(s => s.cluster),
    );
    for (const name of clusters) {
      let cluster: StoreCluster;
      try {
        cluster = this.options.clusters.get(name);
        const namespaces = await cluster.listStoreNamespaces();
        // One read per ready store whose namespace is there: release records are Secrets,
        // which the backend may read inside store namespaces only.
        const releases = new Map<string, string>();
        const ready = stores.filter(
          s =>
            s.status === 'ready' &&
            s.cluster === name &&
            namespaces.has(s.namespace),
        );
        await Promise.all(
          ready.map(async s => {
            const status = await cluster.releaseStatus(s.namespace, s.name);
            if (status) releases.set(`${s.namespace}/${s.name}`, status);
          }),
        );
        snapshots.set(name, { namespaces, releases });
      } catch (error) {
        // Without a reliable view of the cluster, drift cannot be told apart from an outage.
        this.options.logger.warn(
          `Skipping drift checks on cluster ${name} this pass: ${error}`,
        );
      }
    }
    return snapshots;
  }

  /**
   * A ready store whose workloads stop being available is degraded, with the reason
   * the cluster gives; it is ready again once they recover. Each change goes on the
   * timeline.
   */
  async checkWorkloads(store: Store): Promise<void> {
    const { database, clusters } = this.options;
    const cluster = clusters.get(store.cluster);
    const status = await cluster.workloadStatus(store.namespace, store.name);
    if (status.ready) {
      if (store.degradedReason) {
        await database.setDegraded(store.id, undefined, {
          type: 'recovered',
          message: 'Every Deployment and StatefulSet is available again',
        });
      }
      return;
    }
    const [problem] = await cluster.workloadProblems(
      store.namespace,
      new Date(store.degradedSince ?? store.readyAt ?? store.statusChangedAt),
    );
    const reason = problem
      ? describeProblem(problem)
      : `Not available: ${status.pending.join(', ') || 'no workloads'}`;
    if (reason === store.degradedReason) return;
    await database.setDegraded(store.id, reason, {
      type: 'degraded',
      message: problem?.message ?? reason,
      detail: problem ? PROBLEM_HINTS[problem.kind] : undefined,
    });
  }
}
