import { LoggerService } from '@backstage/backend-plugin-api';
import { NotFoundError, NotImplementedError } from '@backstage/errors';
import { CoreV1Event } from '@kubernetes/client-node';
import { Store } from '@stores-for-backstage/plugin-stores-common';
import {
  StoreEngineContext,
  StorefrontCheck,
} from '@stores-for-backstage/plugin-stores-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { NewStoreEvent } from '../database/StoresDatabase';
import { Helm, HelmError } from './Helm';
import { ClusterRegistry, EngineRegistry } from './registries';
import {
  describeProblem,
  diagnoseWorkloads,
  PROBLEM_HINTS,
  PROBLEM_NOTICE_MS,
  REFUSALS_EVERY_MS,
} from './workloadProblems';
import { generations, STORE_OBJECT_LABEL, unlabelled } from './workloadStatus';

/** Records a step of the work on the store's timeline. */
export type ReportStep = (event: NewStoreEvent) => Promise<void>;

/**
 * Starts timing a step of the work; the function it returns puts the step on
 * the timeline with how long it took.
 */
function startStep(report: ReportStep) {
  const started = Date.now();
  return (type: NewStoreEvent['type'], message: string) =>
    report({ type, message, durationMs: Date.now() - started });
}

/** What a finished provisioning knows of the store. */
export interface ProvisionedStore {
  chartVersion?: string;
  storefrontUrl: string;
  adminUrl?: string;
}

/** A step failed; `detail` (such as helm's output) goes to the timeline. */
export class ProvisioningError extends Error {
  name = 'ProvisioningError';
  constructor(message: string, readonly detail?: string) {
    super(message);
  }
}

/** Runs a helm call, keeping helm's output for the timeline when it fails. */
async function withHelmOutput<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof HelmError) {
      throw new ProvisioningError(error.message, error.output);
    }
    throw error;
  }
}

const KUBERNETES_OBJECT_HEADER = /^kind:\s*(\S+)[\s\S]*?^\s{2}name:\s*(\S+)/m;

/**
 * The one place that makes a store real on a cluster, and takes it away again.
 * The REST API, the scaffolder actions (through the API) and the reconciler all
 * end up here; every step is idempotent, so an interrupted attempt is resumed by
 * running it again.
 */
export class StoreProvisioner {
  constructor(
    private readonly deps: {
      engines: EngineRegistry;
      clusters: ClusterRegistry;
      helm: Helm;
      logger: LoggerService;
      checkStorefront: boolean;
      /** How often the storefront is asked while it does not answer. */
      storefrontIntervalMs?: number;
    },
  ) {}

  private get storefrontIntervalMs() {
    return this.deps.storefrontIntervalMs ?? 2000;
  }

  engineContext(
    store: Pick<Store, 'name' | 'namespace' | 'plan' | 'owner' | 'cluster'>,
  ): StoreEngineContext {
    const { baseDomain, tls } = this.deps.clusters.get(store.cluster).settings;
    return {
      name: store.name,
      namespace: store.namespace,
      plan: store.plan,
      owner: store.owner,
      baseDomain,
      scheme: tls ? 'https' : 'http',
    };
  }

  /** Renders the engine's chart for a would-be store and lists what it would create. */
  async render(
    store: Pick<
      Store,
      'name' | 'namespace' | 'plan' | 'owner' | 'cluster' | 'engine'
    >,
  ): Promise<Array<{ kind: string; name: string }>> {
    const engine = this.deps.engines.get(store.engine);
    const manifests = await withHelmOutput(() =>
      this.deps.helm.template({
        release: store.name,
        namespace: store.namespace,
        source: this.deps.engines.chartSource(engine),
        values: engine.values(this.engineContext(store)),
      }),
    );
    return manifests
      .split(/^---\s*$/m)
      .map(doc => KUBERNETES_OBJECT_HEADER.exec(doc))
      .filter((m): m is RegExpExecArray => Boolean(m))
      .map(m => ({ kind: m[1], name: m[2].replace(/^["']|["']$/g, '') }));
  }

  /**
   * The shop's admin login, read from the Secret its engine names, for its owner's
   * eyes only: the caller sends it on and keeps nothing.
   */
  async readAdminCredentials(
    store: Store,
  ): Promise<{ username: string; password: string }> {
    const engine = this.deps.engines.getRegistered(store.engine);
    if (!engine.adminCredentials) {
      throw new NotImplementedError(
        `The ${engine.title} engine does not say where a store's admin login is kept`,
      );
    }
    const where = engine.adminCredentials(this.engineContext(store));
    const cluster = this.deps.clusters.get(store.cluster);
    const data = await cluster.readSecret(store.namespace, where.secretName);
    const username = data?.[where.usernameKey];
    const password = data?.[where.passwordKey];
    if (!username || !password) {
      throw new NotFoundError(
        `Store '${store.name}' has no admin login yet (Secret ${where.secretName} in ${store.namespace})`,
      );
    }
    return { username, password };
  }

  /**
   * Brings a store up: namespace, release, workloads available and, when
   * configured, the storefront answering. Safe to run again after an interruption.
   */
  async provision(
    store: Store,
    options: {
      signal: AbortSignal;
      report: ReportStep;
      /** Throws when the caller may no longer act on the store; run before each destructive step. */
      guard: () => Promise<void>;
    },
  ): Promise<ProvisionedStore> {
    const { signal, report } = options;
    const engine = this.deps.engines.getRegistered(store.engine);
    const cluster = this.deps.clusters.get(store.cluster);
    const context = this.engineContext(store);
    const urls = engine.urls(context);

    let step = startStep(report);
    const outcome = await cluster.ensureNamespace(store);
    await step(
      'namespace-created',
      outcome === 'created'
        ? `Created namespace ${store.namespace}`
        : `Namespace ${store.namespace} already existed for this store; adopted it`,
    );
    signal.throwIfAborted();

    await this.recoverPendingRelease(store, options);

    step = startStep(report);
    const { chartVersion } = await withHelmOutput(() =>
      this.deps.helm.upgradeInstall({
        kubeconfig: cluster.kubeconfigPath,
        release: store.name,
        namespace: store.namespace,
        source: this.deps.engines.chartSource(engine),
        values: engine.values(context),
        signal,
      }),
    );
    await step(
      'release-installed',
      `Installed release ${store.name}${
        chartVersion ? ` (chart ${chartVersion})` : ''
      }`,
    );

    step = startStep(report);
    await this.waitForWorkloads(store, {
      signal,
      report,
      graceMs: this.deps.engines.failureGraceMs(engine),
    });
    await step(
      'workloads-ready',
      'Every Deployment and StatefulSet is available',
    );

    if (this.deps.checkStorefront) {
      step = startStep(report);
      const check = engine.storefrontCheck?.(context) ?? {
        url: urls.storefrontUrl,
        isStoreAnswer: answer => isOwnAnswer(urls.storefrontUrl, answer),
      };
      await this.waitForStorefront(check, signal);
      await step('storefront-answered', `Storefront answered at ${check.url}`);
    }

    return { chartVersion, ...urls };
  }

  /**
   * A helm call killed mid-way (the process died, the pod was evicted) leaves its
   * release `pending-install`, `pending-upgrade` or `pending-rollback`, and helm then
   * refuses every later call on it. Under the store's lease no other helm call can be
   * running, so the pending operation is undone: a pending install is uninstalled, a
   * pending upgrade or rollback rolled back to the last good revision.
   */
  private async recoverPendingRelease(
    store: Store,
    options: {
      signal: AbortSignal;
      report: ReportStep;
      guard: () => Promise<void>;
    },
  ) {
    const cluster = this.deps.clusters.get(store.cluster);
    const status = await cluster.releaseStatus(store.namespace, store.name);
    if (!status?.startsWith('pending-')) return;
    await options.guard();
    const step = startStep(options.report);
    const call = {
      kubeconfig: cluster.kubeconfigPath,
      release: store.name,
      namespace: store.namespace,
      signal: options.signal,
    };
    await withHelmOutput(() =>
      status === 'pending-install'
        ? this.deps.helm.uninstall(call)
        : this.deps.helm.rollback(call),
    );
    await step(
      'release-recovered',
      `Release ${store.name} was left ${status} by an interrupted helm call; ${
        status === 'pending-install' ? 'uninstalled it' : 'rolled it back'
      } before installing again`,
    );
  }

  /**
   * Takes a store away: uninstalls the release, deletes the namespace and waits
   * until it is gone. A namespace that is not this store's is left alone.
   */
  async teardown(
    store: Store,
    options: {
      signal: AbortSignal;
      report: ReportStep;
      /** Throws when the caller may no longer act on the store; run before each destructive step. */
      guard: () => Promise<void>;
    },
  ): Promise<'removed' | 'not-ours'> {
    const { signal, report, guard } = options;
    const cluster = this.deps.clusters.get(store.cluster);

    let step = startStep(report);
    const namespace = await cluster.readNamespace(store.namespace);
    if (namespace && namespace.storeId !== store.id) {
      // Someone else's namespace of the same name: not ours to remove.
      await report({
        type: 'namespace-deleted',
        message: `Namespace ${store.namespace} does not belong to this store; left it in place`,
      });
      return 'not-ours';
    }
    if (namespace && !namespace.terminating) {
      await guard();
      const { existed } = await withHelmOutput(() =>
        this.deps.helm.uninstall({
          kubeconfig: cluster.kubeconfigPath,
          release: store.name,
          namespace: store.namespace,
          signal,
        }),
      );
      await step(
        'release-uninstalled',
        existed
          ? `Uninstalled release ${store.name}`
          : `Release ${store.name} was already gone`,
      );
    }

    step = startStep(report);
    if (namespace) {
      await guard();
      await cluster.deleteNamespace(store.namespace);
      // gone once the watch has seen it and sees it no more
      const { watch } = cluster;
      await watch.waitFor(
        () =>
          (watch.revision(store.namespace) > 0 &&
            !watch.namespace(store.namespace)) ||
          undefined,
        { signal },
      );
    }
    await step(
      'namespace-deleted',
      namespace
        ? `Deleted namespace ${store.namespace}`
        : `Namespace ${store.namespace} was already gone`,
    );
    return 'removed';
  }

  /**
   * Waits until every Deployment and StatefulSet of the release is available, as the
   * cluster's watch brings their changes. Meanwhile each state that waiting will not
   * heal goes on the timeline as soon as it is seen, and one that lasts past the
   * engine's grace period ends the attempt with it as the reason, rather than the
   * generic timeout much later.
   */
  private async waitForWorkloads(
    store: Store,
    options: { signal: AbortSignal; report: ReportStep; graceMs: number },
  ): Promise<void> {
    const { signal, report, graceMs } = options;
    const cluster = this.deps.clusters.get(store.cluster);
    const { watch } = cluster;
    const since = new Date();
    await watch.ready(signal);
    const atLeast = await this.installedWorkloads(store);
    /** When each problem (by key) was first seen, while it lasts. */
    const seen = new Map<string, number>();
    const reported = new Set<string>();
    let lastPending = '';
    let refusals: CoreV1Event[] = [];
    let refusalsDue = since.getTime() + REFUSALS_EVERY_MS;
    for (;;) {
      signal.throwIfAborted();
      const revision = watch.revision(store.namespace);
      const status = watch.workloadStatus(store.namespace, store.name, atLeast);
      if (status.ready) return;
      const pending = status.total
        ? status.pending.join(', ')
        : 'no Deployment or StatefulSet yet';
      if (pending !== lastPending) {
        this.deps.logger.debug(`Store ${store.name} waiting for ${pending}`);
        lastPending = pending;
      }

      if (Date.now() >= refusalsDue) {
        refusals = await cluster.refusalEvents(store.namespace);
        refusalsDue = Date.now() + REFUSALS_EVERY_MS;
      }
      const problems = diagnoseWorkloads(
        { ...watch.workloadObjects(store.namespace), events: refusals },
        since,
      );
      const now = Date.now();
      for (const key of seen.keys()) {
        if (!problems.some(p => p.key === key)) {
          seen.delete(key);
          reported.delete(key);
        }
      }
      /** When a problem seen now is due to be reported, or to end the attempt. */
      const due = [refusalsDue];
      for (const problem of problems) {
        if (!seen.has(problem.key)) seen.set(problem.key, now);
        const firstSeen = seen.get(problem.key)!;
        due.push(firstSeen + graceMs);
        // some states are normal for a moment (a claim until its volume is made)
        const noticeMs = Math.min(
          PROBLEM_NOTICE_MS[problem.kind] ?? 0,
          graceMs,
        );
        if (reported.has(problem.key)) continue;
        if (now - firstSeen < noticeMs) {
          due.push(firstSeen + noticeMs);
          continue;
        }
        reported.add(problem.key);
        await report({
          type: 'workload-problem',
          message: problem.message,
          detail: PROBLEM_HINTS[problem.kind],
        });
      }
      const lasting = problems.find(p => now - seen.get(p.key)! >= graceMs);
      if (lasting) {
        throw new ProvisioningError(
          describeProblem(lasting, now - seen.get(lasting.key)!),
        );
      }
      await watch.waitFor(
        () => watch.revision(store.namespace) !== revision || undefined,
        { signal, timeoutMs: Math.min(...due) - Date.now() },
      );
    }
  }

  /**
   * The generation helm left each Deployment and StatefulSet of the release at, read
   * from the API server: a watched copy older than that is not the answer yet. A chart
   * whose workloads lack the store label is refused here, as the watch would never see
   * them come up.
   */
  private async installedWorkloads(store: Store): Promise<Map<string, number>> {
    const cluster = this.deps.clusters.get(store.cluster);
    const installed = await cluster.releaseWorkloads(
      store.namespace,
      store.name,
    );
    const unwatched = unlabelled(installed);
    if (unwatched.length) {
      const which = unwatched.join(', ');
      throw new ProvisioningError(
        `The stores backend follows a store's objects by the label ${STORE_OBJECT_LABEL}, which ${which} of release ${store.name} lack: the engine's chart must put it on every object, pod template and volume claim template`,
      );
    }
    return generations(installed);
  }

  private async waitForStorefront(check: StorefrontCheck, signal: AbortSignal) {
    for (;;) {
      signal.throwIfAborted();
      try {
        const res = await fetch(check.url, {
          redirect: 'manual',
          signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]),
        });
        const body = (await res.text()).slice(0, 8192);
        const location = res.headers.get('location') ?? undefined;
        if (check.isStoreAnswer({ status: res.status, location, body })) return;
      } catch {
        // not answering yet
      }
      await sleep(this.storefrontIntervalMs, undefined, { signal });
    }
  }
}

/**
 * The default storefront rule: a 2xx, or a redirect that stays on the store's own host
 * (http to https, a trailing slash). A 404 or an ingress's default backend is not the
 * store, nor is a redirect elsewhere (a login wall, a parking page).
 */
export function isOwnAnswer(
  storefrontUrl: string,
  answer: { status: number; location?: string },
): boolean {
  if (answer.status >= 200 && answer.status < 300) return true;
  if (answer.status >= 300 && answer.status < 400 && answer.location) {
    const target = new URL(answer.location, storefrontUrl);
    return target.hostname === new URL(storefrontUrl).hostname;
  }
  return false;
}
