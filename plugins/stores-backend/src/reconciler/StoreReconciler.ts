import { LoggerService } from '@backstage/backend-plugin-api';
import { Store, StoreStatus } from '@stores-for-backstage/plugin-stores-common';
import {
  NewStoreEvent,
  StoreLease,
  StoresDatabase,
} from '../database/StoresDatabase';
import { StoresMetrics } from '../metrics';
import { Helm } from '../provisioning/Helm';
import { ObservedNamespace, StoreCluster } from '../provisioning/StoreCluster';
import {
  ProvisioningError,
  StoreProvisioner,
} from '../provisioning/StoreProvisioner';
import { ClusterRegistry } from '../provisioning/registries';
import { isTransient } from '../provisioning/transientErrors';
import {
  describeProblem,
  PROBLEM_HINTS,
} from '../provisioning/workloadProblems';

type LiveStore = Store & StoreLease;

/** What one pass saw of a cluster: a single list of namespaces and of releases. */
interface ClusterSnapshot {
  namespaces: Map<string, ObservedNamespace>;
  /** status of each ready store's release, by `<namespace>/<release>` */
  releases: Map<string, string>;
}

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

const SHUTDOWN = 'the backend is shutting down';
const CANCELLED = 'the store is being deleted';

/** A duration for a person: minutes, or seconds below one minute. */
function minutes(ms: number) {
  const [n, unit] =
    ms < 60_000
      ? [Math.round(ms / 1000), 'second']
      : [Math.round(ms / 60_000), 'minute'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/**
 * Compares the stores in the database with the clusters and does the work each
 * store needs: provisions requested stores, resumes work an exit interrupted,
 * fails work stuck past the timeout, notices and heals drift, and tears down
 * stores being deleted. A pass is cheap (one list of stores, one list of
 * namespaces and releases per cluster); the work itself runs in workers that
 * hold a lease on their store, so several backend replicas never work on the
 * same store.
 */
export class StoreReconciler {
  private readonly workers = new Map<
    string,
    { work: 'provision' | 'teardown'; controller: AbortController }
  >();
  private readonly running = new Set<Promise<void>>();
  /** Stores whose last attempt met a cluster or database that was away: when to try again. */
  private readonly backoff = new Map<
    string,
    { attempts: number; until: number }
  >();
  private pass?: Promise<void>;
  private passAgain = false;
  private stopped = false;

  constructor(private readonly options: StoreReconcilerOptions) {}

  private get leaseMs() {
    return this.options.leaseMs ?? 60_000;
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
    while (this.pass || this.running.size > 0) {
      await Promise.all([this.pass, ...this.running]);
    }
  }

  /** Stops taking work, interrupts workers and gives their leases back. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const { controller } of this.workers.values()) {
      controller.abort(new Error(SHUTDOWN));
    }
    await this.settle();
  }

  /** One pass over every store that is not deleted. */
  async reconcile(): Promise<void> {
    if (this.stopped) return;
    const { database, logger } = this.options;
    const stores = await database.listLiveStores();
    const snapshots = await this.snapshotClusters(stores);
    // leases are judged by the database's clock, which every replica shares
    const dbNow = await database.now();
    const now = Date.now();

    for (const store of stores) {
      const worker = this.workers.get(store.id);
      if (worker) {
        // deleted while being provisioned: stop that work; teardown follows once it ends
        if (store.status === 'deleting' && worker.work === 'provision') {
          worker.controller.abort(new Error(CANCELLED));
        }
        continue;
      }
      if ((this.backoff.get(store.id)?.until ?? 0) > now) continue;
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
              await this.failStuck(store, age);
            } else {
              this.startWork(store, 'provision', 'provisioning');
            }
            break;
          case 'deleting':
            if (leaseFree) this.startWork(store, 'teardown', 'deleting');
            break;
          case 'ready': {
            const snapshot = snapshots.get(store.cluster);
            if (snapshot && !(await this.checkDrift(store, snapshot))) {
              await this.checkHealth(store);
            }
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

  private async snapshotClusters(
    stores: LiveStore[],
  ): Promise<Map<string, ClusterSnapshot>> {
    const snapshots = new Map<string, ClusterSnapshot>();
    const clusters = new Set(
      stores.filter(s => s.status === 'ready').map(s => s.cluster),
    );
    for (const name of clusters) {
      let cluster: StoreCluster;
      try {
        cluster = this.options.clusters.get(name);
        const namespaces = await cluster.listStoreNamespaces();
        // One read per ready store whose namespace is there: release records are Secrets,
        // which the backend may read inside store namespaces only.
        const releases = new Map<string, string>();
        const ready = stores.filter(
          s =>
            s.status === 'ready' &&
            s.cluster === name &&
            namespaces.has(s.namespace),
        );
        await Promise.all(
          ready.map(async s => {
            const status = await cluster.releaseStatus(s.namespace, s.name);
            if (status) releases.set(`${s.namespace}/${s.name}`, status);
          }),
        );
        snapshots.set(name, { namespaces, releases });
      } catch (error) {
        // Without a reliable view of the cluster, drift cannot be told apart from an outage.
        this.options.logger.warn(
          `Skipping drift checks on cluster ${name} this pass: ${error}`,
        );
      }
    }
    return snapshots;
  }

  /** Returns true when it found drift (and dealt with it). */
  private async checkDrift(
    store: LiveStore,
    snapshot: ClusterSnapshot,
  ): Promise<boolean> {
    const namespace = snapshot.namespaces.get(store.namespace);
    const release = snapshot.releases.get(`${store.namespace}/${store.name}`);
    let drift: string | undefined;
    if (!namespace || namespace.storeId !== store.id) {
      drift = `Namespace ${store.namespace} is gone`;
    } else if (namespace.terminating) {
      drift = `Namespace ${store.namespace} is being deleted outside the portal`;
    } else if (!release) {
      drift = `Release ${store.name} is gone`;
    } else if (release === 'failed') {
      drift = `Release ${store.name} is in status failed`;
    }
    if (!drift) return false;

    const { database, healDrift } = this.options;
    if (healDrift && !namespace?.terminating) {
      const claimed = await database.claim(store.id, {
        from: 'ready',
        to: 'provisioning',
        owner: this.options.instanceId,
        leaseMs: this.leaseMs,
        event: { type: 'drift', message: `${drift}; provisioning it again` },
      });
      if (claimed) this.runWorker(claimed, 'provision');
    } else {
      await database.transition(store.id, {
        from: 'ready',
        to: 'failed',
        patch: {
          statusReason: `${drift}. Retry the store to provision it again, or delete it.`,
        },
        event: { type: 'drift', message: drift },
      });
      this.options.metrics?.failures.add(1, {
        engine: store.engine,
        phase: 'drift',
      });
    }
    return true;
  }

  /**
   * A ready store whose workloads stop being available is degraded, with the reason
   * the cluster gives; it is ready again once they recover. Each change goes on the
   * timeline.
   */
  private async checkHealth(store: LiveStore) {
    const { database, clusters } = this.options;
    const cluster = clusters.get(store.cluster);
    const status = await cluster.workloadStatus(store.namespace, store.name);
    if (status.ready) {
      if (store.degradedReason) {
        await database.setDegraded(store.id, undefined, {
          type: 'recovered',
          message: 'Every Deployment and StatefulSet is available again',
        });
      }
      return;
    }
    const [problem] = await cluster.workloadProblems(
      store.namespace,
      new Date(store.degradedSince ?? store.readyAt ?? store.statusChangedAt),
    );
    const reason = problem
      ? describeProblem(problem)
      : `Not available: ${status.pending.join(', ') || 'no workloads'}`;
    if (reason === store.degradedReason) return;
    await database.setDegraded(store.id, reason, {
      type: 'degraded',
      message: problem?.message ?? reason,
      detail: problem ? PROBLEM_HINTS[problem.kind] : undefined,
    });
  }

  private async failStuck(store: LiveStore, age: number) {
    const reason = `Provisioning did not finish within ${minutes(
      this.options.provisioningTimeoutMs,
    )} (stuck for ${minutes(
      age,
    )}). Open the timeline to see the last step, then retry or delete the store.`;
    const failed = await this.options.database.transition(store.id, {
      from: 'provisioning',
      to: 'failed',
      patch: { statusReason: reason },
      event: { type: 'failed', message: reason },
    });
    if (failed) {
      this.options.metrics?.failures.add(1, {
        engine: store.engine,
        phase: 'timeout',
      });
    }
  }

  /** Claims the store and, when the claim holds, starts its worker. */
  private startWork(
    store: LiveStore,
    work: 'provision' | 'teardown',
    from: StoreStatus,
  ) {
    if (this.workers.size >= this.options.concurrency) return; // a later pass takes it
    const to: StoreStatus = work === 'provision' ? 'provisioning' : 'deleting';
    // Someone held the lease before and it lapsed: that worker died mid-way.
    const interrupted = from === to && store.leaseOwner !== undefined;
    // reserve the slot while claiming
    this.workers.set(store.id, { work, controller: new AbortController() });
    const started = (async () => {
      const claimed = await this.options.database.claim(store.id, {
        from,
        to,
        owner: this.options.instanceId,
        leaseMs: this.leaseMs,
        event: interrupted
          ? {
              type: 'resumed',
              message: `Resumed ${
                work === 'provision' ? 'provisioning' : 'deletion'
              } after an interruption`,
            }
          : undefined,
      });
      this.workers.delete(store.id);
      if (claimed && !this.stopped) this.runWorker(claimed, work);
      else if (claimed) {
        await this.options.database.releaseLease(
          store.id,
          this.options.instanceId,
        );
      }
    })().catch(error =>
      this.options.logger.warn(`Could not claim store ${store.name}: ${error}`),
    );
    this.track(started);
  }

  private runWorker(store: Store, work: 'provision' | 'teardown') {
    const controller = new AbortController();
    this.workers.set(store.id, { work, controller });
    const renew = this.keepLease(store, controller);
    const done = (
      work === 'provision'
        ? this.provision(store, controller)
        : this.teardown(store, controller)
    )
      .catch(error =>
        this.options.logger.error(
          `Unexpected error working on store ${store.name}: ${error}`,
        ),
      )
      .finally(() => {
        clearInterval(renew);
        this.workers.delete(store.id);
        this.trigger(); // a slot is free: waiting stores can start
      });
    this.track(done);
  }

  /**
   * Renews the worker's lease while it works. A lease found taken stops the work at
   * once; one that cannot be renewed (the database is away) stops it once half the
   * lease has passed without a renewal, well before another replica could take it.
   */
  private keepLease(store: Store, controller: AbortController) {
    const { database, instanceId, logger } = this.options;
    let renewedAt = Date.now();
    return setInterval(() => {
      database
        .renewLease(store.id, instanceId, this.leaseMs)
        .then(held => {
          if (held) renewedAt = Date.now();
          else controller.abort(new Error('the lease on the store was lost'));
        })
        .catch(error => {
          if (Date.now() - renewedAt >= this.leaseMs / 2) {
            controller.abort(
              new Error(
                `the lease on the store could not be renewed: ${error}`,
              ),
            );
          } else {
            logger.warn(`Could not renew the lease on ${store.name}: ${error}`);
          }
        });
    }, this.leaseMs / 4);
  }

  /**
   * Checks, by renewing it, that this worker still holds the store's lease: run
   * before each destructive step, so nothing is uninstalled or deleted by a worker
   * whose store another replica may now own.
   */
  private leaseGuard(store: Store) {
    return async () => {
      const held = await this.options.database.renewLease(
        store.id,
        this.options.instanceId,
        this.leaseMs,
      );
      if (!held) throw new Error('the lease on the store was lost');
    };
  }

  private track(work: Promise<void>) {
    this.running.add(work);
    work.finally(() => this.running.delete(work));
  }

  private report(store: Store) {
    return (event: NewStoreEvent) =>
      this.options.database.addEvent(store.id, event);
  }

  private async provision(store: Store, controller: AbortController) {
    const { database, provisioner, instanceId, logger, metrics } = this.options;
    const attemptStarted = new Date(store.statusChangedAt).getTime();
    const remaining =
      this.options.provisioningTimeoutMs - (Date.now() - attemptStarted);
    const timeout = setTimeout(
      () => controller.abort(new Error('timeout')),
      Math.max(remaining, 0),
    );
    try {
      const result = await provisioner.provision(store, {
        signal: controller.signal,
        report: this.report(store),
        guard: this.leaseGuard(store),
      });
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
      this.backoff.delete(store.id);
      if (ready && !store.readyAt) {
        metrics?.provisioningDuration.record(duration / 1000, {
          engine: store.engine,
        });
      }
    } catch (error) {
      const reason = controller.signal.reason as Error | undefined;
      if (controller.signal.aborted && reason?.message === SHUTDOWN) {
        // Leave the store as it is; the next start resumes it at once.
        await database.releaseLease(store.id, instanceId);
        return;
      }
      if (controller.signal.aborted && reason?.message !== 'timeout') {
        logger.warn(
          `Stopped working on store ${store.name}: ${reason?.message}`,
        );
        return; // the lease went to someone else, who carries on
      }
      if (!controller.signal.aborted && isTransient(error)) {
        await this.pause(store, error as Error);
        return;
      }
      const message = controller.signal.aborted
        ? `Provisioning did not finish within ${minutes(
            this.options.provisioningTimeoutMs,
          )}`
        : (error as Error).message;
      await this.fail(store, message, (error as ProvisioningError).detail);
    } finally {
      clearTimeout(timeout);
    }
  }

  /**
   * The cluster (or the database) was away: the store keeps its status, the lease is
   * given back, and the work is tried again after a pause that doubles each time (up to
   * a minute), until the provisioning or deletion timeout.
   */
  private async pause(store: Store, error: Error) {
    const attempts = (this.backoff.get(store.id)?.attempts ?? 0) + 1;
    const waitMs = Math.min(2_000 * 2 ** (attempts - 1), 60_000);
    this.backoff.set(store.id, { attempts, until: Date.now() + waitMs });
    setTimeout(() => this.trigger(), waitMs + 50).unref?.();
    this.options.logger.warn(
      `Store ${store.name}: ${error.message}; trying again in ${
        waitMs / 1000
      } s`,
    );
    await this.options.database
      .addEvent(store.id, {
        type: 'interrupted',
        message: `${error.message.replace(/\.+$/, '')}. Trying again in ${
          waitMs / 1000
        } s.`,
        detail: (error as ProvisioningError).detail,
      })
      .catch(() => {}); // the database may be the one that is away
    await this.options.database
      .releaseLease(store.id, this.options.instanceId)
      .catch(() => {}); // then the lease lapses by itself
  }

  /** Records a failed attempt; a store that was never ready is cleaned up first. */
  private async fail(store: Store, message: string, detail?: string) {
    const { database, provisioner, instanceId, metrics } = this.options;
    metrics?.failures.add(1, { engine: store.engine, phase: 'provisioning' });
    let cleanup = '';
    if (!store.readyAt && !this.options.keepFailedStores) {
      try {
        const outcome = await provisioner.teardown(store, {
          signal: AbortSignal.timeout(5 * 60_000),
          report: this.report(store),
          guard: this.leaseGuard(store),
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

  /** Whether any attempt got as far as making the store's namespace. */
  private async madeAnything(store: Store): Promise<boolean> {
    const events = await this.options.database.listEvents(store.id);
    return events.some(e => e.type === 'namespace-created');
  }

  private async teardown(store: Store, controller: AbortController) {
    const { database, provisioner, instanceId, metrics } = this.options;
    const timeout = setTimeout(
      () => controller.abort(new Error('timeout')),
      this.options.provisioningTimeoutMs,
    );
    try {
      let message = 'Store deleted';
      if (this.options.clusters.has(store.cluster)) {
        await provisioner.teardown(store, {
          signal: controller.signal,
          report: this.report(store),
          guard: this.leaseGuard(store),
        });
      } else if (await this.madeAnything(store)) {
        throw new Error(
          `The cluster '${store.cluster}' is no longer configured, and the store's namespace was made there. Configure the cluster again to delete it, or an admin can forget the store`,
        );
      } else {
        message = `Store deleted; nothing of it was ever made in the cluster '${store.cluster}' (no longer configured), so there was nothing to tear down`;
      }
      this.backoff.delete(store.id);
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
    } catch (error) {
      const reason = controller.signal.reason as Error | undefined;
      if (controller.signal.aborted && reason?.message === SHUTDOWN) {
        await database.releaseLease(store.id, instanceId);
        return;
      }
      if (controller.signal.aborted && reason?.message !== 'timeout') return;
      if (!controller.signal.aborted && isTransient(error)) {
        await this.pause(store, error as Error);
        return;
      }
      metrics?.failures.add(1, { engine: store.engine, phase: 'deletion' });
      const message = controller.signal.aborted
        ? `Deletion did not finish within ${minutes(
            this.options.provisioningTimeoutMs,
          )}`
        : `Deletion failed: ${(error as Error).message}`;
      await database.transition(store.id, {
        from: 'deleting',
        to: 'failed',
        leaseOwner: instanceId,
        patch: { statusReason: `${message}. Delete the store again to retry.` },
        event: {
          type: 'failed',
          message,
          detail: (error as ProvisioningError).detail,
        },
      });
    } finally {
      clearTimeout(timeout);
    }
  }
}
