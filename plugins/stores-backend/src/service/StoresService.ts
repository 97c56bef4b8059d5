import {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import {
  ConflictError,
  CustomErrorBase,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  AuthorizeResult,
  PermissionCriteria,
} from '@backstage/plugin-permission-common';
import { createConditionTransformer } from '@backstage/plugin-permission-node';
import {
  CreateStoreRequest,
  STORE_PLANS,
  Store,
  StoreList,
  StorePlan,
  storeCreatePermission,
  storeDeletePermission,
  storeNamespace,
  storeReadPermission,
  validateStoreName,
} from '@stores-for-backstage/plugin-stores-common';
import {
  StoreFilter,
  storePermissionRules,
} from '@stores-for-backstage/plugin-stores-node';
import { randomUUID } from 'node:crypto';
import { StoresSettings } from '../config';
import { ListStoresOptions, StoresDatabase } from '../database/StoresDatabase';
import { StoresMetrics } from '../metrics';
import { ClusterRegistry, EngineRegistry } from '../provisioning/registries';
import { StoreProvisioner } from '../provisioning/StoreProvisioner';

/** Too many stores created in a short time: 429. */
export class RateLimitError extends CustomErrorBase {
  name = 'RateLimitError';
  statusCode = 429;
}

/** What a dry run says it would create. */
export interface StoreDryRun {
  store: Store;
  resources: Array<{ kind: string; name: string }>;
  message: string;
}

const transformConditions = createConditionTransformer(
  Object.values(storePermissionRules),
);

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
      provisioner: StoreProvisioner;
      limits: StoresSettings['limits'];
      metrics?: StoresMetrics;
      /** Starts the reconciler's work on a change at once. */
      onChange: () => void;
    },
  ) {}

  /** Validates a create request and fills in its defaults; throws InputError. */
  private parseCreateRequest(
    request: CreateStoreRequest,
    userEntityRef: string,
  ) {
    const nameError = validateStoreName(request.name);
    if (nameError) throw new InputError(nameError);
    const engine = this.deps.engines.get(request.engine);
    const plan = (request.plan ?? 'small') as StorePlan;
    if (!STORE_PLANS.includes(plan)) {
      throw new InputError(
        `Unknown plan '${plan}'; choose one of: ${STORE_PLANS.join(', ')}`,
      );
    }
    let owner = userEntityRef;
    if (request.owner) {
      try {
        // Lower case like the ownership refs of identities, so owner checks match.
        owner = stringifyEntityRef(
          parseEntityRef(request.owner, { defaultKind: 'group' }),
        ).toLocaleLowerCase('en-US');
      } catch (error) {
        throw new InputError(
          `Invalid owner '${request.owner}': ${(error as Error).message}`,
        );
      }
    }
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
    options: {
      credentials: BackstageCredentials;
      userEntityRef: string;
      idempotencyKey?: string;
    },
  ): Promise<{ store: Store; created: boolean }> {
    const { database } = this.deps;
    const { credentials, userEntityRef, idempotencyKey } = options;
    const parsed = this.parseCreateRequest(request, userEntityRef);
    await this.authorizeCreate(credentials);

    if (idempotencyKey) {
      const existing = await database.findByIdempotencyKey(
        userEntityRef,
        idempotencyKey,
      );
      if (existing) return { store: existing, created: false };
    }
    await this.checkLimits(userEntityRef);

    const store = await database.insertStore(
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
    );
    this.deps.metrics?.created.add(1, { engine: store.engine });
    this.deps.onChange();
    return { store, created: true };
  }

  /** Checks a create request as far as possible without creating anything. */
  async dryRunCreate(
    request: CreateStoreRequest,
    options: { credentials: BackstageCredentials; userEntityRef: string },
  ): Promise<StoreDryRun> {
    const parsed = this.parseCreateRequest(request, options.userEntityRef);
    await this.authorizeCreate(options.credentials);
    const taken = await this.deps.database.findStoreByName(parsed.name);
    if (taken && taken.status !== 'deleted') {
      throw new ConflictError(
        `A store named '${parsed.name}' already exists; pick another name or delete that store first`,
      );
    }
    await this.checkLimits(options.userEntityRef);
    const resources = await this.deps.provisioner.render(parsed);
    const now = new Date().toISOString();
    return {
      store: {
        id: '',
        ...parsed,
        requestedBy: options.userEntityRef,
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

  async listStores(
    options: ListStoresOptions,
    credentials: BackstageCredentials,
  ): Promise<StoreList> {
    const filter = await this.readFilter(credentials);
    if (filter === 'none') return { items: [], totalCount: 0 };
    return this.deps.database.listStores({ ...options, filter });
  }

  /** A store the caller may see; others are reported as not found. */
  async getStore(
    name: string,
    credentials: BackstageCredentials,
  ): Promise<Store> {
    const store = await this.deps.database.getStoreByName(name);
    const [decision] = await this.deps.permissions.authorize(
      [{ permission: storeReadPermission, resourceRef: store.id }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotFoundError(`No store named '${name}'`);
    }
    return store;
  }

  async listEvents(name: string, credentials: BackstageCredentials) {
    const store = await this.getStore(name, credentials);
    return this.deps.database.listEvents(store.id);
  }

  async deleteStore(
    name: string,
    credentials: BackstageCredentials,
  ): Promise<Store> {
    const store = await this.getStore(name, credentials);
    await this.authorizeManage(store, credentials, 'delete');
    if (store.status === 'deleting' || store.status === 'deleted') return store;
    if (store.status !== 'ready' && store.status !== 'failed') {
      throw new ConflictError(
        `Store '${name}' is ${store.status}; delete it once it is ready or failed`,
      );
    }
    const deleting = await this.deps.database.transition(store.id, {
      from: store.status,
      to: 'deleting',
      patch: { generation: store.generation + 1, statusReason: undefined },
      event: { type: 'deletion-requested', message: 'Deletion requested' },
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
    const store = await this.getStore(name, credentials);
    await this.authorizeManage(store, credentials, 'retry');
    if (store.status !== 'failed') {
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

  private async authorizeCreate(credentials: BackstageCredentials) {
    const [decision] = await this.deps.permissions.authorize(
      [{ permission: storeCreatePermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError('You are not allowed to create stores');
    }
  }

  private async authorizeManage(
    store: Store,
    credentials: BackstageCredentials,
    action: string,
  ) {
    const [decision] = await this.deps.permissions.authorize(
      [{ permission: storeDeletePermission, resourceRef: store.id }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `You may not ${action} store '${store.name}': it is owned by ${store.owner}`,
      );
    }
  }

  private async checkLimits(userEntityRef: string) {
    const { database, limits } = this.deps;
    const live = await database.countLiveStoresRequestedBy(userEntityRef);
    if (live >= limits.maxStoresPerUser) {
      throw new NotAllowedError(
        `You already have ${live} stores, the limit is ${limits.maxStoresPerUser}; delete one before creating another`,
      );
    }
    const since = new Date(Date.now() - limits.createWindowMs);
    const recent = await database.countStoresRequestedSince(
      userEntityRef,
      since,
    );
    if (recent >= limits.maxCreatesPerWindow) {
      const minutes = Math.round(limits.createWindowMs / 60_000);
      throw new RateLimitError(
        `You created ${recent} stores in the last ${minutes} minutes, the limit is ${limits.maxCreatesPerWindow}; try again later`,
      );
    }
  }

  /** The caller's read permission as a database filter, or 'none'. */
  private async readFilter(
    credentials: BackstageCredentials,
  ): Promise<PermissionCriteria<StoreFilter> | undefined | 'none'> {
    const [decision] = await this.deps.permissions.authorizeConditional(
      [{ permission: storeReadPermission }],
      { credentials },
    );
    if (decision.result === AuthorizeResult.DENY) return 'none';
    if (decision.result === AuthorizeResult.CONDITIONAL) {
      return transformConditions(
        decision.conditions,
      ) as PermissionCriteria<StoreFilter>;
    }
    return undefined;
  }
}
