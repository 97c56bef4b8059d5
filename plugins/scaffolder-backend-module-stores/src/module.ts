import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createStoresCreateAction } from './actions/storesCreate';
import { createStoresDeleteAction } from './actions/storesDelete';
import { createStoresWaitAction } from './actions/storesWait';
import { StoreChanges } from './storeChanges';

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
        // The default factory serves it in every backend: without the stores
        // plugin in it, no change arrives and the waits poll.
        events: eventsServiceRef,
      },
      async init({ scaffolderActions, discovery, auth, events }) {
        const options = {
          discovery,
          auth,
          changes: await StoreChanges.subscribe(events),
        };
        scaffolderActions.addActions(
          createStoresCreateAction(options),
          createStoresWaitAction(options),
          createStoresDeleteAction(options),
        );
      },
    });
  },
});
