import {
  coreServices,
  createBackendModule,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
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
  storeCreatePermission,
  storeDeletePermission,
  storeReadPermission,
} from '@stores-for-backstage/plugin-stores-common';
import {
  createStoreConditionalDecision,
  storeConditions,
} from '@stores-for-backstage/plugin-stores-node';

/**
 * The portal's policy: any signed-in user may create stores and see them all;
 * owners (the user or one of their groups) delete and retry their own stores;
 * members of `permission.admins` may do everything. Other plugins' permissions
 * are allowed, as in a stock local Backstage.
 */
export class StoresPortalPolicy implements PermissionPolicy {
  static fromConfig(config: Config, userInfo: UserInfoService) {
    const admins = config.getOptionalStringArray('permission.admins') ?? [];
    return new StoresPortalPolicy(admins, userInfo);
  }

  private readonly admins: Set<string>;

  constructor(admins: string[], private readonly userInfo: UserInfoService) {
    this.admins = new Set(admins.map(a => a.toLocaleLowerCase('en-US')));
  }

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const isStorePermission = [
      storeCreatePermission,
      storeReadPermission,
      storeDeletePermission,
    ].some(p => isPermission(request.permission, p));
    if (!isStorePermission) {
      return { result: AuthorizeResult.ALLOW };
    }
    if (!user) {
      return { result: AuthorizeResult.DENY };
    }

    const { ownershipEntityRefs } = await this.userInfo.getUserInfo(
      user.credentials,
    );
    if (
      ownershipEntityRefs.some(ref =>
        this.admins.has(ref.toLocaleLowerCase('en-US')),
      )
    ) {
      return { result: AuthorizeResult.ALLOW };
    }
    if (isPermission(request.permission, storeDeletePermission)) {
      return createStoreConditionalDecision(
        request.permission,
        storeConditions.isStoreOwner({ claims: ownershipEntityRefs }),
      );
    }
    return { result: AuthorizeResult.ALLOW };
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
