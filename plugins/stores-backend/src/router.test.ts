import {
  mockCredentials,
  mockErrorHandler,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
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
import { ClusterRegistry, EngineRegistry } from './provisioning/registries';
import { StoreCluster } from './provisioning/StoreCluster';
import { StoreProvisioner } from './provisioning/StoreProvisioner';
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

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const ada = mockCredentials.user.header('user:default/ada');
const bob = mockCredentials.user.header('user:default/bob');

const limits: StoresSettings['limits'] = {
  maxStoresPerUser: 3,
  maxCreatesPerWindow: 5,
  createWindowMs: 60 * 60_000,
};

async function setup(
  options: { limits?: Partial<StoresSettings['limits']>; deny?: string[] } = {},
) {
  const knex = await databases.init('SQLITE_3');
  await knex.migrate.latest({ directory: StoresDatabase.migrationsDirectory });
  const database = new StoresDatabase(knex);
  const engines = new EngineRegistry([wooCommerceEngine], {
    woocommerce: { chart: 'unused', valuesFiles: [], enabled: true },
  });
  const clusters = new ClusterRegistry([
    {
      name: 'local',
      settings: { name: 'local', baseDomain: 'example.test', tls: false },
    } as StoreCluster,
  ]);
  // Rendering needs helm and a chart; the integration tests cover it for real.
  const provisioner = {
    render: jest.fn(async () => [
      { kind: 'Deployment', name: 'shop-wordpress' },
    ]),
  } as unknown as StoreProvisioner;
  const denied = new Set(options.deny ?? []);
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
    provisioner,
    limits: { ...limits, ...options.limits },
    onChange,
  });
  const auditor = mockServices.auditor.mock();
  const router = await createRouter({
    httpAuth: mockServices.httpAuth(),
    userInfo: mockServices.userInfo(),
    auditor,
    service,
    engines,
  });
  const app = express().use(router).use(mockErrorHandler());
  return { app, database, onChange, auditor };
}

const shop = { name: 'shop', engine: 'woocommerce' };

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

  it('deletes only ready or failed stores, and only when allowed', async () => {
    const { app, database } = await setup();
    const created = await request(app)
      .post('/stores')
      .set('Authorization', ada)
      .send(shop);

    const early = await request(app)
      .delete('/stores/shop')
      .set('Authorization', ada);
    expect(early.status).toBe(409);
    expectDocumented(early, 'delete', '/stores/{name}');
    expect(early.body.error.message).toBe(
      "Store 'shop' is requested; delete it once it is ready or failed",
    );

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
    expect(served.sort()).toEqual(documented.sort());
  });
});
