/**
 * The lifecycle phase of a store.
 *
 * @public
 */
export type StoreStatus =
  | 'requested'
  | 'provisioning'
  | 'ready'
  | 'failed'
  | 'deleting'
  | 'deleted';

/**
 * Every status, in the order of the lifecycle.
 *
 * @public
 */
export const STORE_STATUSES: readonly StoreStatus[] = [
  'requested',
  'provisioning',
  'ready',
  'failed',
  'deleting',
  'deleted',
];

/**
 * The size of a store. Engines map a plan to resources.
 *
 * @public
 */
export type StorePlan = 'small' | 'medium';

/**
 * Page sizes of `GET /stores`: what a request gets without `limit`, and the
 * most it may ask for.
 *
 * @public
 */
export const STORES_PAGE_SIZE = { default: 50, max: 500 } as const;

/**
 * Every plan, smallest first.
 *
 * @public
 */
export const STORE_PLANS: readonly StorePlan[] = ['small', 'medium'];

/**
 * A store as the stores backend reports it.
 *
 * @public
 */
export interface Store {
  /** Unique id of this store record; a name can be reused after deletion, an id never. */
  id: string;
  /** DNS-1123 label; the namespace is `store-<name>`. */
  name: string;
  /** Engine id, for example `woocommerce` or `medusa`. */
  engine: string;
  /** Entity ref of the owning user or group. */
  owner: string;
  /** Entity ref of the user who asked for the store. */
  requestedBy: string;
  /** The size asked for. */
  plan: StorePlan;
  /** Name of the Kubernetes cluster the store runs in. */
  cluster: string;
  /** Kubernetes namespace the store runs in, `store-<name>`. */
  namespace: string;
  /** Where the store is in its lifecycle. */
  status: StoreStatus;
  /** Why the store is in its status, for failed stores what to do about it. */
  statusReason?: string;
  /** Address of the shop, once the backend has set it. */
  storefrontUrl?: string;
  /** Address of the shop's admin, when the engine has one. */
  adminUrl?: string;
  /** Version of the engine's chart that was installed last. */
  chartVersion?: string;
  /** Incremented whenever the desired state changes (create, retry, delete). */
  generation: number;
  /** The generation the reconciler last brought to a final status. */
  observedGeneration: number;
  /** When the store was asked for (ISO 8601). */
  createdAt: string;
  /** When the record last changed (ISO 8601). */
  updatedAt: string;
  /** When the store entered its current status. */
  statusChangedAt: string;
  /** When the store last became ready (ISO 8601). */
  readyAt?: string;
  /** When the store was deleted (ISO 8601). */
  deletedAt?: string;
  /**
   * Set while a ready store's workloads are not all available: what is wrong, in the
   * cluster's words. Cleared when they recover or the store leaves `ready`.
   */
  degradedReason?: string;
  /** When the store was first seen degraded this time. */
  degradedSince?: string;
}

/**
 * The steps a store's timeline is made of.
 *
 * @public
 */
export type StoreEventType =
  | 'accepted'
  | 'namespace-created'
  | 'release-recovered'
  | 'release-installed'
  | 'workloads-ready'
  | 'storefront-answered'
  | 'workload-problem'
  | 'ready'
  | 'degraded'
  | 'recovered'
  | 'failed'
  | 'retry'
  | 'resumed'
  | 'interrupted'
  | 'drift'
  | 'deletion-requested'
  | 'release-uninstalled'
  | 'namespace-deleted'
  | 'forgotten'
  | 'deleted';

/**
 * One entry of a store's timeline.
 *
 * @public
 */
export interface StoreEvent {
  /** Unique, and increasing with each event. */
  id: number;
  /** The `id` of the store (not its name, which can be reused). */
  storeId: string;
  /** The step or happening this event records. */
  type: StoreEventType;
  /** What happened, for people. */
  message: string;
  /** How long the step took, when it is a step. */
  durationMs?: number;
  /** Extra detail such as helm's output on failure. */
  detail?: string;
  /** When it happened (ISO 8601). */
  createdAt: string;
}

/**
 * The body of `POST /api/stores/stores`.
 *
 * @public
 */
export interface CreateStoreRequest {
  /** The store's name; see `validateStoreName`. */
  name: string;
  /** Engine id, one of `GET /api/stores/engines`. */
  engine: string;
  /** Entity ref of the owner; defaults to the caller. */
  owner?: string;
  /** Defaults to `small`. */
  plan?: StorePlan;
  /** One of the backend's `stores.clusters`; defaults to the first. */
  cluster?: string;
}

/**
 * A page of stores.
 *
 * @public
 */
export interface StoreList {
  /** The stores of this page. */
  items: Store[];
  /** How many stores match, over all pages. */
  totalCount: number;
  /** Pass as `cursor` to get the next page; absent on the last page. */
  nextCursor?: string;
}

/**
 * An engine the backend can provision, as listed by `GET /api/stores/engines`.
 *
 * @public
 */
export interface StoreEngineInfo {
  /** Stable id, stored on each store, e.g. `woocommerce`. */
  id: string;
  /** Shown to users, e.g. `WooCommerce`. */
  title: string;
  /** One line shown to users choosing an engine. */
  description: string;
}

/**
 * Events service topic on which the stores backend announces that a store was
 * created or changed status; the payload is `{ name, status }`.
 *
 * @public
 */
export const STORE_CHANGED_TOPIC = 'stores.store-changed';

/**
 * The login of a store's admin, read from the cluster on demand.
 *
 * @remarks
 * Only the store's owners may read it. Keep it in a component's state and
 * nowhere else: no cache, no storage, no logs.
 *
 * @public
 */
export interface StoreAdminCredentials {
  /** The admin's user name. */
  username: string;
  /** The admin's password. */
  password: string;
  /** Where to log in, when the backend knows it. */
  adminUrl?: string;
}

/**
 * Whether the stores backend can reach a cluster (`GET /clusters`). `message`
 * says which cluster, what failed and what to do, in the words of the 503 a
 * create gets.
 *
 * @public
 */
export interface ClusterStatus {
  /** The cluster's name in `stores.clusters`. */
  name: string;
  /** Whether its API server answered the last check. */
  reachable: boolean;
  /** When the API server was last asked (ISO 8601). */
  checkedAt: string;
  /** The API server's version, when it answered. */
  version?: string;
  /** When it did not: which cluster, what failed, and what to do. */
  message?: string;
}
