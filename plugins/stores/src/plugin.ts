import {
  createPlugin,
  createRoutableExtension,
} from '@backstage/core-plugin-api';

import { rootRouteRef } from './routes';

export const storesPlugin = createPlugin({
  id: 'stores',
  routes: {
    root: rootRouteRef,
  },
});

export const StoresPage = storesPlugin.provide(
  createRoutableExtension({
    name: 'StoresPage',
    component: () =>
      import('./components/ExampleComponent').then(m => m.ExampleComponent),
    mountPoint: rootRouteRef,
  }),
);
