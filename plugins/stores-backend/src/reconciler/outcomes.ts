import { LoggerService } from '@backstage/backend-plugin-api';
import { Store } from '@stores-for-backstage/plugin-stores-common';
import { StoresDatabase } from '../database/StoresDatabase';
import { StoresMetrics } from '../metrics';
import {
  ProvisionedStore,
  ProvisioningError,
  StoreProvisioner,
} from '../provisioning/StoreProvisioner';
import { Backoff } from './backoff';
import { StoreLeases } from './leases';

/** A duration for a person: minutes, or seconds below one minute. */
export function minutes(ms: number) {
  const [n, unit] =
    ms < 60_000
      ? [Math.round(ms / 1000), 'second']
      : [Math.round(ms / 60_000), 'minute'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/**
 * Records how work on a store ended: its new status and reason, the timeline
 * event and the metrics. Writes that end a worker's attempt hold only while this
 * instance still holds the store's lease.
 */
export class StoreOutcomes {
  constructor(
    private readonly options: {
      database: StoresDatabase;
      provisioner: StoreProvisioner;
      leases: StoreLeases;
      backoff: Backoff;
      logger: LoggerService;
      metrics?: StoresMetrics;
      /** Identifies this backend instance in leases. */
      instanceId: string;
      provisioningTimeoutMs: number;
      keepFailedStores: boolean;
    },
  ) {}

  /** The store is provisioned; `attemptStarted` is when this attempt's status began. */
  async ready(store: Store, result: ProvisionedStore, attemptStarted: number) {
    const { database, backoff, instanceId, metrics } = this.options;
    const duration = Date.now() - new Date(store.createdAt).getTime();
    const ready = await database.transition(store.id, {
      from: 'provisioning',
      to: 'ready',
      leaseOwner: instanceId,
      patch: {
        statusReason: undefined,
        storefrontUrl: result.storefrontUrl,
        adminUrl: result.adminUrl,
        chartVersion: result.chartVersion,
        readyAt: new Date().toISOString(),
        observedGeneration: store.generation,
      },
      event: {
        type: 'ready',
        message: 'Store is ready',
        durationMs: Date.now() - attemptStarted,
      },
    });
    backoff.clear(store.id);
    if (ready && !store.readyAt) {
      metrics?.provisioningDuration.record(duration / 1000, {
        engine: store.engine,
      });
    }
  }

  /** Records a failed attempt; a store that was never ready is cleaned up first. */
  async failed(store: Store, message: string, detail?: string) {
    const { database, provisioner, leases, instanceId, metrics } = this.options;
    metrics?.failures.add(1, { engine: store.engine, phase: 'provisioning' });
    let cleanup = '';
    if (!store.readyAt && !this.options.keepFailedStores) {
      try {
        const outcome = await provisioner.teardown(store, {
          signal: AbortSignal.timeout(5 * 60_000),
          report: event => database.addEvent(store.id, event),
          guard: leases.guard(store),
        });
        if (outcome === 'removed') {
          cleanup = ' Its namespace and release were removed.';
        }
      } catch (error) {
        cleanup = ` Cleaning up failed too: ${(error as Error).message}.`;
      }
    } else if (this.options.keepFailedStores) {
      cleanup = ` Its namespace ${store.namespace} was kept for debugging.`;
    }
    const reason = `${message.replace(
      /\.+$/,
      '',
    )}.${cleanup} Retry the store once the cause is fixed.`;
    await database.transition(store.id, {
      from: 'provisioning',
      to: 'failed',
      leaseOwner: instanceId,
      patch: { statusReason: reason },
      event: { type: 'failed', message: reason, detail },
    });
  }

  /** Fails a store left in provisioning, by a worker that is gone, past the timeout. */
  async stuck(store: Store, age: number) {
    const { database, metrics, provisioningTimeoutMs } = this.options;
    const reason = `Provisioning did not finish within ${minutes(
      provisioningTimeoutMs,
    )} (stuck for ${minutes(
      age,
    )}). Open the timeline to see the last step, then retry or delete the store.`;
    const failed = await database.transition(store.id, {
      from: 'provisioning',
      to: 'failed',
      patch: { statusReason: reason },
      event: { type: 'failed', message: reason },
    });
    if (failed) {
      metrics?.failures.add(1, { engine: store.engine, phase: 'timeout' });
    }
  }

  /** Fails a ready store whose namespace or release drifted, when it is not healed. */
  async drifted(store: Store, drift: string) {
    const { database, metrics } = this.options;
    await database.transition(store.id, {
      from: 'ready',
      to: 'failed',
      patch: {
        statusReason: `${drift}. Retry the store to provision it again, or delete it.`,
      },
      event: { type: 'drift', message: drift },
    });
    metrics?.failures.add(1, { engine: store.engine, phase: 'drift' });
  }

  /** The store is torn down (or there was nothing to tear down, as `message` says). */
  async deleted(store: Store, message: string) {
    const { database, backoff, instanceId } = this.options;
    backoff.clear(store.id);
    await database.transition(store.id, {
      from: 'deleting',
      to: 'deleted',
      leaseOwner: instanceId,
      patch: { deletedAt: new Date().toISOString() },
      event: {
        type: 'deleted',
        message,
        durationMs: Date.now() - new Date(store.statusChangedAt).getTime(),
      },
    });
  }

  /** Tearing the store down failed; deleting it again retries. */
  async deletionFailed(store: Store, message: string, detail?: string) {
    const { database, instanceId, metrics } = this.options;
    metrics?.failures.add(1, { engine: store.engine, phase: 'deletion' });
    await database.transition(store.id, {
      from: 'deleting',
      to: 'failed',
      leaseOwner: instanceId,
      patch: { statusReason: `${message}. Delete the store again to retry.` },
      event: { type: 'failed', message, detail },
    });
  }

  /**
   * The cluster (or the database) was away: the store keeps its status, the lease is
   * given back, and the work is tried again after a pause that doubles each time (up to
   * a minute), until the provisioning or deletion timeout.
   */
  async pause(store: Store, error: Error) {
    const { database, backoff, leases, logger } = this.options;
    const waitMs = backoff.pause(store.id);
    logger.warn(
      `Store ${store.name}: ${error.message}; trying again in ${
        waitMs / 1000
      } s`,
    );
    await database
      .addEvent(store.id, {
        type: 'interrupted',
        message: `${error.message.replace(/\.+$/, '')}. Trying again in ${
          waitMs / 1000
        } s.`,
        detail: (error as ProvisioningError).detail,
      })
      .catch(() => {}); // the database may be the one that is away
    await leases.release(store.id).catch(() => {}); // then the lease lapses by itself
  }
}
