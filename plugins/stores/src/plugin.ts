import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { JSX } from 'react';
import { storesApiRef, StoresClient } from './api';
import type { EntityStoreCardProps } from './components/EntityStore';
import {
  createStoreTemplateRouteRef,
  rootRouteRef,
  storeRouteRef,
} from './routes';

/**
 * The stores plugin: pages to follow and manage self-service stores, and
 * catalog entity content for them.
 *
 * @public
 */
export const storesPlugin = createPlugin({
  id: 'stores',
  apis: [
    createApiFactory({
      api: storesApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new StoresClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: {
    root: rootRouteRef,
    store: storeRouteRef,
  },
  externalRoutes: {
    createStore: createStoreTemplateRouteRef,
  },
});

/**
 * The stores list with each store's page below it (`/stores/:name`).
 *
 * @public
 */
export const StoresPage: () => JSX.Element = storesPlugin.provide(
  createRoutableExtension({
    name: 'StoresPage',
    component: () => import('./components/Router').then(m => m.Router),
    mountPoint: rootRouteRef,
  }),
);

/**
 * The "Store" tab of a store's catalog entity.
 *
 * @public
 */
export const EntityStoreContent: () => JSX.Element = storesPlugin.provide(
  createComponentExtension({
    name: 'EntityStoreContent',
    component: {
      lazy: () =>
        import('./components/EntityStore').then(m => m.EntityStoreContent),
    },
  }),
);

/**
 * An overview card for a store's catalog entity.
 *
 * @public
 */
export const EntityStoreCard: (props: EntityStoreCardProps) => JSX.Element =
  storesPlugin.provide(
    createComponentExtension({
      name: 'EntityStoreCard',
      component: {
        lazy: () =>
          import('./components/EntityStore').then(m => m.EntityStoreCard),
      },
    }),
  );
