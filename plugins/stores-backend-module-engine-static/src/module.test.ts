import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { startTestBackend } from '@backstage/backend-test-utils';
import {
  StoreEngine,
  StoreEngineContext,
  storesEnginesExtensionPoint,
} from '@stores-for-backstage/plugin-stores-node';
import fs from 'node:fs';
import path from 'node:path';
import { storesModuleEngineStatic } from './module';
import { STOREFRONT_MARKER } from './staticEngine';

const store: StoreEngineContext = {
  name: 'shop',
  namespace: 'store-shop',
  plan: 'medium',
  owner: 'group:default/team-a',
  baseDomain: 'stores.example.com',
  scheme: 'https',
};

/** Stands in for the stores backend: collects what modules add through the extension point. */
async function registeredEngines(): Promise<StoreEngine[]> {
  const engines: StoreEngine[] = [];
  const storesPlugin = createBackendPlugin({
    pluginId: 'stores',
    register(reg) {
      reg.registerExtensionPoint(storesEnginesExtensionPoint, {
        addEngine: engine => engines.push(engine),
      });
      reg.registerInit({
        deps: { logger: coreServices.logger },
        async init() {},
      });
    },
  });
  await startTestBackend({
    features: [storesPlugin, storesModuleEngineStatic],
  });
  return engines;
}

describe('the static storefront module', () => {
  let engines: StoreEngine[];
  let engine: StoreEngine;
  beforeAll(async () => {
    engines = await registeredEngines();
    engine = engines[0];
  });

  it('registers the engine under the id static', () => {
    expect(engines.map(e => e.id)).toEqual(['static']);
    expect(engine).toMatchObject({
      id: 'static',
      title: 'Static storefront',
      description: expect.stringMatching(/\S/),
    });
  });

  it('passes the store to the chart as its values schema expects', () => {
    expect(engine.values(store)).toEqual({
      store: { name: 'shop', plan: 'medium', owner: 'group:default/team-a' },
      ingress: { baseDomain: 'stores.example.com', tls: { enabled: true } },
    });
    expect(engine.values({ ...store, scheme: 'http' }).ingress).toMatchObject({
      tls: { enabled: false },
    });
  });

  it('serves the store at its own host, without an admin', () => {
    expect(engine.urls(store)).toEqual({
      storefrontUrl: 'https://shop.stores.example.com/',
    });
    expect(engine.adminCredentials).toBeUndefined();
  });

  it('ships its chart in the package', () => {
    expect(fs.existsSync(path.join(engine.chart!, 'Chart.yaml'))).toBe(true);
  });

  it("counts only the shop page as the store's answer", () => {
    const check = engine.storefrontCheck!(store);
    expect(check.url).toBe('https://shop.stores.example.com/');
    const page = fs.readFileSync(
      path.join(engine.chart!, 'templates', 'configmap-site.yaml'),
      'utf8',
    );
    expect(page).toContain(STOREFRONT_MARKER);
    const shop = `<!doctype html>\n<html lang="en" ${STOREFRONT_MARKER}>`;
    expect(check.isStoreAnswer({ status: 200, body: shop })).toBe(true);
    // an ingress's default page, or nginx's own welcome page
    expect(
      check.isStoreAnswer({ status: 404, body: 'default backend - 404' }),
    ).toBe(false);
    expect(
      check.isStoreAnswer({ status: 200, body: '<h1>Welcome to nginx!</h1>' }),
    ).toBe(false);
  });
});
