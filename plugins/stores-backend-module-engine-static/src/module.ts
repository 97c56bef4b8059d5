import { createBackendModule } from '@backstage/backend-plugin-api';
import { storesEnginesExtensionPoint } from '@stores-for-backstage/plugin-stores-node';
import { staticEngine } from './staticEngine';

/**
 * Adds the static storefront engine to the stores backend.
 *
 * @public
 */
export const storesModuleEngineStatic = createBackendModule({
  pluginId: 'stores',
  moduleId: 'engine-static',
  register(reg) {
    reg.registerInit({
      deps: { engines: storesEnginesExtensionPoint },
      async init({ engines }) {
        engines.addEngine(staticEngine);
      },
    });
  },
});
