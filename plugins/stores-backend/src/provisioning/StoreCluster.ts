import { Config } from '@backstage/config';
import { ConflictError } from '@backstage/errors';
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  V1Namespace,
} from '@kubernetes/client-node';
import { STORE_ANNOTATION } from '@stores-for-backstage/plugin-stores-common';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ClusterSettings } from '../config';

/** Label on every namespace the stores backend manages. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'backstage-stores';
/** Label tying a namespace to one store record, so a reused name is not mistaken for it. */
export const STORE_ID_LABEL = 'stores.backstage.io/store-id';
const OWNER_ANNOTATION = 'stores.backstage.io/owner';

/** A namespace of a store as one list call sees it. */
export interface ObservedNamespace {
  name: string;
  storeId?: string;
  terminating: boolean;
}

/** How far a release's workloads are. */
export interface WorkloadStatus {
  ready: boolean;
  total: number;
  /** Workloads not yet available, e.g. `statefulset/shop-mysql 0/1`. */
  pending: string[];
}

function isApiError(error: unknown, code: number): boolean {
  return error instanceof ApiException && error.code === code;
}

/**
 * Loads the credentials of a cluster: from the Kubernetes plugin's cluster of the
 * same name, from a kubeconfig file, or from the default kubeconfig.
 */
function loadKubeConfig(
  settings: ClusterSettings,
  rootConfig: Config,
): KubeConfig {
  const kc = new KubeConfig();
  if (settings.kubeconfig) {
    kc.loadFromFile(settings.kubeconfig);
    if (settings.context) kc.setCurrentContext(settings.context);
    return kc;
  }
  const pluginCluster = (
    rootConfig.getOptionalConfigArray('kubernetes.clusterLocatorMethods') ?? []
  )
    .filter(m => m.getString('type') === 'config')
    .flatMap(m => m.getOptionalConfigArray('clusters') ?? [])
    .find(c => c.getString('name') === settings.name);
  if (pluginCluster) {
    const token = pluginCluster.getOptionalString('serviceAccountToken');
    if (!token) {
      throw new Error(
        `Kubernetes cluster '${settings.name}' has no serviceAccountToken; the stores backend needs one, or set stores.clusters[].kubeconfig`,
      );
    }
    kc.loadFromClusterAndUser(
      {
        name: settings.name,
        server: pluginCluster.getString('url'),
        caData: pluginCluster.getOptionalString('caData'),
        skipTLSVerify:
          pluginCluster.getOptionalBoolean('skipTLSVerify') ?? false,
      },
      { name: `${settings.name}-stores`, token },
    );
    return kc;
  }
  kc.loadFromDefault();
  if (settings.context) kc.setCurrentContext(settings.context);
  return kc;
}

/**
 * One Kubernetes cluster stores run in: namespaces and workload readiness through
 * the API, and a kubeconfig file for helm.
 */
export class StoreCluster {
  static async create(
    settings: ClusterSettings,
    rootConfig: Config,
  ): Promise<StoreCluster> {
    const kc = loadKubeConfig(settings, rootConfig);
    // In a pod, helm finds the ServiceAccount by itself; client-node's in-cluster
    // user (a token file "auth provider") means nothing to helm in a kubeconfig.
    if (kc.getCurrentUser()?.authProvider?.name === 'tokenFile') {
      return new StoreCluster(settings, kc, undefined);
    }
    // Elsewhere helm reads the same credentials from a private file.
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'stores-kubeconfig-'));
    const kubeconfigPath = path.join(dir, 'config');
    await fs.writeFile(kubeconfigPath, kc.exportConfig(), { mode: 0o600 });
    return new StoreCluster(settings, kc, kubeconfigPath);
  }

  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;

  private constructor(
    readonly settings: ClusterSettings,
    kc: KubeConfig,
    /** The kubeconfig for helm; undefined in a pod, where helm uses the ServiceAccount. */
    readonly kubeconfigPath: string | undefined,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
  }

  get name() {
    return this.settings.name;
  }

  /**
   * Creates the store's namespace, or adopts one that carries this store's labels
   * (left by an interrupted attempt). Any other namespace of that name is a conflict.
   */
  async ensureNamespace(store: {
    id: string;
    name: string;
    namespace: string;
    owner: string;
  }): Promise<'created' | 'adopted'> {
    const body: V1Namespace = {
      metadata: {
        name: store.namespace,
        labels: {
          [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
          [STORE_ANNOTATION]: store.name,
          [STORE_ID_LABEL]: store.id,
        },
        annotations: { [OWNER_ANNOTATION]: store.owner },
      },
    };
    try {
      await this.core.createNamespace({ body });
      return 'created';
    } catch (error) {
      if (!isApiError(error, 409)) throw error;
    }
    const existing = await this.core.readNamespace({ name: store.namespace });
    if (existing.metadata?.labels?.[STORE_ID_LABEL] !== store.id) {
      throw new ConflictError(
        `Namespace '${store.namespace}' already exists and does not belong to this store; delete it or choose another store name`,
      );
    }
    if (existing.metadata?.deletionTimestamp) {
      throw new ConflictError(
        `Namespace '${store.namespace}' is still being deleted; try again once it is gone`,
      );
    }
    return 'adopted';
  }

  /** Asks for the namespace to be deleted; true when it is already gone. */
  async deleteNamespace(name: string): Promise<boolean> {
    try {
      await this.core.deleteNamespace({ name });
      return false;
    } catch (error) {
      if (isApiError(error, 404)) return true;
      throw error;
    }
  }

  /** The namespace, or undefined when it does not exist. */
  async readNamespace(name: string): Promise<ObservedNamespace | undefined> {
    try {
      const ns = await this.core.readNamespace({ name });
      return toObserved(ns);
    } catch (error) {
      if (isApiError(error, 404)) return undefined;
      throw error;
    }
  }

  /** Every namespace managed by the stores backend, in one call. */
  async listStoreNamespaces(): Promise<Map<string, ObservedNamespace>> {
    const list = await this.core.listNamespace({
      labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`,
    });
    return new Map(
      list.items.map(ns => [ns.metadata!.name!, toObserved(ns)] as const),
    );
  }

  /** Whether every Deployment and StatefulSet of the release is available. */
  async workloadStatus(
    namespace: string,
    release: string,
  ): Promise<WorkloadStatus> {
    const labelSelector = `app.kubernetes.io/instance=${release}`;
    const [deployments, statefulSets] = await Promise.all([
      this.apps.listNamespacedDeployment({ namespace, labelSelector }),
      this.apps.listNamespacedStatefulSet({ namespace, labelSelector }),
    ]);
    const pending: string[] = [];
    for (const d of deployments.items) {
      const want = d.spec?.replicas ?? 1;
      const have = d.status?.availableReplicas ?? 0;
      const current =
        (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
      if (!current || have < want || (d.status?.updatedReplicas ?? 0) < want) {
        pending.push(`deployment/${d.metadata?.name} ${have}/${want}`);
      }
    }
    for (const s of statefulSets.items) {
      const want = s.spec?.replicas ?? 1;
      const have = s.status?.availableReplicas ?? s.status?.readyReplicas ?? 0;
      const current =
        (s.status?.observedGeneration ?? 0) >= (s.metadata?.generation ?? 0);
      if (!current || have < want) {
        pending.push(`statefulset/${s.metadata?.name} ${have}/${want}`);
      }
    }
    const total = deployments.items.length + statefulSets.items.length;
    return { ready: total > 0 && pending.length === 0, total, pending };
  }

  async close(): Promise<void> {
    if (!this.kubeconfigPath) return;
    await fs.rm(path.dirname(this.kubeconfigPath), {
      recursive: true,
      force: true,
    });
  }
}

function toObserved(ns: V1Namespace): ObservedNamespace {
  return {
    name: ns.metadata!.name!,
    storeId: ns.metadata?.labels?.[STORE_ID_LABEL],
    terminating:
      Boolean(ns.metadata?.deletionTimestamp) ||
      ns.status?.phase === 'Terminating',
  };
}
