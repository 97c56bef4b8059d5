import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { kubernetesProxyPermission } from '@backstage/plugin-kubernetes-common';
import {
  AuthorizeResult,
  createPermission,
} from '@backstage/plugin-permission-common';
import {
  storeCreateAnyOwnerPermission,
  storeCreatePermission,
  storeCredentialsRevealPermission,
  storeDeletePermission,
  storeDetailsReadPermission,
  storeReadPermission,
} from '@stores-for-backstage/plugin-stores-common';
import { StoresPortalPolicy } from './permissionPolicy';

function policyFor(ownershipEntityRefs: string[], stores: object = {}) {
  const userInfo = mockServices.userInfo({
    userEntityRef: ownershipEntityRefs[0],
    ownershipEntityRefs,
  });
  return StoresPortalPolicy.fromConfig(
    new ConfigReader({
      permission: { admins: ['group:default/admins'] },
      stores,
    }),
    userInfo,
  );
}

const ada = {
  credentials: mockCredentials.user('user:default/ada'),
  info: { userEntityRef: 'user:default/ada', ownershipEntityRefs: [] },
};

const ownedBy = (claims: string[]) => ({
  result: AuthorizeResult.CONDITIONAL,
  pluginId: 'stores',
  resourceType: 'stores-store',
  conditions: {
    rule: 'IS_STORE_OWNER',
    resourceType: 'stores-store',
    params: { claims },
  },
});

const adaAndTeam = ['user:default/ada', 'group:default/shop-team'];
const root = ['user:default/root', 'group:default/admins'];

describe('StoresPortalPolicy', () => {
  it('lets any user create stores, owned by themselves or their groups', async () => {
    const policy = policyFor(adaAndTeam);
    expect(
      await policy.handle({ permission: storeCreatePermission }, ada),
    ).toEqual({ result: AuthorizeResult.ALLOW });
    expect(
      await policy.handle({ permission: storeCreateAnyOwnerPermission }, ada),
    ).toEqual({ result: AuthorizeResult.DENY });
  });

  it.each([
    storeReadPermission,
    storeDetailsReadPermission,
    storeDeletePermission,
  ])('gives $name to the owners of a store by default', async permission => {
    const policy = policyFor(adaAndTeam);
    expect(await policy.handle({ permission }, ada)).toEqual(
      ownedBy(adaAndTeam),
    );
  });

  it('shows every store to every user with visibility all, not their detail', async () => {
    const policy = policyFor(adaAndTeam, { visibility: 'all' });
    expect(
      await policy.handle({ permission: storeReadPermission }, ada),
    ).toEqual({ result: AuthorizeResult.ALLOW });
    expect(
      await policy.handle({ permission: storeDetailsReadPermission }, ada),
    ).toEqual(ownedBy(adaAndTeam));
  });

  it('refuses a visibility it does not know', () => {
    expect(() => policyFor(adaAndTeam, { visibility: 'public' })).toThrow(
      /stores.visibility must be 'owners' or 'all'/,
    );
  });

  it.each([
    storeCreatePermission,
    storeCreateAnyOwnerPermission,
    storeReadPermission,
    storeDetailsReadPermission,
    storeDeletePermission,
  ])('lets admins have $name on any store', async permission => {
    const policy = policyFor(root);
    expect(await policy.handle({ permission }, ada)).toEqual({
      result: AuthorizeResult.ALLOW,
    });
  });

  it('reveals credentials to owners only, admins included', async () => {
    for (const claims of [adaAndTeam, root]) {
      const policy = policyFor(claims);
      expect(
        await policy.handle(
          { permission: storeCredentialsRevealPermission },
          ada,
        ),
      ).toEqual(ownedBy(claims));
    }
  });

  it('denies store permissions without a user', async () => {
    const policy = policyFor(['user:default/ada']);
    for (const permission of [
      storeCreatePermission,
      storeReadPermission,
      storeCredentialsRevealPermission,
    ]) {
      expect(await policy.handle({ permission })).toEqual({
        result: AuthorizeResult.DENY,
      });
    }
  });

  it('lets only admins use the Kubernetes proxy', async () => {
    expect(kubernetesProxyPermission.name).toBe('kubernetes.proxy');
    expect(
      await policyFor(adaAndTeam).handle(
        { permission: kubernetesProxyPermission },
        ada,
      ),
    ).toEqual({ result: AuthorizeResult.DENY });
    expect(
      await policyFor(root).handle(
        { permission: kubernetesProxyPermission },
        ada,
      ),
    ).toEqual({ result: AuthorizeResult.ALLOW });
    expect(
      await policyFor(root).handle({ permission: kubernetesProxyPermission }),
    ).toEqual({ result: AuthorizeResult.DENY });
  });

  it('allows the permissions of other plugins', async () => {
    const policy = policyFor(['user:default/ada']);
    for (const name of [
      'catalog.entity.read',
      'kubernetes.resources.read',
      'kubernetes.clusters.read',
    ]) {
      const other = createPermission({ name, attributes: {} });
      expect(await policy.handle({ permission: other }, ada)).toEqual({
        result: AuthorizeResult.ALLOW,
      });
    }
  });
});
