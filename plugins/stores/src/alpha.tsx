/**
 * The stores plugin for Backstage's new frontend system: the stores pages
 * with their navigation item, the stores API, and the catalog entity content
 * and card for stores, as extensions of one plugin.
 *
 * @packageDocumentation
 */

import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import StorefrontIcon from '@material-ui/icons/Storefront';
import { STORE_ANNOTATION } from '@stores-for-backstage/plugin-stores-common';
import { storesApiRef, StoresClient } from './api';
import {
  createStoreTemplateRouteRef,
  rootRouteRef,
  storeRouteRef,
} from './routes';

/**
 * Entities the stores catalog module made for a store. A predicate rather
 * than `isStoreEntity` so that an app can change it in app-config.
 */
const storeEntityFilter = {
  [`metadata.annotations.${STORE_ANNOTATION}`]: { $exists: true },
};

/** The stores client, as `storesPlugin` of the legacy system registers it. */
const storesApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: storesApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new StoresClient({ discoveryApi, fetchApi }),
    }),
});

/**
 * The stores list at /stores with each store's page below it. Its title and
 * icon are what the app's sidebar shows: since frontend-plugin-api 0.18 the
 * navigation items come from pages, there is no NavItemBlueprint any more.
 */
const storesPage = PageBlueprint.make({
  params: {
    path: '/stores',
    routeRef: rootRouteRef,
    title: 'Stores',
    icon: <StorefrontIcon fontSize="inherit" />,
    // The pages bring their own header, as in the legacy app.
    noHeader: true,
    loader: () => import('./components/Router').then(m => <m.Router />),
  },
});

/** The "Store" tab of a store's catalog entity. */
const entityStoreContent = EntityContentBlueprint.make({
  name: 'store',
  params: {
    path: '/store',
    title: 'Store',
    filter: storeEntityFilter,
    loader: () =>
      import('./components/EntityStore').then(m => <m.EntityStoreContent />),
  },
});

/** The store's status, steps and links on its entity's overview. */
const entityStoreCard = EntityCardBlueprint.make({
  name: 'store',
  params: {
    filter: storeEntityFilter,
    loader: () =>
      import('./components/EntityStore').then(m => (
        <m.EntityStoreCard variant="gridItem" />
      )),
  },
});

/**
 * The stores plugin for the new frontend system. Install the package in the
 * app and, unless the app discovers features by itself, pass this to
 * `createApp({ features: [...] })`.
 *
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'stores',
  title: 'Stores',
  icon: <StorefrontIcon fontSize="inherit" />,
  info: { packageJson: () => import('../package.json') },
  routes: {
    root: rootRouteRef,
    store: storeRouteRef,
  },
  externalRoutes: {
    createStore: createStoreTemplateRouteRef,
  },
  extensions: [storesApi, storesPage, entityStoreContent, entityStoreCard],
});
