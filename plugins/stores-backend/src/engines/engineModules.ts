import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  StoreEngine,
  StoreEngineContext,
  storesEnginesExtensionPoint,
} from '@stores-for-backstage/plugin-stores-node';

/** The values both built-in charts take from the stores backend. */
function commonValues(store: StoreEngineContext) {
  return {
    store: { name: store.name, plan: store.plan, owner: store.owner },
    ingress: {
      baseDomain: store.baseDomain,
      tls: { enabled: store.scheme === 'https' },
    },
  };
}

function host(store: StoreEngineContext) {
  return `${store.scheme}://${store.name}.${store.baseDomain}`;
}

/** WooCommerce on WordPress and MySQL: `charts/woocommerce-store`. */
export const wooCommerceEngine: StoreEngine = {
  id: 'woocommerce',
  title: 'WooCommerce',
  description:
    'WordPress with WooCommerce and MySQL: a classic storefront with an admin dashboard, ready to take orders',
  values: commonValues,
  urls: store => ({
    storefrontUrl: `${host(store)}/`,
    adminUrl: `${host(store)}/wp-admin/`,
  }),
  // charts/woocommerce-store/templates/secrets.yaml (the release is named after the store)
  adminCredentials: store => ({
    secretName: `${store.name}-admin`,
    usernameKey: 'username',
    passwordKey: 'password',
  }),
};

/** Medusa v2 with PostgreSQL and Redis: `charts/medusa-store`. */
export const medusaEngine: StoreEngine = {
  id: 'medusa',
  title: 'Medusa',
  description:
    'Medusa v2 headless commerce with PostgreSQL and Redis: a store API and an admin for custom storefronts',
  values: commonValues,
  urls: store => ({
    storefrontUrl: `${host(store)}/health`,
    adminUrl: `${host(store)}/app`,
  }),
  // The server answers /health before its store API works; ask the store API itself. Without
  // a publishable key it answers 400 and names the header it wants: Medusa's own words,
  // which no ingress default page says.
  storefrontCheck: store => ({
    url: `${host(store)}/store/regions`,
    isStoreAnswer: ({ status, body }) =>
      (status >= 200 && status < 300) ||
      (status === 400 && body.includes('x-publishable-api-key')),
  }),
  // The first install runs the migrations and the seed before the server starts.
  failureGracePeriod: { minutes: 5 },
  // charts/medusa-store/templates/secrets.yaml: the admin signs in with an e-mail address
  adminCredentials: store => ({
    secretName: `${store.name}-admin`,
    usernameKey: 'email',
    passwordKey: 'password',
  }),
};

/**
 * Registers an engine the same way an adopter's own module would.
 */
export function engineModule(engine: StoreEngine) {
  return createBackendModule({
    pluginId: 'stores',
    moduleId: `engine-${engine.id}`,
    register(reg) {
      reg.registerInit({
        deps: { engines: storesEnginesExtensionPoint },
        async init({ engines }) {
          engines.addEngine(engine);
        },
      });
    },
  });
}

/**
 * The WooCommerce engine.
 *
 * @public
 */
export const storesModuleWooCommerce = engineModule(wooCommerceEngine);

/**
 * The Medusa engine.
 *
 * @public
 */
export const storesModuleMedusa = engineModule(medusaEngine);
