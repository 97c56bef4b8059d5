import {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  AuthorizeResult,
  PermissionCriteria,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  createConditionAuthorizer,
  createConditionTransformer,
} from '@backstage/plugin-permission-node';
import {
  Store,
  storeCreateAnyOwnerPermission,
  storeCreatePermission,
  storeDeletePermission,
  storeDetailsReadPermission,
  storeReadPermission,
} from '@stores-for-backstage/plugin-stores-common';
import {
  StoreFilter,
  storePermissionRules,
} from '@stores-for-backstage/plugin-stores-node';
import { StoresDatabase } from '../database/StoresDatabase';
import { lower } from './ownerRef';
import type { StoresCaller } from './StoresService';

const transformConditions = createConditionTransformer(
  Object.values(storePermissionRules),
);
const isAllowedFor = createConditionAuthorizer(
  Object.values(storePermissionRules),
);

/**
 * Who may do what to which store, through the permission framework: the checks
 * every operation of the stores API makes before it touches a store.
 */
export class StoreAccess {
  constructor(
    private readonly deps: {
      database: StoresDatabase;
      permissions: PermissionsService;
    },
  ) {}
  /** A store by name when the caller may see it; NotFoundError otherwise, as if it did not exist. */
  async findVisibleStore(
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

  /**
   * Drops the failure detail (which carries helm output) from stores the caller
   * may not read the detail of. One conditional decision serves a whole list.
   */
  async detailRedactor(
    credentials: BackstageCredentials,
  ): Promise<(store: Store) => Store> {
    const [decision] = await this.deps.permissions.authorizeConditional(
      [{ permission: storeDetailsReadPermission }],
      { credentials },
    );
    return store =>
      isAllowedFor(decision as PolicyDecision, store)
        ? store
        : { ...store, statusReason: undefined };
  }

  /**
   * The caller may create stores, owned by `owner`: themselves or one of their
   * groups, or anyone with the any-owner permission (admins, in the portal's policy).
   */
  async authorizeCreate(caller: StoresCaller, owner: string) {
    const { credentials } = caller;
    const allowedOwners = [
      ...new Set(
        [caller.userEntityRef, ...caller.ownershipEntityRefs].map(lower),
      ),
    ];
    const ownOwner = allowedOwners.includes(owner);
    const [create, anyOwner] = await this.deps.permissions.authorize(
      [
        { permission: storeCreatePermission },
        { permission: storeCreateAnyOwnerPermission },
      ],
      { credentials },
    );
    if (create.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError('You are not allowed to create stores');
    }
    if (!ownOwner && anyOwner.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `You may not make ${owner} the owner of a store; the owner must be you or one of your groups: ${allowedOwners.join(
          ', ',
        )}`,
      );
    }
  }

  async authorizeManage(
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

  /** The caller's read permission as a database filter, or 'none'. */
  async readFilter(
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
