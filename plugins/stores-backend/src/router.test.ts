import {
  BackstageCredentials,
  BackstageUserPrincipal,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockErrorHandler,
  mockServices,
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { Store } from '@stores-for-backstage/plugin-stores-common';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import Ajv from 'ajv';
import express from 'express';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import YAML from 'yaml';
import { StoresSettings } from './config';
import { StoresDatabase } from './database/StoresDatabase';
import { wooCommerceEngine } from './engines/engineModules';
import { ClusterHealth } from './provisioning/ClusterHealth';
import { ClusterRegistry, EngineRegistry } from './provisioning/registries';
import { StoreCluster } from './provisioning/StoreCluster';
import { createRouter } from './router';
import { StoresService } from './service/StoresService';

const spec = YAML.parse(
  fs.readFileSync(path.join(__dirname, 'schema/openapi.yaml'), 'utf8'),
);
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addFormat('date-time', true);
ajv.addSchema({ components: spec.components }, 'spec');
const toAjv = (schema: unknown) =>
  JSON.parse(
    JSON.stringify(schema).replace(/"#\/components\//g, '"spec#/components/'),
  );

/** Asserts a response is one the OpenAPI document allows for that route. */
function expectDocumented(
  res: request.Response,
  method: string,
  route: string,
) {
  const operation = spec.paths[route]?.[method];
  expect(operation).toBeDefined();
  const documented = operation.responses[String(res.status)];
  if (!documented) {
    throw new Error(
      `${method.toUpperCase()} ${route} answered ${
        res.status
      }, which the OpenAPI document does not list`,
    );
  }
  const response = documented.$ref
    ? spec.components.responses[documented.$ref.split('/').pop()]
    : documented;
  const schema = response.content?.['application/json']?.schema;
  if (schema) {
    const validate = ajv.compile(toAjv(schema));
    if (!validate(res.body)) {
      throw new Error(
        `${method.toUpperCase()} ${route} ${res.status}: ${ajv.errorsText(
          validate.errors,
        )}\n${JSON.stringify(res.body)}`,
      );
    }
  }
}

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
const ada = mockCredentials.user.header('user:default/ada');
const bob = mockCredentials.user.header('user:default/bob');

/** Ada is in the shop team; Bob in no group. */
const groups: Record<string, string[]> = {
  'user:default/ada': ['group:default/shop-team'],
};
const userInfo: UserInfoService = {
  async getUserInfo(credentials) {
    const { userEntityRef } = (
      credentials as BackstageCredentials<BackstageUserPrincipal>
    ).principal;
    return {
      userEntityRef,
      ownershipEntityRefs: [userEntityRef, ...(groups[userEntityRef] ?? [])],
    };
  },
};

const limits: StoresSettings['limits'] = {
  maxStoresPerUser: 3,
  maxCreatesPerWindow: 5,
  createWindowMs: 60 * 60_000,
  maxDryRunsPerWindow: 10,
  dryRunConcurrency: 2,
};

/** A fake of the Kubernetes side, which the test bed tests cover for real. */
const fakeCredentials = {
  read: jest.fn(async (store: Store) => ({
    username: 'admin',
    password: `secret-of-${store.name}`,
  })),
};

async function setup(
  options: {
    limits?: Partial<StoresSettings['limits']>;
    deny?: string[];
    databaseId?: TestDatabaseId;
    render?: () => Promise<Array<{ kind: string; name: string }>>;
    /** How the cluster answers the health check; by default with its version. */
    checkReachable?: () => Promise<{ version: string }>;
  } = {},
) {
  const knex = await databases.init(options.databaseId ?? 'SQLITE_3');
  await knex.migrate.latest({ directory: StoresDatabase.migrationsDirectory });
  const database = new StoresDatabase(knex);
  const engines = new EngineRegistry([wooCommerceEngine], {
    woocommerce: { chart: 'unused', valuesFiles: [], enabled: true },
  });
  const checkReachable = jest.fn(
    options.checkReachable ?? (async () => ({ version: 'v1.34.10' })),
  );
  const clusters = new ClusterRegistry([
    {
      name: 'local',
      settings: { name: 'local', baseDomain: 'example.test', tls: false },
      server: 'https://127.0.0.1:6443',
      unconfigured: false,
      checkReachable,
    } as unknown as StoreCluster,
  ]);
  const clusterHealth = new ClusterHealth(clusters);
  // Rendering needs helm and a chart; the integration tests cover it for real.
  const provisioner = {
    render: jest.fn(
      options.render ??
        (async () => [{ kind: 'Deployment', name: 'shop-wordpress' }]),
    ),
  };
  // The any-owner permission is for admins; ordinary callers do not have it.
  const denied = new Set(options.deny ?? ['stores.store.create.any-owner']);
  const permissions = mockServices.permissions.mock({
    authorize: async requests =>
      requests.map(r => ({
        result: denied.has(r.permission.name)
          ? AuthorizeResult.DENY
          : AuthorizeResult.ALLOW,
      })),
    authorizeConditional: async requests =>
      requests.map(r => ({
        result: denied.has(r.permission.name)
          ? AuthorizeResult.DENY
          : AuthorizeResult.ALLOW,
      })) as any,
  });
  const onChange = jest.fn();
  const service = new StoresService({
    database,
    permissions,
    engines,
    clusters,
    clusterHealth,
    provisioner,
    credentials: fakeCredentials,
    limits: { ...limits, ...options.limits },
    reservedNames: ['www', 'admin'],
    onChange,
  });
  const auditor = mockServices.auditor.mock();
  const router = await createRouter({
    httpAuth: mockServices.httpAuth(),
    userInfo,
    auditor,
    service,
    engines,
    clusterHealth,
  });
  const app = express().use(router).use(mockErrorHandler());
  return {
    app,
    database,
    onChange,
    auditor,
    provisioner,
    knex,
    checkReachable,
  };
}

const shop = { name: 'shop', engine: 'woocommerce' };

async function waitFor(condition: () => boolean) {
  for (let i = 0; i < 500 && !condition(); i++) {
    await new Promise(r => setTimeout(r, 10));
  }
  expect(condition()).toBe(true);
}

async function makeFailed(database: StoresDatabase, id: string) {
  await database.claim(id, {
    from: 'requested',
    to: 'provisioning',
    owner: 'test',
    leaseMs: 1000,
  });
  await database.transition(id, {
    from: 'provisioning',
    to: 'failed',
    leaseOwner: 'test',
    patch: { statusReason: 'helm upgrade failed' },
  });
}

describe('createRouter', () => {
  describe('when the cluster does not answer', () => {
    const refused = async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
    };

    it('refuses a create with 503 saying which cluster, what failed and what to do, and records nothing', async () => {
      const { app, database, onChange } = await setup({
        checkReachable: refused,
      });
      const res = await request(app)
        .post('/stores')
        .set('Authorization', ada)
        .send(shop);
      expect(res.status).toBe(503);
      expectDocumented(res, 'post', '/stores');
      expect(res.body.error.message).toBe(
        "The cluster 'local' (https://127.0.0.1:6443) cannot be reached: connect ECONNREFUSED 127.0.0.1:6443. " +
          'To run stores on this machine, start the portal with scripts/start (without --no-cluster): it builds and starts the local ' +
          'test bed and configures the portal for it. For another cluster, check stores.clusters in the ' +
          'app-config and that its API server is up.',
      );
      expect(await database.findStoreByName('shop')).toBeUndefined();
      expect(onChange).not.toHaveBeenCalled();
    });

    it('shows the same words on GET /clusters', async () => {
      const { app } = await setup({ checkReachable: refused });
      const res = await request(app).get('/clusters').set('Authorization', bob);
      expect(res.status).toBe(200);
      expectDocumented(res, 'get', '/clusters');
      expect(res.body.items).toEqual([
        {
          name: 'local',
          reachable: false,
          checkedAt: expect.any(String),
          message: expect.stringMatching(
            /^The cluster 'local' \(https:\/\/127\.0\.0\.1:6443\) cannot be reached: connect ECONNREFUSED.*scripts\/start/,
          ),
        },
      ]);
      const create = await request(app)
        .post('/stores')
        .set('Authorization', ada)
        .send(shop);
      expect(create.body.error.message).toBe(res.body.items[0].message);
    });

    it('creates once the cluster answers again, without waiting for a reconcile pass', async () => {
      let up = false;
      const { app } = await setup({
        checkReachable: async () => {
          if (!up) throw new Error('no answer within 3 s');
          return { version: 'v1.34.10' };
        },
      });
      const down = await request(app)
        .post('/stores')
        .set('Authorization', ada)
        .send(shop);
      expect(down.status).toBe(503);
      up = true;
      const res = await request(app)
        .post('/stores')
        .set('Authorization', ada)
        .send(shop);
      expect(res.status).toBe(201);
    });
  });

  it('lists the clusters that answer, with their version', async () => {
    const { app, checkReachable } = await setup();
    const res = await request(app).get('/clusters').set('Authorization', bob);
    expect(res.status).toBe(200);
    expectDocumented(res, 'get', '/clusters');
    expect(res.body.items).toEqual([
      {
        name: 'local',
        reachable: true,
        checkedAt: expect.any(String),
        version: 'v1.34.10',
      },
    ]);
    // a fresh answer is reused, not asked again
    await request(app).get('/clusters').set('Authorization', bob);
    expect(checkReachable).toHaveBeenCalledTimes(1);
  });

  it('answers health without caring for credentials', async () => {
    const { app } = await setup();
    const res = await request(app).get('/health');
    expect(res.status).toBe(200);
    expectDocumented(res, 'get', '/health');
  });

  it('lists the engines', async () => {
    const { app } = await setup();
    const res = await request(app).get('/engines').set('Authorization', ada);
    expect(res.body.items).toEqual([
      expect.objectContaining({ id: 'woocommerce', title: 'WooCommerce' }),
    ]);
    expectDocumented(res, 'get', '/engines');
  });

  it('creates a store, starts work at once and shows it', async () => {
    const { app, onChange, auditor } = await setup();
    const created = await request(app)
      .post('/stores')
      .set('Authorization', ada)
      .send({ ...shop, owner: 'group:default/Shop-Team', plan: 'medium' });
    expect(created.status).toBe(201);
    expectDocumented(created, 'post', '/stores');
    expect(created.body).toMatchObject({
      name: 'shop',
      engine: 'woocommerce',
      owner: 'group:default/shop-team',
      requestedBy: 'user:default/ada',
      plan: 'medium',
      cluster: 'local',
      namespace: 'store-shop',
      status: 'requested',
    });
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(auditor.createEvent).toHaveBeenCalledWith(
      expect.objectContaining({ eventId: 'store-create' }),
    );

    const got = await request(app)
      .get('/stores/shop')
      .set('Authorization', ada);
    expectDocumented(got, 'get', '/stores/{name}');
    expect(got.body.id).toBe(created.body.id);

    const events = await request(app)
      .get('/stores/shop/events')
      .set('Authorization', ada);
    expectDocumented(events, 'get', '/stores/{name}/events');
    expect(events.body.items.map((e: any) => e.type)).toEqual(['accepted']);

    const list = await request(app)
      .get('/stores?owner=group:default/shop-team&engine=woocommerce')
      .set('Authorization', ada);
    expectDocumented(list, 'get', '/stores');
    expect(list.body.items.map((s: any) => s.name)).toEqual(['shop']);
  });

  it('returns the same store for the same idempotency key', async () => {
    const { app } = await setup();
    const send = () =>
      request(app)
        .post('/stores')
        .set('Authorization', ada)
        .set('Idempotency-Key', 'task-1')
        .send(shop);
    const first = await send();
    const second = await send();
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expectDocumented(second, 'post', '/stores');
    expect(second.body.id).toBe(first.body.id);
    const list = await request(app).get('/stores').set('Authorization', ada);
    expect(list.body.totalCount).toBe(1);
  });

  it('answers requests with the same key sent at once with one store', async () => {
    // a cluster that takes a moment to answer lets every request past the key lookup
    const { app } = await setup({
      checkReachable: async () => {
        await new Promise(r => setTimeout(r, 100));
        return { version: 'v1.34.10' };
      },
    });
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        request(app)
          .post('/stores')
          .set('Authorization', ada)
          .set('Idempotency-Key', 'task-at-once')
          .send(shop),
      ),
    );
    expect(answers.map(a => a.status).sort()).toEqual([
      200, 200, 200, 200, 200, 200, 200, 200, 200, 201,
    ]);
    expect(new Set(answers.map(a => a.body.id)).size).toBe(1);
    const list = await request(app).get('/stores').set('Authorization', ada);
    expect(list.body.totalCount).toBe(1);
  });

  it.each([
    [{ engine: 'woocommerce' }, /name is required/],
    [{ name: 'Shop', engine: 'woocommerce' }, /lowercase letters/],
    [{ name: 'a'.repeat(31), engine: 'woocommerce' }, /at most 30 characters/],
    [
      { name: 'shop', engine: 'magento' },
      /Unknown engine 'magento'; choose one of: woocommerce/,
    ],
    [
      { name: 'shop', engine: 'woocommerce', plan: 'huge' },
      /Unknown plan 'huge'/,
    ],
    [
      { name: 'shop', engine: 'woocommerce', cluster: 'mars' },
      /Unknown cluster 'mars'; choose one of: local/,
    ],
    [
      { name: 'shop', engine: 'woocommerce', owner: 'group:default/' },
      /Invalid owner/,
    ],
    [
      { name: 'shop', engine: 'woocommerce', owner: 'component:default/web' },
      /Owner must be a user or a group, like group:default\/shop-team; 'component:default\/web' is a component/,
    ],
    [
      {
        name: 'shop',
        engine: 'woocommerce',
        owner: `group:default/${'a'.repeat(250)}`,
      },
      /Owner must be an entity ref of at most 255 characters, got 264/,
    ],
    [
      { name: 'xn--80ak6aa92e', engine: 'woocommerce' },
      /must not have '--' as its third and fourth characters/,
    ],
    [
      { name: 'admin', engine: 'woocommerce' },
      /Store name 'admin' is reserved/,
    ],
    [
      { name: 'shop', engine: 'woocommerce', colour: 'red' },
      /unknown field colour/,
    ],
  ])(
    'refuses %p with a clear 400 and records nothing',
    async (body, message) => {
      const { app, onChange } = await setup();
      const res = await request(app)
        .post('/stores')
        .set('Authorization', ada)
        .send(body);
      expect(res.status).toBe(400);
      expectDocumented(res, 'post', '/stores');
      expect(res.body.error.message).toMatch(message);
      const list = await request(app).get('/stores').set('Authorization', ada);
      expect(list.body.totalCount).toBe(0);
      expect(onChange).not.toHaveBeenCalled();
    },
  );

  it('refuses a name that a live store has', async () => {
    const { app } = await setup();
    await request(app).post('/stores').set('Authorization', ada).send(shop);
    const res = await request(app)
      .post('/stores')
      .set('Authorization', bob)
      .send(shop);
    expect(res.status).toBe(409);
    expectDocumented(res, 'post', '/stores');
    expect(res.body.error.message).toMatch(
      /A store named 'shop' already exists/,
    );
  });

  it('enforces the per-user quota with 403', async () => {
    const { app } = await setup({ limits: { maxStoresPerUser: 2 } });
    for (const name of ['a', 'b']) {
      const ok = await request(app)
        .post('/stores')
        .set('Authorization', ada)
        .send({ name, engine: 'woocommerce' });
      expect(ok.status).toBe(201);
    }
    const res = await request(app)
      .post('/stores')
      .set('Authorization', ada)
      .send({ name: 'c', engine: 'woocommerce' });
    expect(res.status).toBe(403);
    expectDocumented(res, 'post', '/stores');
    expect(res.body.error.message).toBe(
      'You already have 2 stores, the limit is 2; delete one before creating another',
    );
    const other = await request(app)
      .post('/stores')
      .set('Authorization', bob)
      .send({ name: 'c', engine: 'woocommerce' });
    expect(other.status).toBe(201);
  });

  it('limits how fast a user creates stores with 429', async () => {
    const { app, database } = await setup({
      limits: { maxStoresPerUser: 10, maxCreatesPerWindow: 2 },
    });
    const a = await request(app)
      .post('/stores')
      .set('Authorization', ada)
      .send({ name: 'a', engine: 'woocommerce' });
    await request(app)
      .post('/stores')
      .set('Authorization', ada)
      .send({ name: 'b', engine: 'woocommerce' });
    // deleting a store does not give back its creation
    await makeFailed(database, a.body.id);
    const res = await request(app)
      .post('/stores')
      .set('Authorization', ada)
      .send({ name: 'c', engine: 'woocommerce' });
    expect(res.status).toBe(429);
    expectDocumented(res, 'post', '/stores');
    expect(res.body.error.message).toMatch(
      /You created 2 stores in the last 60 minutes, the limit is 2; try again later/,
    );
  });

  it('refuses to create without the create permission', async () => {
    const { app } = await setup({ deny: ['stores.store.create'] });
    const res = await request(app)
      .post('/stores')
      .set('Authorization', ada)
      .send(shop);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe('You are not allowed to create stores');
  });

  it('checks a dry run without creating anything', async () => {
    const { app, onChange } = await setup();
    const res = await request(app)
      .post('/stores?dryRun=true')
      .set('Authorization', ada)
      .send(shop);
    expect(res.status).toBe(200);
    expectDocumented(res, 'post', '/stores');
    expect(res.body.message).toMatch(/Would create namespace store-shop/);
    expect(res.body.resources).toEqual([
      { kind: 'Deployment', name: 'shop-wordpress' },
    ]);
    const list = await request(app).get('/stores').set('Authorization', ada);
    expect(list.body.totalCount).toBe(0);
    expect(onChange).not.toHaveBeenCalled();
  });

  it('deletes a store being provisioned: that work is cancelled', async () => {
    const { app } = await setup();
    await request(app).post('/stores').set('Authorization', ada).send(shop);

    const early = await request(app)
      .delete('/stores/shop')
      .set('Authorization', ada);
    expect(early.status).toBe(202);
    expectDocumented(early, 'delete', '/stores/{name}');
    expect(early.body).toMatchObject({ status: 'deleting', generation: 2 });
    const events = await request(app)
      .get('/stores/shop/events')
      .set('Authorization', ada);
    expect(events.body.items.pop().message).toBe(
      'Deletion requested while requested; that work stops and what it made is removed',
    );
  });

  describe('forget', () => {
    /** A store left in a cluster that was since removed from the config. */
    const storeInGoneCluster = (database: StoresDatabase) =>
      database.insertStore(
        {
          id: 'id-old',
          name: 'old',
          engine: 'woocommerce',
          owner: 'user:default/ada',
          requestedBy: 'user:default/ada',
          plan: 'small',
          cluster: 'gone',
          namespace: 'store-old',
        },
        { type: 'accepted', message: 'requested' },
      );

    it('lets an admin forget a store whose cluster is gone, with the reason on its timeline', async () => {
      const { app, database } = await setup();
      await storeInGoneCluster(database);
      const res = await request(app)
        .post('/stores/old/forget')
        .set('Authorization', ada)
        .send({ reason: 'cluster gone decommissioned in March' });
      expect(res.status).toBe(200);
      expectDocumented(res, 'post', '/stores/{name}/forget');
      expect(res.body).toMatchObject({ name: 'old', status: 'deleted' });
      const events = await database.listEvents('id-old');
      expect(events.pop()?.message).toBe(
        "Forgotten by user:default/ada: cluster gone decommissioned in March. The cluster 'gone' is no longer configured; anything left there was not removed.",
      );
    });

    it('refuses a caller without stores.store.forget, and a store whose cluster is configured', async () => {
      const denied = await setup({ deny: ['stores.store.forget'] });
      await storeInGoneCluster(denied.database);
      const refused = await request(denied.app)
        .post('/stores/old/forget')
        .set('Authorization', ada)
        .send({ reason: 'x' });
      expect(refused.status).toBe(403);
      expectDocumented(refused, 'post', '/stores/{name}/forget');

      const { app } = await setup();
      await request(app).post('/stores').set('Authorization', ada).send(shop);
      const conflict = await request(app)
        .post('/stores/shop/forget')
        .set('Authorization', ada)
        .send({ reason: 'x' });
      expect(conflict.status).toBe(409);
      expect(conflict.body.error.message).toMatch(
        /which is configured; delete the store instead/,
      );
      const noReason = await request(app)
        .post('/stores/shop/forget')
        .set('Authorization', ada)
        .send({ reason: ' ' });
      expect(noReason.status).toBe(400);
    });
  });

  it('deletes a failed store, once', async () => {
    const { app, database } = await setup();
    const created = await request(app)
      .post('/stores')
      .set('Authorization', ada)
      .send(shop);

    await makeFailed(database, created.body.id);
    const res = await request(app)
      .delete('/stores/shop')
      .set('Authorization', ada);
    expect(res.status).toBe(202);
    expectDocumented(res, 'delete', '/stores/{name}');
    expect(res.body).toMatchObject({ status: 'deleting', generation: 2 });

    const again = await request(app)
      .delete('/stores/shop')
      .set('Authorization', ada);
    expect(again.status).toBe(202);
  });

  it('answers 403 when the caller may not manage the store', async () => {
    const { app, database } = await setup({ deny: ['stores.store.delete'] });
    const created = await request(app)
      .post('/stores')
      .set('Authorization', ada)
      .send(shop);
    await makeFailed(database, created.body.id);
    const res = await request(app)
      .delete('/stores/shop')
      .set('Authorization', bob);
    expect(res.status).toBe(403);
    expectDocumented(res, 'delete', '/stores/{name}');
    expect(res.body.error.message).toBe(
      "You may not delete store 'shop': it is owned by user:default/ada",
    );
    const retry = await request(app)
      .post('/stores/shop/retry')
      .set('Authorization', bob);
    expect(retry.status).toBe(403);
  });

  it('retries only failed stores', async () => {
    const { app, database, onChange } = await setup();
    const created = await request(app)
      .post('/stores')
      .set('Authorization', ada)
      .send(shop);
    const early = await request(app)
      .post('/stores/shop/retry')
      .set('Authorization', ada);
    expect(early.status).toBe(409);
    expectDocumented(early, 'post', '/stores/{name}/retry');

    await makeFailed(database, created.body.id);
    const res = await request(app)
      .post('/stores/shop/retry')
      .set('Authorization', ada);
    expect(res.status).toBe(202);
    expectDocumented(res, 'post', '/stores/{name}/retry');
    expect(res.body).toMatchObject({ status: 'provisioning', generation: 2 });
    expect(onChange).toHaveBeenCalledTimes(2);
    const events = await request(app)
      .get('/stores/shop/events')
      .set('Authorization', ada);
    expect(events.body.items.map((e: any) => e.type)).toEqual([
      'accepted',
      'retry',
    ]);
  });

  it('hides stores the caller may not read', async () => {
    const { app } = await setup({ deny: ['stores.store.read'] });
    await request(app).post('/stores').set('Authorization', ada).send(shop);
    const list = await request(app).get('/stores').set('Authorization', ada);
    expect(list.body).toEqual({ items: [], totalCount: 0 });
    const one = await request(app)
      .get('/stores/shop')
      .set('Authorization', ada);
    expect(one.status).toBe(404);
    expectDocumented(one, 'get', '/stores/{name}');
  });

  it('answers 404 for unknown stores and 400 for bad list parameters', async () => {
    const { app } = await setup();
    const missing = await request(app)
      .get('/stores/nope/events')
      .set('Authorization', ada);
    expect(missing.status).toBe(404);
    expectDocumented(missing, 'get', '/stores/{name}/events');
    const bad = await request(app)
      .get('/stores?limit=0')
      .set('Authorization', ada);
    expect(bad.status).toBe(400);
    expectDocumented(bad, 'get', '/stores');
    expect(bad.body.error.message).toBe(
      'limit must be an integer from 1 to 500',
    );
  });

  describe('owner', () => {
    it('may be the caller or one of their groups', async () => {
      const { app } = await setup();
      for (const [name, owner, expected] of [
        ['a', undefined, 'user:default/ada'],
        ['b', 'user:default/Ada', 'user:default/ada'],
        ['c', 'shop-team', 'group:default/shop-team'],
      ]) {
        const res = await request(app)
          .post('/stores')
          .set('Authorization', ada)
          .send({ name, engine: 'woocommerce', owner });
        expect(res.status).toBe(201);
        expect(res.body.owner).toBe(expected);
      }
    });

    it.each([
      ['group:default/shop-team'],
      ['user:default/ada'],
      ['group:default/admins'],
    ])(
      'is refused with 403 when %s is not the caller nor one of their groups',
      async owner => {
        const { app, onChange } = await setup();
        for (const dryRun of ['false', 'true']) {
          const res = await request(app)
            .post(`/stores?dryRun=${dryRun}`)
            .set('Authorization', bob)
            .send({ ...shop, owner });
          expect(res.status).toBe(403);
          expectDocumented(res, 'post', '/stores');
          expect(res.body.error.message).toBe(
            `You may not make ${owner} the owner of a store; the owner must be you or one of your groups: user:default/bob`,
          );
        }
        const list = await request(app)
          .get('/stores')
          .set('Authorization', ada);
        expect(list.body.totalCount).toBe(0);
        expect(onChange).not.toHaveBeenCalled();
      },
    );

    it('may be anyone for a caller with the any-owner permission', async () => {
      const { app } = await setup({ deny: [] });
      const res = await request(app)
        .post('/stores')
        .set('Authorization', bob)
        .send({ ...shop, owner: 'group:default/shop-team' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        owner: 'group:default/shop-team',
        requestedBy: 'user:default/bob',
      });
    });
  });

  describe('detail and timeline', () => {
    it('are hidden from those who may see a store but not its detail', async () => {
      const { app, database } = await setup({
        deny: ['stores.store.create.any-owner', 'stores.store.details.read'],
      });
      const created = await request(app)
        .post('/stores')
        .set('Authorization', ada)
        .send(shop);
      await makeFailed(database, created.body.id);

      const one = await request(app)
        .get('/stores/shop')
        .set('Authorization', bob);
      expect(one.status).toBe(200);
      expectDocumented(one, 'get', '/stores/{name}');
      expect(one.body.status).toBe('failed');
      expect(one.body).not.toHaveProperty('statusReason');

      const list = await request(app).get('/stores').set('Authorization', bob);
      expect(list.body.items).toHaveLength(1);
      expect(list.body.items[0]).not.toHaveProperty('statusReason');

      const events = await request(app)
        .get('/stores/shop/events')
        .set('Authorization', bob);
      expect(events.status).toBe(403);
      expectDocumented(events, 'get', '/stores/{name}/events');
      expect(events.body.error.message).toBe(
        "Only the owners of store 'shop' and admins can see its timeline",
      );
    });

    it('are shown to those who may read them', async () => {
      const { app, database } = await setup();
      const created = await request(app)
        .post('/stores')
        .set('Authorization', ada)
        .send(shop);
      await makeFailed(database, created.body.id);
      const one = await request(app)
        .get('/stores/shop')
        .set('Authorization', ada);
      expect(one.body.statusReason).toBe('helm upgrade failed');
    });
  });

  describe('credentials', () => {
    async function readyStore(app: express.Express, database: StoresDatabase) {
      const created = await request(app)
        .post('/stores')
        .set('Authorization', ada)
        .send(shop);
      await database.claim(created.body.id, {
        from: 'requested',
        to: 'provisioning',
        owner: 'test',
        leaseMs: 1000,
      });
      await database.transition(created.body.id, {
        from: 'provisioning',
        to: 'ready',
        leaseOwner: 'test',
        patch: { adminUrl: 'http://shop.example.test/wp-admin' },
      });
    }

    beforeEach(() => fakeCredentials.read.mockClear());

    it('are revealed to an owner, uncached and audited without the values', async () => {
      const { app, database, auditor } = await setup();
      await readyStore(app, database);
      const res = await request(app)
        .post('/stores/shop/credentials')
        .set('Authorization', ada);
      expect(res.status).toBe(200);
      expectDocumented(res, 'post', '/stores/{name}/credentials');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({
        username: 'admin',
        password: 'secret-of-shop',
        adminUrl: 'http://shop.example.test/wp-admin',
      });
      expect(auditor.createEvent).toHaveBeenCalledWith(
        expect.objectContaining({
          eventId: 'store-credentials-reveal',
          severityLevel: 'high',
          meta: { name: 'shop' },
        }),
      );
      const event = await auditor.createEvent.mock.results[0].value;
      expect(event.success).toHaveBeenCalledWith();
    });

    it('are refused with 403 to a non-owner who can see the store', async () => {
      const { app, database, auditor } = await setup({
        deny: [
          'stores.store.create.any-owner',
          'stores.store.credentials.reveal',
        ],
      });
      await readyStore(app, database);
      const res = await request(app)
        .post('/stores/shop/credentials')
        .set('Authorization', bob);
      expect(res.status).toBe(403);
      expectDocumented(res, 'post', '/stores/{name}/credentials');
      expect(res.body.error.message).toBe(
        "Only the owners of store 'shop' can see its admin credentials",
      );
      expect(fakeCredentials.read).not.toHaveBeenCalled();
      expect(auditor.createEvent).toHaveBeenCalledWith(
        expect.objectContaining({ eventId: 'store-credentials-reveal' }),
      );
    });

    it('are not found for a caller who cannot see the store', async () => {
      const { app, database } = await setup({
        deny: ['stores.store.create.any-owner', 'stores.store.read'],
      });
      await readyStore(app, database);
      const res = await request(app)
        .post('/stores/shop/credentials')
        .set('Authorization', bob);
      expect(res.status).toBe(404);
      expectDocumented(res, 'post', '/stores/{name}/credentials');
      expect(fakeCredentials.read).not.toHaveBeenCalled();
    });

    it('are refused with 409 until the store is ready', async () => {
      const { app } = await setup();
      await request(app).post('/stores').set('Authorization', ada).send(shop);
      const res = await request(app)
        .post('/stores/shop/credentials')
        .set('Authorization', ada);
      expect(res.status).toBe(409);
      expectDocumented(res, 'post', '/stores/{name}/credentials');
      expect(res.body.error.message).toBe(
        "Store 'shop' is requested; its credentials can be revealed once it is ready",
      );
      expect(fakeCredentials.read).not.toHaveBeenCalled();
    });
  });

  describe('dry runs', () => {
    it('count toward a per-user limit', async () => {
      const { app, provisioner } = await setup({
        limits: { maxDryRunsPerWindow: 2 },
      });
      const dryRun = (who: string) =>
        request(app)
          .post('/stores?dryRun=true')
          .set('Authorization', who)
          .send(shop);
      expect((await dryRun(ada)).status).toBe(200);
      expect((await dryRun(ada)).status).toBe(200);
      const res = await dryRun(ada);
      expect(res.status).toBe(429);
      expectDocumented(res, 'post', '/stores');
      expect(res.body.error.message).toBe(
        'You made 2 dry runs in the last 60 minutes, the limit; try again later',
      );
      expect(provisioner.render).toHaveBeenCalledTimes(2);
      expect((await dryRun(bob)).status).toBe(200);
    });

    it('render a few at a time and refuse the rest of a flood with 429', async () => {
      let running = 0;
      let most = 0;
      let release!: () => void;
      const gate = new Promise<void>(resolve => {
        release = resolve;
      });
      const { app, provisioner } = await setup({
        limits: { dryRunConcurrency: 2, maxDryRunsPerWindow: 100 },
        render: async () => {
          running++;
          most = Math.max(most, running);
          await gate;
          running--;
          return [];
        },
      });
      const answered: number[] = [];
      const flood = Array.from({ length: 8 }, (_, i) =>
        request(app)
          .post('/stores?dryRun=true')
          .set('Authorization', i % 2 ? ada : bob)
          .send(shop)
          .then(res => {
            answered.push(res.status);
            return res;
          }),
      );
      // While two render, the other six are refused at once, not queued.
      await waitFor(() => answered.length === 6);
      expect(answered).toEqual(Array(6).fill(429));
      expect(provisioner.render).toHaveBeenCalledTimes(2);
      release();
      const responses = await Promise.all(flood);
      expect(answered.slice(6)).toEqual([200, 200]);
      expect(most).toBe(2);
      const tooMany = responses.find(r => r.status === 429)!;
      expectDocumented(tooMany, 'post', '/stores');
      expect(tooMany.body.error.message).toBe(
        'Too many dry runs are running right now; try again in a few seconds',
      );
    });
  });

  describe.each(databases.eachSupportedId())('limits on %s', databaseId => {
    it('hold for 20 concurrent creates by one user', async () => {
      const { app } = await setup({
        databaseId,
        limits: { maxStoresPerUser: 3, maxCreatesPerWindow: 100 },
      });
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          request(app)
            .post('/stores')
            .set('Authorization', ada)
            .send({ name: `shop-${i}`, engine: 'woocommerce' }),
        ),
      );
      const statuses = responses.map(r => r.status);
      expect(statuses.filter(s => s === 201)).toHaveLength(3);
      expect(statuses.filter(s => s === 403)).toHaveLength(17);
      const list = await request(app).get('/stores').set('Authorization', ada);
      expect(list.body.totalCount).toBe(3);
    });

    it('hold the creation rate for 20 concurrent creates by one user', async () => {
      const { app, database } = await setup({
        databaseId,
        limits: { maxStoresPerUser: 100, maxCreatesPerWindow: 4 },
      });
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          request(app)
            .post('/stores')
            .set('Authorization', ada)
            .send({ name: `shop-${i}`, engine: 'woocommerce' }),
        ),
      );
      const statuses = responses.map(r => r.status);
      expect(statuses.filter(s => s === 201)).toHaveLength(4);
      expect(statuses.filter(s => s === 429)).toHaveLength(16);
      expect(
        await database.countStoresRequestedSince(
          'user:default/ada',
          new Date(0),
        ),
      ).toBe(4);
    });

    it('count dry runs exactly under concurrency', async () => {
      const { app, provisioner } = await setup({
        databaseId,
        limits: { maxDryRunsPerWindow: 5, dryRunConcurrency: 20 },
      });
      const responses = await Promise.all(
        Array.from({ length: 20 }, () =>
          request(app)
            .post('/stores?dryRun=true')
            .set('Authorization', ada)
            .send(shop),
        ),
      );
      const statuses = responses.map(r => r.status);
      expect(statuses.filter(s => s === 200)).toHaveLength(5);
      expect(statuses.filter(s => s === 429)).toHaveLength(15);
      expect(provisioner.render).toHaveBeenCalledTimes(5);
    });
  });

  it('documents exactly the routes it serves', async () => {
    const { app } = await setup();
    const served: string[] = [];
    const router = (app as any)._router ?? (app as any).router;
    const walk = (stack: any[]) => {
      for (const layer of stack) {
        if (layer.route) {
          for (const method of Object.keys(layer.route.methods)) {
            served.push(
              `${method} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`,
            );
          }
        } else if (layer.handle?.stack) {
          walk(layer.handle.stack);
        }
      }
    };
    walk(router.stack);
    const documented = Object.entries(spec.paths).flatMap(
      ([p, ops]: [string, any]) =>
        Object.keys(ops)
          .filter(m => m !== 'parameters')
          .map(m => `${m} ${p}`),
    );
    // Besides the document itself, which every Backstage OpenAPI router serves.
    expect(served.filter(r => r !== 'get /openapi.json').sort()).toEqual(
      documented.sort(),
    );
  });

  it('serves its OpenAPI document', async () => {
    const { app } = await setup();
    const res = await request(app).get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.info).toEqual(spec.info);
    expect(Object.keys(res.body.paths).sort()).toEqual(
      Object.keys(spec.paths).sort(),
    );
  });
});
