import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  catalog?: {
    providers?: {
      /**
       * The stores entity provider, which makes each store of the stores backend
       * a Component entity.
       */
      stores?: {
        /**
         * How often the provider reads all stores from the stores backend and
         * replaces the store entities with them. A store change published on the
         * events topic `stores.store-changed` refreshes at once in addition.
         * Default: every 30 seconds, with a timeout of 1 minute.
         */
        schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
      };
    };
  };
}
