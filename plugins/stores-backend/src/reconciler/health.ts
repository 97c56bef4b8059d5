import { LoggerService } from '@backstage/backend-plugin-api';
import { Store } from '@stores-for-backstage/plugin-stores-common';
import { StoresDatabase } from '../database/StoresDatabase';
import { ClusterWatch } from '../provisioning/ClusterWatch';
import { ClusterRegistry } from '../provisioning/registries';
import { StoreCluster } from '../provisioning/StoreCluster';
import { ObservedNamespace } from '../provisioning/storeNamespaces';
import {
  describeProblem,
  diagnoseWorkloads,
  PROBLEM_HINTS,
} from '../provisioning/workloadProblems';
import { WorkloadStatus } from '../provisioning/workloadStatus';

/** A ready store whose namespace or release is no longer what provisioning left. */
export interface Drift {
  message: string;
  /**
   * Whether provisioning the store again can heal it: not while its namespace is
   * being deleted outside the portal.
   */
  healable: boolean;
}

/** What is wrong with a ready store's namespace, if anything. */
export function namespaceDrift(
  store: Store,
  namespace: ObservedNamespace | undefined,
): Drift | undefined {
  if (!namespace || namespace.storeId !== store.id) {
    return { message: `Namespace ${store.namespace} is gone`, healable: true };
  }
  if (namespace.terminating) {
    return {
      message: `Namespace ${store.namespace} is being deleted outside the portal`,
      healable: false,
    };
  }
  return undefined;
}

/** What is wrong with a ready store's release (its status in Helm's records), if anything. */
export function releaseDrift(
  store: Store,
  release: string | undefined,
): Drift | undefined {
  if (!release) {
    return { message: `Release ${store.name} is gone`, healable: true };
  }
  if (release === 'failed') {
    return {
      message: `Release ${store.name} is in status failed`,
      healable: true,
    };
  }
  return undefined;
}

/**
 * Looks at ready stores through their clusters' watches: drift of their namespace and
 * release, health of their workloads. A store whose workloads are available costs no
 * call to the API server; only one whose workloads are not has its release status
 * (Helm's records are Secrets, readable per store namespace only) and its events read.
 * A change the watch brings to a ready store's namespace or objects runs a pass at
 * once (`onChange`), so drift and degradation are seen without waiting for the
 * scheduled pass.
 */
export class StoreHealth {
  /** Namespaces of the ready stores the last pass saw, by cluster. */
  private readyNamespaces = new Map<string, Set<string>>();
  private readonly followed = new Set<string>();
  /** Clusters whose watch is listing for the first time. */
  private readonly starting = new Set<string>();

  constructor(
    private readonly options: {
      database: StoresDatabase;
      clusters: ClusterRegistry;
      logger: LoggerService;
      /** Asks for a pass: something changed in a ready store. */
      onChange: () => void;
    },
  ) {}

  /**
   * The clusters of ready stores whose watch has listed. The watch of another is
   * started, and its stores are checked by the pass asked for once it has listed:
   * without a complete view of a cluster, drift cannot be told apart from an outage.
   */
  watchedClusters(stores: Store[]): Set<string> {
    const readyNamespaces = new Map<string, Set<string>>();
    for (const store of stores.filter(s => s.status === 'ready')) {
      const namespaces = readyNamespaces.get(store.cluster) ?? new Set();
      namespaces.add(store.namespace);
      readyNamespaces.set(store.cluster, namespaces);
    }
    this.readyNamespaces = readyNamespaces;
    const watched = new Set<string>();
    for (const name of readyNamespaces.keys()) {
      try {
        const { watch } = this.options.clusters.get(name);
        this.follow(name, watch);
        if (watch.synced) watched.add(name);
        else this.passOnceListed(name, watch);
      } catch (error) {
        this.options.logger.warn(
          `Skipping drift and health checks on cluster ${name}: ${error}`,
        );
      }
    }
    return watched;
  }

  /**
   * Checks a ready store of a watched cluster. Returns its drift, for the reconciler to
   * deal with; without drift, marks the store degraded or recovered as its workloads
   * are, each change on the timeline.
   */
  async check(store: Store): Promise<Drift | undefined> {
    const cluster = this.options.clusters.get(store.cluster);
    const { watch } = cluster;
    const drift = namespaceDrift(store, watch.namespace(store.namespace));
    if (drift) return drift;
    const status = watch.workloadStatus(store.namespace, store.name);
    if (status.ready) {
      if (store.degradedReason) {
        await this.options.database.setDegraded(store.id, undefined, {
          type: 'recovered',
          message: 'Every Deployment and StatefulSet is available again',
        });
      }
      return undefined;
    }
    // workloads gone or failing: the release may have been removed or failed behind the portal's back
    const released = releaseDrift(
      store,
      await cluster.releaseStatus(store.namespace, store.name),
    );
    if (released) return released;
    await this.degrade(store, cluster, status);
    return undefined;
  }

  /** Marks the store degraded with the reason the cluster gives. */
  private async degrade(
    store: Store,
    cluster: StoreCluster,
    status: WorkloadStatus,
  ) {
    const [problem] = diagnoseWorkloads(
      {
        ...cluster.watch.workloadObjects(store.namespace),
        events: await cluster.refusalEvents(store.namespace),
      },
      new Date(store.degradedSince ?? store.readyAt ?? store.statusChangedAt),
    );
    const reason = problem
      ? describeProblem(problem)
      : `Not available: ${status.pending.join(', ') || 'no workloads'}`;
    if (reason === store.degradedReason) return;
    await this.options.database.setDegraded(store.id, reason, {
      type: 'degraded',
      message: problem?.message ?? reason,
      detail: problem ? PROBLEM_HINTS[problem.kind] : undefined,
    });
  }

  /** Starts the cluster's watch and asks for a pass once it has listed. */
  private passOnceListed(name: string, watch: ClusterWatch) {
    if (this.starting.has(name)) return;
    this.starting.add(name);
    watch
      .ready(new AbortController().signal)
      .then(
        () => this.options.onChange(),
        // the watch logs why; the next scheduled pass tries again
        () => {},
      )
      .finally(() => this.starting.delete(name));
  }

  /** Runs a pass on every change the cluster's watch brings to a ready store. */
  private follow(name: string, watch: ClusterWatch) {
    if (this.followed.has(name)) return;
    watch.onChange(namespace => {
      if (this.readyNamespaces.get(name)?.has(namespace)) {
        this.options.onChange();
      }
    });
    this.followed.add(name);
  }
}
