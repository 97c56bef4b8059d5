import { resolvePackagePath } from '@backstage/backend-plugin-api';
import {
  StoreEngine,
  StoreEngineContext,
} from '@stores-for-backstage/plugin-stores-node';

/** `<scheme>://<name>.<baseDomain>`: the host every store is served at. */
function storeHost(store: StoreEngineContext) {
  return `${store.scheme}://${store.name}.${store.baseDomain}`;
}

/**
 * Marks the shop page (chart/templates/configmap-site.yaml), so the storefront check
 * tells the store's own answer from an ingress's default page.
 */
export const STOREFRONT_MARKER = 'data-store-engine="static"';

/**
 * A static storefront served by nginx from this package's own chart: a shop page with
 * one product that takes orders by e-mail. It has no admin and no database.
 */
export const staticEngine: StoreEngine = {
  id: 'static',
  title: 'Static storefront',
  description:
    'One nginx page with a product and orders by e-mail: no database, no admin, up in seconds',
  // The chart ships in the package; `stores.engines.static.chart` overrides it.
  chart: resolvePackagePath(
    '@stores-for-backstage/plugin-stores-backend-module-engine-static',
    'chart',
  ),
  // What chart/values.schema.json takes from the stores backend.
  values: store => ({
    store: { name: store.name, plan: store.plan, owner: store.owner },
    ingress: {
      baseDomain: store.baseDomain,
      tls: { enabled: store.scheme === 'https' },
    },
  }),
  urls: store => ({ storefrontUrl: `${storeHost(store)}/` }),
  storefrontCheck: store => ({
    url: `${storeHost(store)}/`,
    isStoreAnswer: ({ status, body }) =>
      status >= 200 && status < 300 && body.includes(STOREFRONT_MARKER),
  }),
  // nginx starts in a second; a pod that still fails after a minute will not heal.
  failureGracePeriod: { minutes: 1 },
};
