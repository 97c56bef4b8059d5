import { LoggerService } from '@backstage/backend-plugin-api';
import { ServiceUnavailableError } from '@backstage/errors';
import { ApiException } from '@kubernetes/client-node';
import { ClusterStatus } from '@stores-for-backstage/plugin-stores-common';
import { ClusterRegistry } from './registries';
import { StoreCluster } from './StoreCluster';

/**
 * An answer this young is trusted; older ones, and every failure, are checked again
 * before use, so a cluster that has just come up is used at once.
 */
const FRESH_MS = 10_000;
const DEFAULT_TIMEOUT_MS = 3_000;

/** What to do, locally and elsewhere; the same words in the 503 and on the Stores page. */
const REMEDY =
  'To run stores on this machine, start the portal with scripts/start (without --no-cluster): it builds and starts ' +
  'the local test bed and configures the portal for it. For another cluster, check ' +
  'stores.clusters in the app-config and that its API server is up.';

/** Why a check failed, in words a newcomer can act on. */
function describeFailure(cluster: StoreCluster, error: unknown): string {
  if (cluster.unconfigured) {
    return (
      `No cluster for stores: stores.clusters is not configured and no kubeconfig was ` +
      `found (KUBECONFIG, ~/.kube/config), so the cluster '${cluster.name}' has no API ` +
      `server to create stores in. ${REMEDY}`
    );
  }
  // The API server's address helps whoever fixes it; it is no secret inside the portal.
  const at = cluster.server ? ` (${cluster.server})` : '';
  let what = error instanceof Error ? error.message : String(error);
  if (error instanceof ApiException) {
    what =
      error.code === 401
        ? `the API server refused the stores backend's credentials (HTTP 401): the serviceAccountToken is wrong or has expired`
        : `the API server answered HTTP ${error.code}`;
  } else if (/HTTP protocol is not allowed/.test(what)) {
    what = `the URL uses http://, and the stores backend only talks to an API server over https`;
  }
  return `The cluster '${cluster.name}'${at} cannot be reached: ${what}. ${REMEDY}`;
}

/**
 * Asks every configured cluster whether it answers, at start and on each reconcile pass,
 * so a create can be refused with the real reason instead of failing later in helm.
 */
export class ClusterHealth {
  private readonly statuses = new Map<string, ClusterStatus>();
  private readonly inFlight = new Map<string, Promise<ClusterStatus>>();

  constructor(
    private readonly clusters: ClusterRegistry,
    private readonly options: {
      logger?: LoggerService;
      timeoutMs?: number;
    } = {},
  ) {}

  /** Checks every cluster now; logs when one stops or starts answering. */
  async checkAll(): Promise<ClusterStatus[]> {
    return Promise.all(this.clusters.all().map(c => this.check(c)));
  }

  /** Every cluster's status, checked again where the last check is not fresh. */
  async current(): Promise<ClusterStatus[]> {
    return Promise.all(this.clusters.all().map(c => this.fresh(c)));
  }

  /** Throws a 503 that says what failed when the cluster does not answer. */
  async assertReachable(name: string): Promise<void> {
    const status = await this.fresh(this.clusters.get(name));
    if (!status.reachable) {
      throw new ServiceUnavailableError(status.message);
    }
  }

  private async fresh(cluster: StoreCluster): Promise<ClusterStatus> {
    const last = this.statuses.get(cluster.name);
    if (last?.reachable && Date.now() - Date.parse(last.checkedAt) < FRESH_MS) {
      return last;
    }
    return this.check(cluster);
  }

  private check(cluster: StoreCluster): Promise<ClusterStatus> {
    const running = this.inFlight.get(cluster.name);
    if (running) return running;
    const done = this.ask(cluster).finally(() =>
      this.inFlight.delete(cluster.name),
    );
    this.inFlight.set(cluster.name, done);
    return done;
  }

  private async ask(cluster: StoreCluster): Promise<ClusterStatus> {
    const { logger, timeoutMs = DEFAULT_TIMEOUT_MS } = this.options;
    const checkedAt = new Date().toISOString();
    let status: ClusterStatus;
    try {
      const { version } = await cluster.checkReachable(timeoutMs);
      status = { name: cluster.name, reachable: true, checkedAt, version };
    } catch (error) {
      status = {
        name: cluster.name,
        reachable: false,
        checkedAt,
        message: describeFailure(cluster, error),
      };
    }
    const before = this.statuses.get(cluster.name);
    if (!status.reachable && before?.reachable !== false) {
      logger?.warn(status.message!);
    } else if (status.reachable && before?.reachable !== true) {
      logger?.info(
        `The cluster '${cluster.name}' answers (Kubernetes ${status.version})`,
      );
    }
    this.statuses.set(cluster.name, status);
    return status;
  }
}
