import {
  AuthService,
  BackstageUserPrincipal,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import permissionBackend from '@backstage/plugin-permission-backend';
import storesPlugin, {
  storesModuleWooCommerce,
} from '@stores-for-backstage/plugin-stores-backend';
import { restrictedKubeconfig } from '@internal/testbed';
import policyModule from './permissionPolicy';

// The stores backend, the permission backend and this portal's policy, talking over
// HTTP as in the portal; only the identity is mocked. Stores are provisioned into the
// test bed as an identity with no rights at all: the cluster answers (so creates are
// accepted) and refuses every change, so stores fail at once with real failure detail.
jest.setTimeout(120_000);

let nobody: string;
beforeAll(async () => {
  nobody = (
    await restrictedKubeconfig({
      namespace: 't-policy-backend',
      name: 'nobody',
    })
  ).kubeconfigPath;
}, 15 * 60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

/** The groups of each user, as a sign-in resolver would give them. */
const groups: Record<string, string[]> = {
  'user:default/ada': ['group:default/shop-team'],
  'user:default/cid': ['group:default/shop-team'],
  'user:default/bob': [],
  'user:default/root': ['group:default/admins'],
};

const userInfo = createServiceFactory({
  service: coreServices.userInfo,
  deps: {},
  factory: () => ({
    async getUserInfo(credentials) {
      const { userEntityRef } = (
        credentials as { principal: BackstageUserPrincipal }
      ).principal;
      return {
        userEntityRef,
        ownershipEntityRefs: [userEntityRef, ...(groups[userEntityRef] ?? [])],
      };
    },
  }),
});

/**
 * The mock auth service, except that a plugin's token on behalf of a user names the
 * plugin as actor, as Backstage's own auth service does; the permission backend
 * refuses conditional requests from users that no plugin relays.
 */
const auth = createServiceFactory({
  service: coreServices.auth,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }): AuthService {
    const mock = mockServices.auth({ pluginId: plugin.getId() });
    return {
      authenticate: (token, options) => mock.authenticate(token, options),
      getNoneCredentials: () => mock.getNoneCredentials(),
      getOwnServiceCredentials: () => mock.getOwnServiceCredentials(),
      isPrincipal: mock.isPrincipal.bind(mock) as AuthService['isPrincipal'],
      getLimitedUserToken: credentials => mock.getLimitedUserToken(credentials),
      listPublicServiceKeys: () => mock.listPublicServiceKeys(),
      async getPluginRequestToken(options) {
        const { principal } = options.onBehalfOf as {
          principal: { type: string; userEntityRef?: string };
        };
        if (principal.type === 'user') {
          return {
            token: mockCredentials.user.token(principal.userEntityRef, {
              actor: { subject: `plugin:${plugin.getId()}` },
            }),
          };
        }
        return mock.getPluginRequestToken(options);
      },
    };
  },
});

type Who = 'ada' | 'bob' | 'cid' | 'root' | 'nobody';

async function start(databaseId: TestDatabaseId, stores: object = {}) {
  const knex = await databases.init(databaseId);
  const backend = await startTestBackend({
    features: [
      permissionBackend,
      policyModule,
      storesPlugin,
      storesModuleWooCommerce,
      userInfo,
      auth,
      // A request without a token has no credentials (the mock's default is a user).
      mockServices.httpAuth.factory({
        defaultCredentials: mockCredentials.none(),
      }),
      mockServices.database.factory({ knex }),
      mockServices.rootConfig.factory({
        data: {
          permission: { enabled: true, admins: ['group:default/admins'] },
          stores: {
            clusters: [{ name: 'local', kubeconfig: nobody }],
            provisioning: { keepFailedStores: true },
            ...stores,
          },
        },
      }),
    ],
  });
  const base = `http://localhost:${backend.server.port()}/api/stores`;
  const call = async (
    who: Who,
    method: string,
    path: string,
    body?: object,
  ) => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
    };
    if (who !== 'nobody') {
      headers.authorization = mockCredentials.user.header(
        `user:default/${who}`,
      );
    }
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json() };
  };
  const names = async (who: Who) =>
    (await call(who, 'GET', '/stores')).body.items
      .map((s: { name: string }) => s.name)
      .sort();
  return { backend, call, names };
}

/** Creates the stores of the tests and waits until each has failed with a reason. */
async function seed(call: Awaited<ReturnType<typeof start>>['call']) {
  const created = [
    await call('ada', 'POST', '/stores', {
      name: 'ada-shop',
      engine: 'woocommerce',
    }),
    await call('ada', 'POST', '/stores', {
      name: 'team-shop',
      engine: 'woocommerce',
      owner: 'group:default/shop-team',
    }),
    // an admin may name anyone
    await call('root', 'POST', '/stores', {
      name: 'bob-shop',
      engine: 'woocommerce',
      owner: 'user:default/bob',
    }),
  ];
  expect(created.map(c => c.status)).toEqual([201, 201, 201]);
  for (const name of ['ada-shop', 'team-shop', 'bob-shop']) {
    for (let i = 0; ; i++) {
      const res = await call('root', 'GET', `/stores/${name}`);
      if (res.body.status === 'failed') break;
      if (i > 300)
        throw new Error(`${name} never failed: ${JSON.stringify(res)}`);
      await new Promise(r => setTimeout(r, 100));
    }
  }
}

describe.each(databases.eachSupportedId())(
  'The portal policy over the stores API on %s',
  databaseId => {
    describe('with the default visibility', () => {
      let env: Awaited<ReturnType<typeof start>>;
      beforeAll(async () => {
        env = await start(databaseId);
        await seed(env.call);
      });
      afterAll(() => env.backend.stop());

      it('lets a user name only themselves or their groups as owner', async () => {
        const res = await env.call('bob', 'POST', '/stores', {
          name: 'bobs-team-shop',
          engine: 'woocommerce',
          owner: 'group:default/shop-team',
        });
        expect(res.status).toBe(403);
        expect(res.body.error.message).toBe(
          'You may not make group:default/shop-team the owner of a store; the owner must be you or one of your groups: user:default/bob',
        );
      });

      it('lists to each user only the stores they own, to admins all', async () => {
        expect(await env.names('ada')).toEqual(['ada-shop', 'team-shop']);
        expect(await env.names('cid')).toEqual(['team-shop']);
        expect(await env.names('bob')).toEqual(['bob-shop']);
        expect(await env.names('root')).toEqual([
          'ada-shop',
          'bob-shop',
          'team-shop',
        ]);
      });

      it('answers 404 to a non-owner for the store, its timeline, deletion and credentials', async () => {
        for (const [method, path] of [
          ['GET', '/stores/ada-shop'],
          ['GET', '/stores/ada-shop/events'],
          ['DELETE', '/stores/ada-shop'],
          ['POST', '/stores/ada-shop/retry'],
          ['POST', '/stores/ada-shop/credentials'],
        ]) {
          const res = await env.call('bob', method, path);
          expect([method, path, res.status]).toEqual([method, path, 404]);
          expect(res.body.error.message).toBe("No store named 'ada-shop'");
        }
      });

      it('refuses a caller who is not signed in', async () => {
        for (const [method, path] of [
          ['GET', '/clusters'],
          ['GET', '/engines'],
          ['POST', '/stores'],
          ['GET', '/stores'],
          ['GET', '/stores/ada-shop'],
          ['GET', '/stores/ada-shop/events'],
          ['DELETE', '/stores/ada-shop'],
          ['POST', '/stores/ada-shop/retry'],
          ['POST', '/stores/ada-shop/forget'],
          ['POST', '/stores/ada-shop/credentials'],
        ]) {
          const res = await env.call('nobody', method, path);
          expect([method, path, res.status]).toEqual([method, path, 401]);
        }
      });

      it('lets only admins forget a store, even its owner not', async () => {
        for (const who of ['ada', 'bob'] as const) {
          const res = await env.call(who, 'POST', '/stores/ada-shop/forget', {
            reason: 'cluster gone',
          });
          expect([who, res.status]).toEqual([who, 403]);
          expect(res.body.error.message).toBe(
            'Only platform admins may forget a store (stores.store.forget)',
          );
        }
        // an admin passes the policy; the store's cluster is configured, so: delete it
        const admin = await env.call(
          'root',
          'POST',
          '/stores/ada-shop/forget',
          {
            reason: 'cluster gone',
          },
        );
        expect(admin.status).toBe(409);
      });

      it('shows an owner through a group the detail and the timeline', async () => {
        const store = await env.call('cid', 'GET', '/stores/team-shop');
        expect(store.status).toBe(200);
        expect(store.body.statusReason).toEqual(expect.any(String));
        const events = await env.call('cid', 'GET', '/stores/team-shop/events');
        expect(events.status).toBe(200);
        expect(
          events.body.items.map((e: { type: string }) => e.type),
        ).toContain('failed');
      });

      it('shows admins every store with detail and timeline, but not its credentials', async () => {
        const store = await env.call('root', 'GET', '/stores/ada-shop');
        expect(store.body.statusReason).toEqual(expect.any(String));
        const events = await env.call('root', 'GET', '/stores/ada-shop/events');
        expect(events.status).toBe(200);
        const secret = await env.call(
          'root',
          'POST',
          '/stores/ada-shop/credentials',
        );
        expect(secret.status).toBe(403);
        expect(secret.body.error.message).toBe(
          "Only the owners of store 'ada-shop' can see its admin credentials",
        );
      });

      it('lets the owner ask for credentials once the store is ready', async () => {
        const res = await env.call(
          'ada',
          'POST',
          '/stores/ada-shop/credentials',
        );
        expect(res.status).toBe(409);
        expect(res.body.error.message).toBe(
          "Store 'ada-shop' is failed; its credentials can be revealed once it is ready",
        );
      });

      it('lets an owner through a group and an admin delete', async () => {
        expect(
          (await env.call('cid', 'DELETE', '/stores/team-shop')).status,
        ).toBe(202);
        expect(
          (await env.call('root', 'DELETE', '/stores/ada-shop')).status,
        ).toBe(202);
      });
    });

    describe('with visibility all', () => {
      let env: Awaited<ReturnType<typeof start>>;
      beforeAll(async () => {
        env = await start(databaseId, { visibility: 'all' });
        await seed(env.call);
      });
      afterAll(() => env.backend.stop());

      it('lists every store to every user', async () => {
        for (const who of ['ada', 'bob', 'cid', 'root'] as const) {
          expect(await env.names(who)).toEqual([
            'ada-shop',
            'bob-shop',
            'team-shop',
          ]);
        }
      });

      it("shows others a store's summary, not its detail, timeline or credentials", async () => {
        const store = await env.call('bob', 'GET', '/stores/ada-shop');
        expect(store.status).toBe(200);
        expect(store.body.status).toBe('failed');
        expect(store.body).not.toHaveProperty('statusReason');
        const listed = (await env.call('bob', 'GET', '/stores')).body.items;
        expect(
          listed.filter((s: { statusReason?: string }) => s.statusReason),
        ).toEqual([expect.objectContaining({ name: 'bob-shop' })]);

        const events = await env.call('bob', 'GET', '/stores/ada-shop/events');
        expect(events.status).toBe(403);
        expect(events.body.error.message).toBe(
          "Only the owners of store 'ada-shop' and admins can see its timeline",
        );
        const deletion = await env.call('bob', 'DELETE', '/stores/ada-shop');
        expect(deletion.status).toBe(403);
        expect(deletion.body.error.message).toBe(
          "You may not delete store 'ada-shop': it is owned by user:default/ada",
        );
        const secret = await env.call(
          'bob',
          'POST',
          '/stores/ada-shop/credentials',
        );
        expect(secret.status).toBe(403);
      });

      it('still shows owners and admins the detail', async () => {
        for (const who of ['ada', 'root'] as const) {
          const store = await env.call(who, 'GET', '/stores/ada-shop');
          expect(store.body.statusReason).toEqual(expect.any(String));
        }
      });
    });
  },
);
