import { LoggerService } from '@backstage/backend-plugin-api';
import { Store, StoreStatus } from '@stores-for-backstage/plugin-stores-common';
import { NewStoreEvent, StoresDatabase } from '../database/StoresDatabase';

/** Why work stops when another worker may now own its store. */
export const LEASE_LOST = 'the lease on the store was lost';

/**
 * This backend instance's leases on stores: a worker holds one on its store so
 * several backend replicas never work on the same store, and a dead worker's
 * work resumes once its lease lapses.
 */
export class StoreLeases {
  constructor(
    private readonly options: {
      database: StoresDatabase;
      /** Identifies this backend instance in leases. */
      instanceId: string;
      /** How long a lease lasts without renewal. */
      leaseMs: number;
      logger: LoggerService;
    },
  ) {}

  /** Takes the store's lease and moves it from `from` to `to`; undefined when another holds it. */
  claim(
    storeId: string,
    move: { from: StoreStatus; to: StoreStatus; event?: NewStoreEvent },
  ): Promise<Store | undefined> {
    const { database, instanceId, leaseMs } = this.options;
    return database.claim(storeId, { ...move, owner: instanceId, leaseMs });
  }

  /** Gives the lease back without changing the store, so work on it may resume at once. */
  release(storeId: string): Promise<void> {
    return this.options.database.releaseLease(storeId, this.options.instanceId);
  }

  /**
   * Renews the worker's lease every quarter lease while it works; clear the
   * returned interval when the work ends. A lease found taken stops the work at
   * once; one that cannot be renewed (the database is away) stops it once half the
   * lease has passed without a renewal, well before another replica could take it.
   */
  keep(
    store: Store,
    controller: AbortController,
  ): ReturnType<typeof setInterval> {
    const { database, instanceId, leaseMs, logger } = this.options;
    let renewedAt = Date.now();
    return setInterval(() => {
      database
        .renewLease(store.id, instanceId, leaseMs)
        .then(held => {
          if (held) renewedAt = Date.now();
          else controller.abort(new Error(LEASE_LOST));
        })
        .catch(error => {
          if (Date.now() - renewedAt >= leaseMs / 2) {
            controller.abort(
              new Error(
                `the lease on the store could not be renewed: ${error}`,
              ),
            );
          } else {
            logger.warn(`Could not renew the lease on ${store.name}: ${error}`);
          }
        });
    }, leaseMs / 4);
  }

  /**
   * Checks, by renewing it, that this worker still holds the store's lease: run
   * before each destructive step, so nothing is uninstalled or deleted by a worker
   * whose store another replica may now own.
   */
  guard(store: Store): () => Promise<void> {
    return async () => {
      const { database, instanceId, leaseMs } = this.options;
      const held = await database.renewLease(store.id, instanceId, leaseMs);
      if (!held) throw new Error(LEASE_LOST);
    };
  }
}
