import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  AuthorizeResult,
  createPermission,
} from '@backstage/plugin-permission-common';
import {
  storeCreatePermission,
  storeDeletePermission,
  storeReadPermission,
} from '@stores-for-backstage/plugin-stores-common';
import { StoresPortalPolicy } from './permissionPolicy';

function policyFor(ownershipEntityRefs: string[]) {
  const userInfo = mockServices.userInfo({
    userEntityRef: ownershipEntityRefs[0],
    ownershipEntityRefs,
  });
  return StoresPortalPolicy.fromConfig(
    new ConfigReader({ permission: { admins: ['group:default/admins'] } }),
    userInfo,
  );
}

const ada = {
  credentials: mockCredentials.user('user:default/ada'),
  info: { userEntityRef: 'user:default/ada', ownershipEntityRefs: [] },
};

describe('StoresPortalPolicy', () => {
  it('lets any user create and read stores', async () => {
    const policy = policyFor(['user:default/ada']);
    for (const permission of [storeCreatePermission, storeReadPermission]) {
      expect(await policy.handle({ permission }, ada)).toEqual({
        result: AuthorizeResult.ALLOW,
      });
    }
  });

  it('lets owners delete only their stores', async () => {
    const policy = policyFor(['user:default/ada', 'group:default/shop-team']);
    expect(
      await policy.handle({ permission: storeDeletePermission }, ada),
    ).toEqual({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'stores',
      resourceType: 'stores-store',
      conditions: {
        rule: 'IS_STORE_OWNER',
        resourceType: 'stores-store',
        params: { claims: ['user:default/ada', 'group:default/shop-team'] },
      },
    });
  });

  it('lets admins delete any store', async () => {
    const policy = policyFor(['user:default/root', 'group:default/admins']);
    expect(
      await policy.handle({ permission: storeDeletePermission }, ada),
    ).toEqual({ result: AuthorizeResult.ALLOW });
  });

  it('denies store permissions without a user', async () => {
    const policy = policyFor(['user:default/ada']);
    expect(await policy.handle({ permission: storeCreatePermission })).toEqual({
      result: AuthorizeResult.DENY,
    });
  });

  it('allows the permissions of other plugins', async () => {
    const policy = policyFor(['user:default/ada']);
    const other = createPermission({
      name: 'catalog.entity.read',
      attributes: {},
    });
    expect(await policy.handle({ permission: other }, ada)).toEqual({
      result: AuthorizeResult.ALLOW,
    });
  });
});
