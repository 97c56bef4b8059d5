/*
 * A backend with the stores plugin and nothing else it does not need (guest sign-in for
 * users, the built-in engines), started by the fault trials as a process of its own, so
 * that a trial can kill it like a crash and start it again in seconds. Run with the
 * Backstage CLI's Node transform:
 *   node --require @backstage/cli/config/nodeTransform.cjs storesBackend.ts --config ...
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
