import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createStoresCreateAction } from './actions/storesCreate';
import { createStoresDeleteAction } from './actions/storesDelete';
import { createStoresWaitAction } from './actions/storesWait';

/**
 * Adds the `stores:create`, `stores:wait` and `stores:delete` actions to the
 * scaffolder.
 *
 * @public
 */
export const scaffolderModuleStores = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'stores',
  register({ registerInit }) {
    registerInit({
      deps: {
        scaffolderActions: scaffolderActionsExtensionPoint,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
      },
      async init({ scaffolderActions, discovery, auth }) {
        const options = { discovery, auth };
        scaffolderActions.addActions(
          createStoresCreateAction(options),
          createStoresWaitAction(options),
          createStoresDeleteAction(options),
        );
      },
    });
  },
});
