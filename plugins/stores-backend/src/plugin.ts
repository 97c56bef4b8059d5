import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { metricsServiceRef } from '@backstage/backend-plugin-api/alpha';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import {
  STORE_CHANGED_TOPIC,
  storesPermissions,
} from '@stores-for-backstage/plugin-stores-common';
import {
  StoreEngine,
  storePermissionRules,
  storeResourceRef,
  storesEnginesExtensionPoint,
} from '@stores-for-backstage/plugin-stores-node';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { readStoresSettings } from './config';
import { StoresDatabase } from './database/StoresDatabase';
import { createStoresMetrics } from './metrics';
import { ClusterHealth } from './provisioning/ClusterHealth';
import { Helm } from './provisioning/Helm';
import { ClusterRegistry, EngineRegistry } from './provisioning/registries';
import { StoreProvisioner } from './provisioning/StoreProvisioner';
import { StoreReconciler } from './reconciler/StoreReconciler';
import { createRouter } from './router';
import { withDatabaseUnavailableAs503 } from './service/databaseUnavailable';
import { StoreNotifications } from './service/storeNotifications';
import { StoreSignals } from './service/storeSignals';
import { StoresService } from './service/StoresService';

/**
 * The stores backend plugin: records stores, provisions them on Kubernetes with
 * Helm, reconciles them, and serves `/api/stores`.
 *
 * @public
 */
export const storesPlugin = createBackendPlugin({
  pluginId: 'stores',
  register(env) {
    const engines: StoreEngine[] = [];
    env.registerExtensionPoint(storesEnginesExtensionPoint, {
      addEngine: engine => engines.push(engine),
    });

    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        userInfo: coreServices.userInfo,
        auditor: coreServices.auditor,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        scheduler: coreServices.scheduler,
        lifecycle: coreServices.lifecycle,
        metrics: metricsServiceRef,
        events: eventsServiceRef,
        // Both have default factories: without the signals or notifications
        // backend installed, signals reach no one and notifications fail, logged.
        signals: signalsServiceRef,
        notifications: notificationService,
      },
      async init(deps) {
        const { config, logger, scheduler, lifecycle } = deps;
        const settings = readStoresSettings(config);
        const database = await StoresDatabase.create({
          database: deps.database,
        });
        // The catalog module and the UI refresh when a store changes.
        database.onStoreChanged(store => {
          deps.events
            .publish({
              topic: STORE_CHANGED_TOPIC,
              eventPayload: { name: store.name, status: store.status },
            })
            .catch(error =>
              logger.warn(`Could not publish a store change: ${error}`),
            );
        });
        // Open pages refresh on signals; owners hear when a store is ready or failed.
        const storeSignals = new StoreSignals({
          signals: deps.signals,
          alsoTo: settings.signals.alsoTo,
          logger,
        });
        const storeNotifications = new StoreNotifications({
          notifications: deps.notifications,
          logger,
        });
        database.onActivity(activity => {
          storeSignals.publish(activity);
          storeNotifications.notify(activity);
        });
        const engineRegistry = new EngineRegistry(engines, settings.engines);
        const clusters = await ClusterRegistry.create(settings, { logger });
        const clusterHealth = new ClusterHealth(clusters, { logger });
        const helm = new Helm(settings.helm);
        const metrics = createStoresMetrics(deps.metrics, () =>
          database.countByStatus(),
        );
        const provisioner = new StoreProvisioner({
          engines: engineRegistry,
          clusters,
          helm,
          logger,
          checkStorefront: settings.provisioning.checkStorefront,
        });
        const reconciler = new StoreReconciler({
          database,
          provisioner,
          clusters,
          helm,
          logger,
          metrics,
          instanceId: `${os.hostname()}-${process.pid}-${randomUUID().slice(
            0,
            8,
          )}`,
          provisioningTimeoutMs: settings.provisioning.timeoutMs,
          concurrency: settings.provisioning.concurrency,
          keepFailedStores: settings.provisioning.keepFailedStores,
          healDrift: settings.reconciler.healDrift,
          leaseMs: settings.reconciler.leaseMs,
        });
        const service = new StoresService({
          database,
          permissions: deps.permissions,
          engines: engineRegistry,
          clusters,
          clusterHealth,
          provisioner,
          // read from the Secret the store's engine names, on demand
          credentials: {
            read: store => provisioner.readAdminCredentials(store),
          },
          limits: settings.limits,
          reservedNames: settings.reservedNames,
          metrics,
          onChange: () => reconciler.trigger(),
        });

        deps.permissionsRegistry.addResourceType({
          resourceRef: storeResourceRef,
          permissions: storesPermissions,
          rules: Object.values(storePermissionRules),
          getResources: ids => database.getStoresByIds(ids),
        });

        // The scheduled pass is the safety net; API changes start work at once.
        await scheduler.scheduleTask({
          id: 'stores-reconciler',
          frequency: settings.reconciler.frequency,
          // A pass only reads and claims (workers run outside it), so it is short; a
          // short timeout also frees the task soon when a backend dies mid-pass.
          timeout: { minutes: 1 },
          initialDelay: { seconds: 1 },
          // each pass also asks every cluster whether it answers
          fn: async () => {
            await Promise.all([reconciler.runPass(), clusterHealth.checkAll()]);
          },
        });
        lifecycle.addStartupHook(() => {
          reconciler.trigger();
          // at start: logs a cluster that does not answer, with what to do
          clusterHealth.checkAll().catch(() => {});
        });
        lifecycle.addShutdownHook(async () => {
          await reconciler.stop();
          await clusters.close();
        });

        // a database that is away answers 503, not 500
        deps.httpRouter.use(
          withDatabaseUnavailableAs503(
            await createRouter({
              httpAuth: deps.httpAuth,
              userInfo: deps.userInfo,
              auditor: deps.auditor,
              service,
              engines: engineRegistry,
              clusterHealth,
            }),
            logger,
          ),
        );
        deps.httpRouter.addAuthPolicy({
          path: '/health',
          allow: 'unauthenticated',
        });
      },
    });
  },
});
