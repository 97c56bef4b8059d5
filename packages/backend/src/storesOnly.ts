/*
 * The stores plugin and only what it needs (guest sign-in for users, the built-in
 * engines): a backend that is up in seconds, for the fault trials in packages/e2e, which
 * kill it like a crash and start it again many times. Not the portal (that is index.ts).
 * Run with the Backstage CLI's Node transform, from this package's directory:
 *   node --require @backstage/cli/config/nodeTransform.cjs src/storesOnly.ts --config ...
 */
import { createBackend } from '@backstage/backend-defaults';
import {
  storesModuleMedusa,
  storesModuleWooCommerce,
} from '@stores-for-backstage/plugin-stores-backend';

const backend = createBackend();
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
backend.add(import('@stores-for-backstage/plugin-stores-backend'));
backend.add(storesModuleWooCommerce);
backend.add(storesModuleMedusa);
backend.start();
