import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { StoresDatabase } from './database/StoresDatabase';
import { createRouter } from './router';

/**
 * The stores backend plugin: records stores, provisions them on Kubernetes and
 * serves `/api/stores`.
 *
 * @public
 */
export const storesPlugin = createBackendPlugin({
  pluginId: 'stores',
  register(env) {
    env.registerInit({
      deps: {
        database: coreServices.database,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
      },
      async init({ database, httpAuth, httpRouter }) {
        const storesDatabase = await StoresDatabase.create({ database });
        httpRouter.use(
          await createRouter({ httpAuth, database: storesDatabase }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
