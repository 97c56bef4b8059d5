/*
 * The portal's backend: Backstage's core plugins, the stores plugin with its
 * engines, and its catalog and scaffolder modules. What each part is for is in
 * this package's README.
 */

import { createBackend } from '@backstage/backend-defaults';
import {
  storesModuleMedusa,
  storesModuleWooCommerce,
} from '@stores-for-backstage/plugin-stores-backend';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-proxy-backend'));

// scaffolder plugin
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-github'));
backend.add(
  import('@backstage/plugin-scaffolder-backend-module-notifications'),
);

// techdocs plugin
backend.add(import('@backstage/plugin-techdocs-backend'));

// auth plugin
backend.add(import('@backstage/plugin-auth-backend'));
// OpenID Connect, and guest sign-in where it's configured (never in production by accident)
backend.add(import('./auth'));

// catalog plugin
backend.add(import('@backstage/plugin-catalog-backend'));
// each store becomes a catalog entity
backend.add(
  import('@stores-for-backstage/plugin-catalog-backend-module-stores'),
);
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);

// See https://backstage.io/docs/features/software-catalog/configuration#subscribing-to-catalog-errors
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));

// permission plugin
backend.add(import('@backstage/plugin-permission-backend'));
// Owners manage their stores, `permission.admins` manage all of them.
backend.add(import('./permissionPolicy'));

// search plugin
backend.add(import('@backstage/plugin-search-backend'));

// search engine
// See https://backstage.io/docs/features/search/search-engines
backend.add(import('@backstage/plugin-search-backend-module-pg'));

// search collators
backend.add(import('@backstage/plugin-search-backend-module-catalog'));
backend.add(import('@backstage/plugin-search-backend-module-techdocs'));

// kubernetes plugin
backend.add(import('@backstage/plugin-kubernetes-backend'));

// user settings plugin
backend.add(import('@backstage/plugin-user-settings-backend'));

// notifications and signals plugins
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

// mcp actions plugin
backend.add(import('@backstage/plugin-mcp-actions-backend'));

// stores plugin, with its two built-in engines
backend.add(import('@stores-for-backstage/plugin-stores-backend'));
backend.add(storesModuleWooCommerce);
backend.add(storesModuleMedusa);
// the example engine module with its own chart: the one to copy for an engine of your own
backend.add(
  import('@stores-for-backstage/plugin-stores-backend-module-engine-static'),
);
backend.add(
  import('@stores-for-backstage/plugin-scaffolder-backend-module-stores'),
);

backend.start();
