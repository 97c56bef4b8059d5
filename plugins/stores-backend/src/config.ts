import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds, HumanDuration } from '@backstage/types';

/** A cluster stores can run in, as configured. */
export interface ClusterSettings {
  name: string;
  /** API server and token of the stores backend's own identity in this cluster. */
  url?: string;
  serviceAccountToken?: string;
  caData?: string;
  caFile?: string;
  kubeconfig?: string;
  context?: string;
  /** ClusterRole bound to the backend's identity inside each store namespace. */
  storeNamespaceRole?: string;
  baseDomain: string;
  tls: boolean;
}

/** Where an engine's chart comes from, as configured. */
export interface EngineSettings {
  chart?: string;
  version?: string;
  valuesFiles: string[];
  enabled: boolean;
  failureGracePeriod?: HumanDuration;
}

/** Every setting of the stores backend with its default applied. */
export interface StoresSettings {
  clusters: ClusterSettings[];
  helm: { binary: string; timeoutMs: number };
  engines: Record<string, EngineSettings>;
  provisioning: {
    timeoutMs: number;
    concurrency: number;
    checkStorefront: boolean;
    keepFailedStores: boolean;
  };
  reconciler: { frequency: HumanDuration; healDrift: boolean; leaseMs: number };
  limits: {
    maxStoresPerUser: number;
    maxCreatesPerWindow: number;
    createWindowMs: number;
    maxDryRunsPerWindow: number;
    dryRunConcurrency: number;
  };
  /** Names no store may take, as they would pass for the organisation's own hosts. */
  reservedNames: string[];
  /** Entity refs told of every store's changes, besides its owner and requester. */
  signals: { alsoTo: string[] };
}

/** The default of `stores.reservedNames`: host names people take for infrastructure. */
export const DEFAULT_RESERVED_NAMES = [
  'www',
  'api',
  'admin',
  'administrator',
  'root',
  'portal',
  'mail',
  'email',
  'smtp',
  'imap',
  'pop',
  'ftp',
  'ns1',
  'ns2',
  'dns',
  'cdn',
  'static',
  'assets',
  'status',
  'auth',
  'login',
  'sso',
  'oauth',
  'account',
  'accounts',
  'billing',
  'payment',
  'payments',
  'security',
  'support',
  'help',
  'app',
  'dashboard',
  'backstage',
  'kubernetes',
  'default',
  'kube-system',
  'kube-public',
  'localhost',
];

const DEFAULT_BASE_DOMAIN = '127.0.0.1.nip.io';

function duration(
  config: Config | undefined,
  key: string,
  fallback: HumanDuration,
): HumanDuration {
  return config?.has(key) ? readDurationFromConfig(config, { key }) : fallback;
}

export function readStoresSettings(root: Config): StoresSettings {
  const config = root.getOptionalConfig('stores');
  const baseDomain =
    config?.getOptionalString('baseDomain') ?? DEFAULT_BASE_DOMAIN;

  const tls = config?.getOptionalBoolean('tls') ?? false;
  const clusters: ClusterSettings[] = (
    config?.getOptionalConfigArray('clusters') ?? []
  ).map(c => ({
    name: c.getString('name'),
    url: c.getOptionalString('url'),
    serviceAccountToken: c.getOptionalString('serviceAccountToken'),
    caData: c.getOptionalString('caData'),
    caFile: c.getOptionalString('caFile'),
    kubeconfig: c.getOptionalString('kubeconfig'),
    context: c.getOptionalString('context'),
    storeNamespaceRole: c.getOptionalString('storeNamespaceRole'),
    baseDomain: c.getOptionalString('baseDomain') ?? baseDomain,
    tls: c.getOptionalBoolean('tls') ?? tls,
  }));
  if (clusters.length === 0) clusters.push({ name: 'local', baseDomain, tls });
  const names = new Set<string>();
  for (const c of clusters) {
    if (c.kubeconfig && (c.url || c.serviceAccountToken)) {
      throw new Error(
        `stores.clusters '${c.name}': give either kubeconfig or url and serviceAccountToken, not both`,
      );
    }
    if (Boolean(c.url) !== Boolean(c.serviceAccountToken)) {
      throw new Error(
        `stores.clusters '${c.name}': url and serviceAccountToken go together`,
      );
    }
    if (names.has(c.name)) {
      throw new Error(`stores.clusters lists the cluster '${c.name}' twice`);
    }
    names.add(c.name);
  }

  const engines: Record<string, EngineSettings> = {};
  const enginesConfig = config?.getOptionalConfig('engines');
  for (const id of enginesConfig?.keys() ?? []) {
    const e = enginesConfig!.getConfig(id);
    engines[id] = {
      chart: e.getOptionalString('chart'),
      version: e.getOptionalString('version'),
      valuesFiles: e.getOptionalStringArray('valuesFiles') ?? [],
      enabled: e.getOptionalBoolean('enabled') ?? true,
      failureGracePeriod: e.has('failureGracePeriod')
        ? readDurationFromConfig(e, { key: 'failureGracePeriod' })
        : undefined,
    };
  }

  const concurrency =
    config?.getOptionalNumber('provisioning.concurrency') ?? 20;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(
      'stores.provisioning.concurrency must be a positive integer',
    );
  }
  const dryRunConcurrency =
    config?.getOptionalNumber('limits.dryRunConcurrency') ?? 2;
  if (!Number.isInteger(dryRunConcurrency) || dryRunConcurrency < 1) {
    throw new Error(
      'stores.limits.dryRunConcurrency must be a positive integer',
    );
  }

  return {
    clusters,
    helm: {
      binary: config?.getOptionalString('helm.binary') ?? 'helm',
      timeoutMs: durationToMilliseconds(
        duration(config, 'helm.timeout', { minutes: 10 }),
      ),
    },
    engines,
    provisioning: {
      timeoutMs: durationToMilliseconds(
        duration(config, 'provisioning.timeout', { minutes: 20 }),
      ),
      concurrency,
      checkStorefront:
        config?.getOptionalBoolean('provisioning.checkStorefront') ?? false,
      keepFailedStores:
        config?.getOptionalBoolean('provisioning.keepFailedStores') ?? false,
    },
    reconciler: {
      frequency: duration(config, 'reconciler.frequency', { seconds: 30 }),
      healDrift: config?.getOptionalBoolean('reconciler.healDrift') ?? true,
      leaseMs: durationToMilliseconds(
        duration(config, 'reconciler.leaseDuration', { seconds: 60 }),
      ),
    },
    limits: {
      maxStoresPerUser:
        config?.getOptionalNumber('limits.maxStoresPerUser') ?? 5,
      maxCreatesPerWindow:
        config?.getOptionalNumber('limits.maxCreatesPerWindow') ?? 10,
      createWindowMs: durationToMilliseconds(
        duration(config, 'limits.createWindow', { hours: 1 }),
      ),
      maxDryRunsPerWindow:
        config?.getOptionalNumber('limits.maxDryRunsPerWindow') ?? 60,
      dryRunConcurrency,
    },
    reservedNames: (
      config?.getOptionalStringArray('reservedNames') ?? DEFAULT_RESERVED_NAMES
    ).map(n => n.toLocaleLowerCase('en-US')),
    signals: {
      alsoTo: (config?.getOptionalStringArray('signals.alsoTo') ?? []).map(
        ref => {
          try {
            return stringifyEntityRef(parseEntityRef(ref));
          } catch (error) {
            throw new Error(
              `stores.signals.alsoTo: '${ref}' is not an entity ref like group:default/platform-team: ${
                (error as Error).message
              }`,
            );
          }
        },
      ),
    },
  };
}
