import { createBackend } from '@backstage/backend-defaults';
import { mockServices } from '@backstage/backend-test-utils';
import { storesModuleMedusa, storesModuleWooCommerce } from '../src';

// The stores backend alone, for working on it: `yarn start` in this package.
// Requests need no token (mock auth); every caller is user:default/mock.
// Stores go to the cluster of the default kubeconfig unless the config you pass
// sets stores.clusters; for the project's test bed, see scripts/testbed-app-config.
//
//   curl localhost:7007/api/stores/engines
//   curl localhost:7007/api/stores/stores -H 'Content-Type: application/json' \
//     -d '{"name": "shop", "engine": "woocommerce"}'
//   curl localhost:7007/api/stores/stores/shop/events
const backend = createBackend();

backend.add(mockServices.auth.factory());
backend.add(mockServices.httpAuth.factory());
backend.add(import('../src'));
backend.add(storesModuleWooCommerce);
backend.add(storesModuleMedusa);

backend.start();
