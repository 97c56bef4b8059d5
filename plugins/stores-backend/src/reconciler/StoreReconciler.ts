import { LoggerService } from '@backstage/backend-plugin-api';
import { Store, StoreStatus } from '@stores-for-backstage/plugin-stores-common';
import { StoreLease, StoresDatabase } from '../database/StoresDatabase';
import { StoresMetrics } from '../metrics';
import { Helm } from '../provisioning/Helm';
import { StoreProvisioner } from '../provisioning/StoreProvisioner';
import { ClusterRegistry } from '../provisioning/registries';
import { Backoff } from './backoff';
import { Drift, StoreHealth } from './health';
import { StoreLeases } from './leases';
import { StoreOutcomes } from './outcomes';
import { CANCELLED, SHUTDOWN, StoreWork } from './storeWork';
import { Work, WorkerPool } from './workerPool';

type LiveStore = Store & StoreLease;

export interface StoreReconcilerOptions {
  database: StoresDatabase;
  provisioner: StoreProvisioner;
  clusters: ClusterRegistry;
  helm: Helm;
  logger: LoggerService;
  metrics?: StoresMetrics;
  /** Identifies this backend instance in leases. */
  instanceId: string;
  provisioningTimeoutMs: number;
  concurrency: number;
  keepFailedStores: boolean;
  healDrift: boolean;
  /** How long a lease lasts without renewal; a dead worker's work resumes after it. */
  leaseMs?: number;
}

/**
 * Compares the stores in the database with the clusters and does the work each
 * store needs: provisions requested stores, resumes work an exit interrupted,
 * fails work stuck past the timeout, notices and heals drift, and tears down
 * stores being deleted. A pass is cheap (one list of stores; the clusters are
 * read from their watches, so the API server is asked only about ready stores
 * whose workloads are not available); the work itself runs in workers that
 * hold a lease on their store, so several backend replicas never work on the
 * same store.
 *
 * This class decides, each pass, what every store needs and starts it; the pool
 * runs the workers (workerPool.ts), which hold leases (leases.ts) while they do
 * the work (storeWork.ts) and record how it ended (outcomes.ts), pausing after
 * an outage (backoff.ts). Ready stores get drift and health checks (health.ts).
 */
export class StoreReconciler {
  private readonly pool: WorkerPool;
  private readonly backoff: Backoff;
  private readonly leases: StoreLeases;
  private readonly health: StoreHealth;
  private readonly outcomes: StoreOutcomes;
  private readonly storeWork: StoreWork;
  private pass?: Promise<void>;
  private passAgain = false;
  private stopped = false;

  constructor(private readonly options: StoreReconcilerOptions) {
    const { database, provisioner, clusters, logger, metrics, instanceId } =
      options;
    this.pool = new WorkerPool({
      concurrency: options.concurrency,
      onSlotFree: () => this.trigger(),
    });
    this.backoff = new Backoff(() => this.trigger());
    this.leases = new StoreLeases({
      database,
      instanceId,
      leaseMs: options.leaseMs ?? 60_000,
      logger,
    });
    this.health = new StoreHealth({
      database,
      clusters,
      logger,
      onChange: () => this.trigger(),
    });
    this.outcomes = new StoreOutcomes({
      database,
      provisioner,
      leases: this.leases,
      backoff: this.backoff,
      logger,
      metrics,
      instanceId,
      provisioningTimeoutMs: options.provisioningTimeoutMs,
      keepFailedStores: options.keepFailedStores,
    });
    this.storeWork = new StoreWork({
      database,
      provisioner,
      clusters,
      leases: this.leases,
      outcomes: this.outcomes,
      logger,
      provisioningTimeoutMs: options.provisioningTimeoutMs,
    });
  }

  /**
   * Runs a pass soon; called after the API records work so it starts at once
   * instead of on the next scheduled pass.
   */
  trigger(): void {
    if (this.stopped) return;
    if (this.pass) {
      this.passAgain = true;
      return;
    }
    this.pass = (async () => {
      do {
        this.passAgain = false;
        try {
          await this.reconcile();
        } catch (error) {
          this.options.logger.error(`Stores reconciler pass failed: ${error}`);
        }
      } while (this.passAgain && !this.stopped);
    })().finally(() => {
      this.pass = undefined;
    });
  }

  /** Runs a pass now (or joins the running one) and waits for it, not for the work it starts. */
  async runPass(): Promise<void> {
    this.trigger();
    await this.pass;
  }

  /** Waits for the current pass and every worker it started; for tests and shutdown. */
  async settle(): Promise<void> {
    while (this.pass || this.pool.busy) {
      await Promise.all([this.pass, this.pool.current()]);
    }
  }

  /** Stops taking work, interrupts workers and gives their leases back. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pool.abortAll(new Error(SHUTDOWN));
    await this.settle();
  }

  /** One pass over every store that is not deleted. */
  async reconcile(): Promise<void> {
    if (this.stopped) return;
    const { database, logger } = this.options;
    const stores = await database.listLiveStores();
    const watched = this.health.watchedClusters(stores);
    // leases are judged by the database's clock, which every replica shares
    const dbNow = await database.now();
    const now = Date.now();

    for (const store of stores) {
      const worker = this.pool.get(store.id);
      if (worker) {
        // deleted while being provisioned: stop that work; teardown follows once it ends
        if (store.status === 'deleting' && worker.work === 'provision') {
          worker.controller.abort(new Error(CANCELLED));
        }
        continue;
      }
      if (this.backoff.isPaused(store.id, now)) continue;
      const leaseFree = StoresDatabase.isLeaseFree(store, dbNow);
      const age = now - new Date(store.statusChangedAt).getTime();
      try {
        switch (store.status) {
          case 'requested':
            this.startWork(store, 'provision', 'requested');
            break;
          case 'provisioning':
            if (!leaseFree) break; // a live worker elsewhere owns it
            if (age > this.options.provisioningTimeoutMs) {
              await this.outcomes.stuck(store, age);
            } else {
              this.startWork(store, 'provision', 'provisioning');
            }
            break;
          case 'deleting':
            if (leaseFree) this.startWork(store, 'teardown', 'deleting');
            break;
          case 'ready': {
            if (!watched.has(store.cluster)) break;
            const drift = await this.health.check(store);
            if (drift) await this.dealWithDrift(store, drift);
            break;
          }
          default:
            break;
        }
      } catch (error) {
        logger.warn(`Could not reconcile store ${store.name}: ${error}`);
      }
    }
  }

  /** Provisions a drifted store again when healing is on and can help; fails it otherwise. */
  private async dealWithDrift(store: LiveStore, drift: Drift) {
    if (this.options.healDrift && drift.healable) {
      const claimed = await this.leases.claim(store.id, {
        from: 'ready',
        to: 'provisioning',
        event: {
          type: 'drift',
          message: `${drift.message}; provisioning it again`,
        },
      });
      if (claimed) this.runWorker(claimed, 'provision');
    } else {
      await this.outcomes.drifted(store, drift.message);
    }
  }

  /** Claims the store and, when the claim holds, starts its worker. */
  private startWork(store: LiveStore, work: Work, from: StoreStatus) {
    if (this.pool.full) return; // a later pass takes it
    const to: StoreStatus = work === 'provision' ? 'provisioning' : 'deleting';
    // Someone held the lease before and it lapsed: that worker died mid-way.
    const interrupted = from === to && store.leaseOwner !== undefined;
    this.pool.reserve(store.id, work);
    const started = (async () => {
      // the slot is held only while the claim is asked; a claim that throws
      // (the database is away) must free it, or the store would wait for ever
      const claimed = await this.leases
        .claim(store.id, {
          from,
          to,
          event: interrupted
            ? {
                type: 'resumed',
                message: `Resumed ${
                  work === 'provision' ? 'provisioning' : 'deletion'
                } after an interruption`,
              }
            : undefined,
        })
        .finally(() => this.pool.unreserve(store.id));
      if (claimed && !this.stopped) this.runWorker(claimed, work);
      else if (claimed) await this.leases.release(store.id);
    })().catch(error =>
      this.options.logger.warn(`Could not claim store ${store.name}: ${error}`),
    );
    this.pool.track(started);
  }

  /** Starts the store's worker, which keeps renewing its lease while it works. */
  private runWorker(store: Store, work: Work) {
    this.pool.run(store.id, work, async controller => {
      const renew = this.leases.keep(store, controller);
      try {
        await (work === 'provision'
          ? this.storeWork.provision(store, controller)
          : this.storeWork.teardown(store, controller));
      } catch (error) {
        this.options.logger.error(
          `Unexpected error working on store ${store.name}: ${error}`,
        );
      } finally {
        clearInterval(renew);
      }
    });
  }
}
