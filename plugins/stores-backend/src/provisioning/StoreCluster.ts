import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import {
  ApiException,
  AppsV1Api,
  AuthenticationV1Api,
  AuthorizationV1Api,
  BatchV1Api,
  Configuration,
  CoreV1Api,
  CoreV1Event,
  createConfiguration,
  KubeConfig,
  RbacAuthorizationV1Api,
  RbacV1Subject,
  ServerConfiguration,
  V1Namespace,
  VersionApi,
  Watch,
} from '@kubernetes/client-node';
import { STORE_ANNOTATION } from '@stores-for-backstage/plugin-stores-common';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ClusterSettings } from '../config';
import { ClusterWatch } from './ClusterWatch';
import {
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  ObservedNamespace,
  STORE_ID_LABEL,
  toObserved,
} from './storeNamespaces';
import { RELEASE_LABEL, ReleaseWorkloads } from './workloadStatus';

// the labels a store namespace carries, also where callers have found them so far
export { MANAGED_BY_LABEL, MANAGED_BY_VALUE, STORE_ID_LABEL };
const OWNER_ANNOTATION = 'stores.backstage.io/owner';
/**
 * Pod Security Admission holds every pod of a store to the `restricted` profile. The
 * stores-portal chart's admission policy refuses a store namespace without these
 * labels and any later change to them.
 */
export const POD_SECURITY_LABELS: Record<string, string> = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'latest',
  'pod-security.kubernetes.io/audit': 'restricted',
  'pod-security.kubernetes.io/warn': 'restricted',
};
/** The RoleBinding that gives the backend its rights inside a store namespace. */
export const STORE_ROLE_BINDING = 'stores-backend';

function isApiError(error: unknown, code: number): boolean {
  return error instanceof ApiException && error.code === code;
}

/**
 * Loads the stores backend's own credentials for a cluster: a URL and token, a
 * kubeconfig file, or the default kubeconfig (in a pod: its ServiceAccount). The
 * Kubernetes plugin's clusters are never borrowed: its identity is read-only and
 * reachable through its proxy.
 */
function loadKubeConfig(settings: ClusterSettings): KubeConfig {
  const kc = new KubeConfig();
  if (settings.url && settings.serviceAccountToken) {
    kc.loadFromClusterAndUser(
      {
        name: settings.name,
        server: settings.url,
        caData: settings.caData,
        caFile: settings.caFile,
        skipTLSVerify: false,
      },
      { name: `${settings.name}-stores`, token: settings.serviceAccountToken },
    );
    return kc;
  }
  if (settings.kubeconfig) kc.loadFromFile(settings.kubeconfig);
  else kc.loadFromDefault();
  if (settings.context) kc.setCurrentContext(settings.context);
  return kc;
}

/**
 * How long one request to the API server may take. Every call but a watch is a short
 * read or write (the watches are ClusterWatch's), so a call still open after this is hung: an
 * API server that stopped answering, a dead connection. Without a bound, a hung call
 * would hold its store (and a worker slot) past every timeout.
 */
export const KUBERNETES_REQUEST_TIMEOUT_MS = 30_000;

/** An API client of the cluster whose every request is aborted after the timeout. */
function makeClient<T>(
  kc: KubeConfig,
  Api: new (configuration: Configuration) => T,
  timeoutMs: number,
): T {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('The kubeconfig names no current cluster');
  return new Api(
    createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kc },
      promiseMiddleware: [
        {
          pre: async context => {
            context.setSignal(AbortSignal.timeout(timeoutMs));
            return context;
          },
          post: async response => response,
        },
      ],
    }),
  );
}

/**
 * One Kubernetes cluster stores run in: its stores' namespaces and objects through the
 * API, its watches (`watch`), and a kubeconfig file for helm.
 */
export class StoreCluster {
  static async create(
    settings: ClusterSettings,
    options: { requestTimeoutMs?: number; logger?: LoggerService } = {},
  ): Promise<StoreCluster> {
    const kc = loadKubeConfig(settings);
    const timeoutMs = options.requestTimeoutMs ?? KUBERNETES_REQUEST_TIMEOUT_MS;
    // In a pod, helm finds the ServiceAccount by itself; client-node's in-cluster
    // user (a token file "auth provider") means nothing to helm in a kubeconfig.
    if (kc.getCurrentUser()?.authProvider?.name === 'tokenFile') {
      return new StoreCluster(
        settings,
        kc,
        undefined,
        timeoutMs,
        options.logger,
      );
    }
    // Elsewhere helm reads the same credentials from a private file.
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'stores-kubeconfig-'));
    const kubeconfigPath = path.join(dir, 'config');
    await fs.writeFile(kubeconfigPath, kc.exportConfig(), { mode: 0o600 });
    return new StoreCluster(
      settings,
      kc,
      kubeconfigPath,
      timeoutMs,
      options.logger,
    );
  }

  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly batch: BatchV1Api;
  private readonly rbac: RbacAuthorizationV1Api;
  private readonly authn: AuthenticationV1Api;
  private readonly authz: AuthorizationV1Api;
  private readonly version: VersionApi;
  private identity?: Promise<RbacV1Subject>;
  /** The API server as the stores identity sees it, for messages. */
  readonly server: string | undefined;
  /** True when no cluster was configured and no kubeconfig exists either. */
  readonly unconfigured: boolean;
  /** The stores of this cluster as its watches have them; started by the first read. */
  readonly watch: ClusterWatch;

  private constructor(
    readonly settings: ClusterSettings,
    kc: KubeConfig,
    /** The kubeconfig for helm; undefined in a pod, where helm uses the ServiceAccount. */
    readonly kubeconfigPath: string | undefined,
    timeoutMs: number,
    logger?: LoggerService,
  ) {
    this.core = makeClient(kc, CoreV1Api, timeoutMs);
    this.apps = makeClient(kc, AppsV1Api, timeoutMs);
    this.batch = makeClient(kc, BatchV1Api, timeoutMs);
    this.rbac = makeClient(kc, RbacAuthorizationV1Api, timeoutMs);
    this.authn = makeClient(kc, AuthenticationV1Api, timeoutMs);
    this.authz = makeClient(kc, AuthorizationV1Api, timeoutMs);
    this.version = makeClient(kc, VersionApi, timeoutMs);
    this.server = kc.getCurrentCluster()?.server;
    // client-node's last resort when it finds no kubeconfig at all
    this.unconfigured =
      !settings.url &&
      !settings.kubeconfig &&
      kc.getCurrentCluster()?.name === 'cluster' &&
      this.server === 'http://localhost:8080';
    this.watch = new ClusterWatch({
      cluster: settings.name,
      watch: new Watch(kc),
      logger,
      lists: {
        namespaces: labelSelector => this.core.listNamespace({ labelSelector }),
        pods: labelSelector =>
          this.core.listPodForAllNamespaces({ labelSelector }),
        deployments: labelSelector =>
          this.apps.listDeploymentForAllNamespaces({ labelSelector }),
        statefulSets: labelSelector =>
          this.apps.listStatefulSetForAllNamespaces({ labelSelector }),
        jobs: labelSelector =>
          this.batch.listJobForAllNamespaces({ labelSelector }),
        claims: labelSelector =>
          this.core.listPersistentVolumeClaimForAllNamespaces({
            labelSelector,
          }),
      },
    });
  }

  /**
   * Asks the API server for its version as the stores identity: cheap, and it fails
   * the way every other call would (no server, refused, bad certificate, bad token).
   */
  async checkReachable(timeoutMs: number): Promise<{ version: string }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
    });
    try {
      const info = await Promise.race([this.version.getCode(), timeout]);
      return { version: info.gitVersion };
    } finally {
      clearTimeout(timer);
    }
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
          ...POD_SECURITY_LABELS,
        },
        annotations: { [OWNER_ANNOTATION]: store.owner },
      },
    };
    try {
      await this.core.createNamespace({ body });
      await this.ensureStoreRoleBinding(store.namespace);
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
    await this.ensureStoreRoleBinding(store.namespace);
    return 'adopted';
  }

  /**
   * Binds `storeNamespaceRole` to the backend's own identity inside a store namespace,
   * so that its rights over a store's objects (Secrets among them) end where the store's
   * namespace ends, and go with it.
   */
  private async ensureStoreRoleBinding(namespace: string): Promise<void> {
    const role = this.settings.storeNamespaceRole;
    if (!role) return;
    const subject = await this.whoAmI();
    let created = true;
    try {
      await this.rbac.createNamespacedRoleBinding({
        namespace,
        body: {
          metadata: {
            name: STORE_ROLE_BINDING,
            labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
          },
          roleRef: {
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'ClusterRole',
            name: role,
          },
          subjects: [subject],
        },
      });
    } catch (error) {
      if (!isApiError(error, 409)) throw error;
      created = false;
    }
    if (created) await this.waitForAccess(namespace);
  }

  /**
   * The API server authorises from a cache of RoleBindings that trails a new one by a
   * moment (longer under load): the first calls after binding would be refused. Waits,
   * asking the API server itself, until the binding is in force.
   */
  private async waitForAccess(namespace: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const review = await this.authz.createSelfSubjectAccessReview({
        body: {
          spec: {
            resourceAttributes: {
              namespace,
              verb: 'list',
              resource: 'secrets',
            },
          },
        },
      });
      if (review.status?.allowed) return;
      if (Date.now() > deadline) {
        throw new Error(
          `The RoleBinding ${STORE_ROLE_BINDING} in ${namespace} was not in force after 30 s: ${
            review.status?.reason ?? 'no reason given'
          }`,
        );
      }
      await new Promise(r => setTimeout(r, 200));
    }
  }

  /** The backend's identity in this cluster, as the API server sees it. */
  private whoAmI(): Promise<RbacV1Subject> {
    this.identity ??= this.authn
      .createSelfSubjectReview({ body: {} })
      .then(review => toSubject(review.status?.userInfo?.username))
      .catch(error => {
        this.identity = undefined;
        throw error;
      });
    return this.identity;
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

  /**
   * The release's Deployments and StatefulSets, read from the API server itself: right
   * after helm, the watch may not have brought its last change yet.
   */
  async releaseWorkloads(
    namespace: string,
    release: string,
  ): Promise<ReleaseWorkloads> {
    const labelSelector = `${RELEASE_LABEL}=${release}`;
    const [deployments, statefulSets] = await Promise.all([
      this.apps.listNamespacedDeployment({ namespace, labelSelector }),
      this.apps.listNamespacedStatefulSet({ namespace, labelSelector }),
    ]);
    return {
      deployments: deployments.items,
      statefulSets: statefulSets.items,
    };
  }

  /**
   * The events of controllers that could not create their pods (quota, admission
   * policy). Events carry no store label, so they are not watched: this is asked only
   * of a store whose workloads are not available.
   */
  async refusalEvents(namespace: string): Promise<CoreV1Event[]> {
    const events = await this.core.listNamespacedEvent({
      namespace,
      fieldSelector: 'type=Warning,reason=FailedCreate',
    });
    return events.items;
  }

  /**
   * The status of a release (`deployed`, `failed`, `pending-install`, ...) as Helm's
   * newest release record in the namespace says, or undefined when there is none. Read
   * from the records' labels through the API: the backend may read Secrets only inside
   * store namespaces, so `helm list --all-namespaces` is not open to it.
   */
  async releaseStatus(
    namespace: string,
    release: string,
  ): Promise<string | undefined> {
    const records = await this.core.listNamespacedSecret({
      namespace,
      labelSelector: `owner=helm,name=${release}`,
    });
    const newest = records.items
      .map(r => r.metadata?.labels ?? {})
      .sort((a, b) => Number(b.version ?? 0) - Number(a.version ?? 0))[0];
    return newest?.status;
  }

  /** The decoded data of a Secret in a store namespace; undefined when it is missing. */
  async readSecret(
    namespace: string,
    name: string,
  ): Promise<Record<string, string> | undefined> {
    try {
      const secret = await this.core.readNamespacedSecret({ namespace, name });
      return Object.fromEntries(
        Object.entries(secret.data ?? {}).map(([k, v]) => [
          k,
          Buffer.from(v, 'base64').toString('utf8'),
        ]),
      );
    } catch (error) {
      if (isApiError(error, 404)) return undefined;
      throw error;
    }
  }

  async close(): Promise<void> {
    this.watch.stop();
    if (!this.kubeconfigPath) return;
    await fs.rm(path.dirname(this.kubeconfigPath), {
      recursive: true,
      force: true,
    });
  }
}

function toSubject(username: string | undefined): RbacV1Subject {
  if (!username) {
    throw new Error('The API server did not say who the stores backend is');
  }
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(username);
  return sa
    ? { kind: 'ServiceAccount', namespace: sa[1], name: sa[2] }
    : { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: username };
}
