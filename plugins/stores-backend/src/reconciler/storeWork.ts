import { LoggerService } from '@backstage/backend-plugin-api';
import { Store } from '@stores-for-backstage/plugin-stores-common';
import { NewStoreEvent, StoresDatabase } from '../database/StoresDatabase';
import {
  ProvisioningError,
  StoreProvisioner,
} from '../provisioning/StoreProvisioner';
import { ClusterRegistry } from '../provisioning/registries';
import { isTransient } from '../provisioning/transientErrors';
import { StoreLeases } from './leases';
import { minutes, StoreOutcomes } from './outcomes';

/** Why a worker is stopped when the backend stops: its store is left for the next start. */
export const SHUTDOWN = 'the backend is shutting down';
/** Why provisioning is stopped when its store is deleted meanwhile. */
export const CANCELLED = 'the store is being deleted';
/** Why a worker is stopped once the provisioning timeout has passed. */
const TIMEOUT = 'timeout';

/**
 * What a worker does on its store: runs the provisioner's provision or teardown
 * under the store's lease and the provisioning timeout, and records how it ended.
 * Aborting the worker's controller stops it: on shutdown the lease is given back,
 * on a lost lease or cancellation the work is left to whoever carries on.
 */
export class StoreWork {
  constructor(
    private readonly options: {
      database: StoresDatabase;
      provisioner: StoreProvisioner;
      clusters: ClusterRegistry;
      leases: StoreLeases;
      outcomes: StoreOutcomes;
      logger: LoggerService;
      provisioningTimeoutMs: number;
    },
  ) {}

  async provision(store: Store, controller: AbortController): Promise<void> {
    const { provisioner, leases, outcomes } = this.options;
    const attemptStarted = new Date(store.statusChangedAt).getTime();
    await this.run(store, controller, {
      // the timeout counts from the attempt's start, across restarts
      startedAt: attemptStarted,
      work: async () => {
        const result = await provisioner.provision(store, {
          signal: controller.signal,
          report: this.report(store),
          guard: leases.guard(store),
        });
        await outcomes.ready(store, result, attemptStarted);
      },
      timedOut: 'Provisioning did not finish',
      failed: (message, detail) => outcomes.failed(store, message, detail),
    });
  }

  async teardown(store: Store, controller: AbortController): Promise<void> {
    const { provisioner, clusters, leases, outcomes } = this.options;
    await this.run(store, controller, {
      startedAt: Date.now(),
      work: async () => {
        let message = 'Store deleted';
        if (clusters.has(store.cluster)) {
          await provisioner.teardown(store, {
            signal: controller.signal,
            report: this.report(store),
            guard: leases.guard(store),
          });
        } else if (await this.madeAnything(store)) {
          throw new Error(
            `The cluster '${store.cluster}' is no longer configured, and the store's namespace was made there. Configure the cluster again to delete it, or an admin can forget the store`,
          );
        } else {
          message = `Store deleted; nothing of it was ever made in the cluster '${store.cluster}' (no longer configured), so there was nothing to tear down`;
        }
        await outcomes.deleted(store, message);
      },
      timedOut: 'Deletion did not finish',
      failed: (message, detail) =>
        outcomes.deletionFailed(
          store,
          controller.signal.aborted ? message : `Deletion failed: ${message}`,
          detail,
        ),
    });
  }

  /**
   * Runs a store's work under the provisioning timeout and sorts out how it ended:
   * on shutdown the lease is given back; on a lost lease or cancellation the work
   * is left to whoever carries on; a transient error pauses the store; anything
   * else, or the timeout, is a failure.
   */
  private async run(
    store: Store,
    controller: AbortController,
    how: {
      startedAt: number;
      work: () => Promise<void>;
      /** What a failure says when the timeout stopped the work. */
      timedOut: string;
      failed: (message: string, detail?: string) => Promise<void>;
    },
  ): Promise<void> {
    const { leases, outcomes, logger, provisioningTimeoutMs } = this.options;
    const remaining = provisioningTimeoutMs - (Date.now() - how.startedAt);
    const timeout = setTimeout(
      () => controller.abort(new Error(TIMEOUT)),
      Math.max(remaining, 0),
    );
    try {
      await how.work();
    } catch (error) {
      const reason = controller.signal.reason as Error | undefined;
      if (controller.signal.aborted && reason?.message === SHUTDOWN) {
        // Leave the store as it is; the next start resumes it at once.
        await leases.release(store.id);
        return;
      }
      if (controller.signal.aborted && reason?.message !== TIMEOUT) {
        logger.warn(
          `Stopped working on store ${store.name}: ${reason?.message}`,
        );
        return; // the lease went to someone else, who carries on
      }
      if (!controller.signal.aborted && isTransient(error)) {
        await outcomes.pause(store, error as Error);
        return;
      }
      const message = controller.signal.aborted
        ? `${how.timedOut} within ${minutes(provisioningTimeoutMs)}`
        : (error as Error).message;
      await how.failed(message, (error as ProvisioningError).detail);
    } finally {
      clearTimeout(timeout);
    }
  }

  /** Records the provisioner's steps on the store's timeline. */
  private report(store: Store) {
    return (event: NewStoreEvent) =>
      this.options.database.addEvent(store.id, event);
  }

  /** Whether any attempt got as far as making the store's namespace. */
  private async madeAnything(store: Store): Promise<boolean> {
    const events = await this.options.database.listEvents(store.id);
    return events.some(e => e.type === 'namespace-created');
  }
}
