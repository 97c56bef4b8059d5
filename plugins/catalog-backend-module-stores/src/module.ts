import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { STORE_CHANGED_TOPIC } from '@stores-for-backstage/plugin-stores-common';
import { StoresEntityProvider } from './provider/StoresEntityProvider';

/**
 * Makes each store a Component entity in the catalog.
 *
 * @public
 */
export const catalogModuleStores = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'stores',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
        events: eventsServiceRef,
        catalog: catalogProcessingExtensionPoint,
      },
      async init({
        config,
        logger,
        scheduler,
        discovery,
        auth,
        events,
        catalog,
      }) {
        const provider = StoresEntityProvider.fromConfig(config, {
          logger,
          scheduler,
          discovery,
          auth,
        });
        catalog.addEntityProvider(provider);

        // Show a change in the catalog now rather than at the next scheduled refresh.
        await events.subscribe({
          id: 'stores-entity-provider',
          topics: [STORE_CHANGED_TOPIC],
          onEvent: () => provider.refresh(),
        });
      },
    });
  },
});
