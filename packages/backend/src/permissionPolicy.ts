import {
  coreServices,
  createBackendModule,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { kubernetesProxyPermission } from '@backstage/plugin-kubernetes-common';
import {
  AuthorizeResult,
  isPermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  storeCreateAnyOwnerPermission,
  storeCreatePermission,
  storeCredentialsRevealPermission,
  storeDeletePermission,
  storeDetailsReadPermission,
  storeReadPermission,
  storesPermissions,
} from '@stores-for-backstage/plugin-stores-common';
import {
  createStoreConditionalDecision,
  readStoresVisibility,
  storeConditions,
  StoresVisibility,
} from '@stores-for-backstage/plugin-stores-node';

const ALLOW: PolicyDecision = { result: AuthorizeResult.ALLOW };
const DENY: PolicyDecision = { result: AuthorizeResult.DENY };

/**
 * The portal's policy. Members of `permission.admins` (users or groups) may do
 * everything but reveal a shop's credentials. For stores:
 *
 * - any signed-in user may create stores, owned by themselves or one of their groups;
 *   only admins may name another owner;
 * - a store's summary is seen by its owners (the user or one of their groups), or by
 *   every user with `stores.visibility: all`; its failure detail (helm output) and
 *   timeline only by its owners and admins, as they show the cluster's insides;
 * - owners delete and retry their stores; only admins forget a store whose cluster is
 *   gone (`stores.store.forget`: no rule below allows it to anyone else);
 * - the shop's admin credentials are revealed to its owners alone, admins included
 *   only when they own the store: it is a person's password to their own shop, and an
 *   operator who truly needs it has the cluster.
 *
 * The Kubernetes plugin's proxy carries whatever its cluster identity may do to any
 * caller, so only admins may use it. Other plugins' permissions are allowed, as in a
 * stock local Backstage.
 */
export class StoresPortalPolicy implements PermissionPolicy {
  static fromConfig(config: Config, userInfo: UserInfoService) {
    const admins = config.getOptionalStringArray('permission.admins') ?? [];
    return new StoresPortalPolicy(
      admins,
      userInfo,
      readStoresVisibility(config),
    );
  }

  private readonly admins: Set<string>;

  constructor(
    admins: string[],
    private readonly userInfo: UserInfoService,
    private readonly visibility: StoresVisibility = 'owners',
  ) {
    this.admins = new Set(admins.map(a => a.toLocaleLowerCase('en-US')));
  }

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const { permission } = request;
    const isStorePermission = storesPermissions.some(p =>
      isPermission(permission, p),
    );
    const isProxy = isPermission(permission, kubernetesProxyPermission);
    if (!isStorePermission && !isProxy) return ALLOW;
    if (!user) return DENY;

    const { ownershipEntityRefs } = await this.userInfo.getUserInfo(
      user.credentials,
    );
    const owned = () =>
      createStoreConditionalDecision(
        permission as typeof storeReadPermission,
        storeConditions.isStoreOwner({ claims: ownershipEntityRefs }),
      );
    // Checked before the admin rule: admins get no pass here.
    if (isPermission(permission, storeCredentialsRevealPermission)) {
      return owned();
    }
    const isAdmin = ownershipEntityRefs.some(ref =>
      this.admins.has(ref.toLocaleLowerCase('en-US')),
    );
    if (isAdmin) return ALLOW;
    if (isProxy) return DENY;

    if (isPermission(permission, storeCreatePermission)) return ALLOW;
    if (isPermission(permission, storeCreateAnyOwnerPermission)) return DENY;
    if (isPermission(permission, storeReadPermission)) {
      return this.visibility === 'all' ? ALLOW : owned();
    }
    if (
      isPermission(permission, storeDetailsReadPermission) ||
      isPermission(permission, storeDeletePermission)
    ) {
      return owned();
    }
    return DENY;
  }
}

/** Installs {@link StoresPortalPolicy} into the permission backend. */
export default createBackendModule({
  pluginId: 'permission',
  moduleId: 'stores-portal-policy',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        userInfo: coreServices.userInfo,
        policy: policyExtensionPoint,
      },
      async init({ config, userInfo, policy }) {
        policy.setPolicy(StoresPortalPolicy.fromConfig(config, userInfo));
      },
    });
  },
});
