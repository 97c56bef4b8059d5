import {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  ConflictError,
  CustomErrorBase,
  InputError,
  NotAllowedError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  canDelete,
  canRetry,
  CreateStoreRequest,
  isInFlight,
  STORE_PLANS,
  Store,
  StoreAdminCredentials,
  StoreEvent,
  StoreList,
  StorePlan,
  storeCredentialsRevealPermission,
  storeDetailsReadPermission,
  storeForgetPermission,
  storeNamespace,
  validateStoreName,
} from '@stores-for-backstage/plugin-stores-common';
import { randomUUID } from 'node:crypto';
import { StoresSettings } from '../config';
import {
  ListStoresOptions,
  StoresDatabase,
  UserUsage,
} from '../database/StoresDatabase';
import { StoresMetrics } from '../metrics';
import { ClusterRegistry, EngineRegistry } from '../provisioning/registries';
import { StoreProvisioner } from '../provisioning/StoreProvisioner';
import { ClusterHealth } from '../provisioning/ClusterHealth';
import { ConcurrencyLimit } from './ConcurrencyLimit';
import { StoreCredentialsReader } from './StoreCredentialsReader';
import { lower, parseOwner } from './ownerRef';
import { StoreAccess } from './storeAccess';

/** Too many stores created in a short time: 429. */
export class RateLimitError extends CustomErrorBase {
  name = 'RateLimitError';
  statusCode = 429;
}

const windowMinutes = (ms: number) => Math.round(ms / 60_000);

/** What a dry run says it would create. */
export interface StoreDryRun {
  store: Store;
  resources: Array<{ kind: string; name: string }>;
  message: string;
}

/** A signed-in user calling the API. */
export interface StoresCaller {
  credentials: BackstageCredentials;
  userEntityRef: string;
  /** The user and the groups they belong to, as the identity tells. */
  ownershipEntityRefs: string[];
}

/**
 * What the REST API can do with stores: validation, permissions, quota and rate
 * limit, then a record in the database. The reconciler does the cluster work.
 */
export class StoresService {
  constructor(
    private readonly deps: {
      database: StoresDatabase;
      permissions: PermissionsService;
      engines: EngineRegistry;
      clusters: ClusterRegistry;
      /** Refuses a create with 503 when its cluster does not answer. */
      clusterHealth?: Pick<ClusterHealth, 'assertReachable'>;
      provisioner: Pick<StoreProvisioner, 'render'>;
      credentials: StoreCredentialsReader;
      limits: StoresSettings['limits'];
      reservedNames: StoresSettings['reservedNames'];
      metrics?: StoresMetrics;
      /** Starts the reconciler's work on a change at once. */
      onChange: () => void;
    },
  ) {
    this.dryRuns = new ConcurrencyLimit(deps.limits.dryRunConcurrency);
    this.reservedNames = new Set(deps.reservedNames);
    this.access = new StoreAccess(deps);
  }

  private readonly dryRuns: ConcurrencyLimit;
  private readonly access: StoreAccess;
  private readonly reservedNames: Set<string>;

  /** Validates a create request and fills in its defaults; throws InputError. */
  private parseCreateRequest(
    request: CreateStoreRequest,
    userEntityRef: string,
  ) {
    const nameError = validateStoreName(request.name);
    if (nameError) throw new InputError(nameError);
    if (this.reservedNames.has(request.name)) {
      throw new InputError(
        `Store name '${request.name}' is reserved, as ${request.name}.<domain> would pass for one of the organisation's own hosts; pick another name`,
      );
    }
    const engine = this.deps.engines.get(request.engine);
    const plan = (request.plan ?? 'small') as StorePlan;
    if (!STORE_PLANS.includes(plan)) {
      throw new InputError(
        `Unknown plan '${plan}'; choose one of: ${STORE_PLANS.join(', ')}`,
      );
    }
    const owner = request.owner
      ? parseOwner(request.owner)
      : lower(userEntityRef);
    const cluster = this.deps.clusters.resolve(request.cluster);
    return {
      name: request.name,
      engine: engine.id,
      plan,
      owner,
      cluster: cluster.name,
      namespace: storeNamespace(request.name),
    };
  }

  async createStore(
    request: CreateStoreRequest,
    caller: StoresCaller,
    options: { idempotencyKey?: string } = {},
  ): Promise<{ store: Store; created: boolean }> {
    const { database, limits } = this.deps;
    const { userEntityRef } = caller;
    const { idempotencyKey } = options;
    const parsed = this.parseCreateRequest(request, userEntityRef);
    await this.access.authorizeCreate(caller, parsed.owner);

    if (idempotencyKey) {
      const existing = await database.findByIdempotencyKey(
        userEntityRef,
        idempotencyKey,
      );
      if (existing) return { store: existing, created: false };
    }
    // Nothing is recorded for a cluster that cannot take the store: the 503 says why.
    await this.deps.clusterHealth?.assertReachable(parsed.cluster);

    let store: Store;
    try {
      store = await database.insertStore(
        {
          id: randomUUID(),
          ...parsed,
          requestedBy: userEntityRef,
          idempotencyKey,
        },
        {
          type: 'accepted',
          message: `Store requested by ${userEntityRef} (${parsed.engine}, ${parsed.plan})`,
        },
        {
          since: new Date(Date.now() - limits.createWindowMs),
          check: usage => this.checkLimits(usage),
        },
      );
    } catch (error) {
      // A request with the same key that got in first while this one waited: its
      // store is this request's answer, not a conflict.
      const first =
        error instanceof ConflictError && idempotencyKey
          ? await database.findByIdempotencyKey(userEntityRef, idempotencyKey)
          : undefined;
      if (first) return { store: first, created: false };
      throw error;
    }
    this.deps.metrics?.created.add(1, { engine: store.engine });
    this.deps.onChange();
    return { store, created: true };
  }

  /**
   * Checks a create request as far as possible without creating anything. Dry runs
   * render the chart with helm, so they count against a per-user limit and only a
   * few run at once; beyond either, 429.
   */
  async dryRunCreate(
    request: CreateStoreRequest,
    caller: StoresCaller,
  ): Promise<StoreDryRun> {
    const { database, limits } = this.deps;
    const { userEntityRef } = caller;
    const parsed = this.parseCreateRequest(request, userEntityRef);
    await this.access.authorizeCreate(caller, parsed.owner);
    const taken = await database.findStoreByName(parsed.name);
    if (taken && taken.status !== 'deleted') {
      throw new ConflictError(
        `A store named '${parsed.name}' already exists; pick another name or delete that store first`,
      );
    }
    this.checkLimits({
      liveStores: await database.countLiveStoresRequestedBy(userEntityRef),
      createdSince: await database.countStoresRequestedSince(
        userEntityRef,
        new Date(Date.now() - limits.createWindowMs),
      ),
    });
    const rendered = await this.dryRuns.tryRun(async () => {
      const counted = await database.countDryRun(userEntityRef, {
        max: limits.maxDryRunsPerWindow,
        windowMs: limits.createWindowMs,
      });
      if (!counted) {
        throw new RateLimitError(
          `You made ${
            limits.maxDryRunsPerWindow
          } dry runs in the last ${windowMinutes(
            limits.createWindowMs,
          )} minutes, the limit; try again later`,
        );
      }
      return this.deps.provisioner.render(parsed);
    });
    if (!rendered) {
      throw new RateLimitError(
        'Too many dry runs are running right now; try again in a few seconds',
      );
    }
    const resources = rendered.value;
    const now = new Date().toISOString();
    return {
      store: {
        id: '',
        ...parsed,
        requestedBy: userEntityRef,
        status: 'requested',
        generation: 1,
        observedGeneration: 0,
        createdAt: now,
        updatedAt: now,
        statusChangedAt: now,
      },
      resources,
      message: `Would create namespace ${parsed.namespace} and install the ${parsed.engine} chart as release ${parsed.name} (${resources.length} objects)`,
    };
  }

  /** The stores the caller may see, without the failure detail of those they may not read it of. */
  async listStores(
    options: ListStoresOptions,
    credentials: BackstageCredentials,
  ): Promise<StoreList> {
    const filter = await this.access.readFilter(credentials);
    if (filter === 'none') return { items: [], totalCount: 0 };
    const list = await this.deps.database.listStores({ ...options, filter });
    const redact = await this.access.detailRedactor(credentials);
    return { ...list, items: list.items.map(redact) };
  }

  /** A store the caller may see, as they may see it; others are reported as not found. */
  async getStore(
    name: string,
    credentials: BackstageCredentials,
  ): Promise<Store> {
    const store = await this.access.findVisibleStore(name, credentials);
    return (await this.access.detailRedactor(credentials))(store);
  }

  /** The timeline of a store: for those who may read its detail (owners and admins). */
  async listEvents(
    name: string,
    credentials: BackstageCredentials,
  ): Promise<StoreEvent[]> {
    const store = await this.access.findVisibleStore(name, credentials);
    const [decision] = await this.deps.permissions.authorize(
      [{ permission: storeDetailsReadPermission, resourceRef: store.id }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `Only the owners of store '${name}' and admins can see its timeline`,
      );
    }
    return this.deps.database.listEvents(store.id);
  }

  /**
   * The admin login of a ready store, read on demand for one of its owners.
   * The caller audits it; it is never stored.
   */
  async revealCredentials(
    name: string,
    credentials: BackstageCredentials,
  ): Promise<StoreAdminCredentials> {
    const store = await this.access.findVisibleStore(name, credentials);
    const [decision] = await this.deps.permissions.authorize(
      [{ permission: storeCredentialsRevealPermission, resourceRef: store.id }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `Only the owners of store '${name}' can see its admin credentials`,
      );
    }
    if (store.status !== 'ready') {
      throw new ConflictError(
        `Store '${name}' is ${store.status}; its credentials can be revealed once it is ready`,
      );
    }
    const { username, password } = await this.deps.credentials.read(store);
    return { username, password, adminUrl: store.adminUrl };
  }

  async deleteStore(
    name: string,
    credentials: BackstageCredentials,
  ): Promise<Store> {
    const store = await this.access.findVisibleStore(name, credentials);
    await this.access.authorizeManage(store, credentials, 'delete');
    if (!canDelete(store.status)) return store; // already going or gone
    // A store being provisioned is deleted too: the worker stops (its lease goes with
    // the status change) and the teardown removes whatever it had made.
    const cancels = isInFlight(store.status);
    const deleting = await this.deps.database.transition(store.id, {
      from: store.status,
      to: 'deleting',
      patch: { generation: store.generation + 1, statusReason: undefined },
      event: {
        type: 'deletion-requested',
        message: cancels
          ? `Deletion requested while ${store.status}; that work stops and what it made is removed`
          : 'Deletion requested',
      },
    });
    if (!deleting) {
      throw new ConflictError(`Store '${name}' changed meanwhile; try again`);
    }
    this.deps.onChange();
    return deleting;
  }

  async retryStore(
    name: string,
    credentials: BackstageCredentials,
  ): Promise<Store> {
    const store = await this.access.findVisibleStore(name, credentials);
    await this.access.authorizeManage(store, credentials, 'retry');
    if (!canRetry(store.status)) {
      throw new ConflictError(
        `Store '${name}' is ${store.status}; only a failed store can be retried`,
      );
    }
    const retrying = await this.deps.database.transition(store.id, {
      from: 'failed',
      to: 'provisioning',
      patch: { generation: store.generation + 1, statusReason: undefined },
      event: { type: 'retry', message: 'Retry requested' },
    });
    if (!retrying) {
      throw new ConflictError(`Store '${name}' changed meanwhile; try again`);
    }
    this.deps.onChange();
    return retrying;
  }

  /**
   * Forgets a store whose cluster is no longer configured: nothing can be torn down
   * there, so the record alone is marked deleted, with who did it and why on its
   * timeline. Admins only (`stores.store.forget`); a store whose cluster is configured
   * is deleted instead.
   */
  async forgetStore(
    name: string,
    reason: string | undefined,
    credentials: BackstageCredentials,
  ): Promise<Store> {
    const [decision] = await this.deps.permissions.authorize(
      [{ permission: storeForgetPermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        'Only platform admins may forget a store (stores.store.forget)',
      );
    }
    if (!reason?.trim()) {
      throw new InputError(
        'Say why the store is forgotten (reason): it goes on its timeline',
      );
    }
    const store = await this.deps.database.getStoreByName(name);
    if (this.deps.clusters.has(store.cluster)) {
      throw new ConflictError(
        `Store '${name}' is in the cluster '${store.cluster}', which is configured; delete the store instead, so that what it made there is removed`,
      );
    }
    if (!canDelete(store.status) && store.status !== 'deleting') {
      return store; // already deleted
    }
    const who = credentials.principal as { userEntityRef?: string };
    const deleting =
      store.status === 'deleting'
        ? store
        : await this.deps.database.transition(store.id, {
            from: store.status,
            to: 'deleting',
            patch: { generation: store.generation + 1 },
          });
    const forgotten =
      deleting &&
      (await this.deps.database.transition(store.id, {
        from: 'deleting',
        to: 'deleted',
        patch: {
          deletedAt: new Date().toISOString(),
          statusReason: undefined,
        },
        event: {
          type: 'forgotten',
          message: `Forgotten by ${
            who.userEntityRef ?? 'an admin'
          }: ${reason.trim()}. The cluster '${
            store.cluster
          }' is no longer configured; anything left there was not removed.`,
        },
      }));
    if (!forgotten) {
      throw new ConflictError(`Store '${name}' changed meanwhile; try again`);
    }
    return forgotten;
  }

  /** Refuses one more store beyond the quota (403) or the creation rate (429). */
  private checkLimits(usage: UserUsage) {
    const { limits } = this.deps;
    if (usage.liveStores >= limits.maxStoresPerUser) {
      throw new NotAllowedError(
        `You already have ${usage.liveStores} stores, the limit is ${limits.maxStoresPerUser}; delete one before creating another`,
      );
    }
    if (usage.createdSince >= limits.maxCreatesPerWindow) {
      throw new RateLimitError(
        `You created ${usage.createdSince} stores in the last ${windowMinutes(
          limits.createWindowMs,
        )} minutes, the limit is ${
          limits.maxCreatesPerWindow
        }; try again later`,
      );
    }
  }
}
