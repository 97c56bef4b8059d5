import { LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { durationToMilliseconds } from '@backstage/types';
import { StoreEngineInfo } from '@stores-for-backstage/plugin-stores-common';
import { StoreEngine } from '@stores-for-backstage/plugin-stores-node';
import { EngineSettings, StoresSettings } from '../config';
import { ChartSource } from './Helm';
import { StoreCluster } from './StoreCluster';

/** The engines modules registered, with their chart settings from config. */
export class EngineRegistry {
  private readonly engines = new Map<string, StoreEngine>();

  constructor(
    engines: StoreEngine[],
    private readonly settings: Record<string, EngineSettings>,
  ) {
    for (const engine of engines) {
      if (this.engines.has(engine.id)) {
        throw new Error(`The store engine '${engine.id}' is registered twice`);
      }
      this.engines.set(engine.id, engine);
    }
  }

  /** Engines users may pick. */
  list(): StoreEngineInfo[] {
    return [...this.engines.values()]
      .filter(e => this.settings[e.id]?.enabled !== false)
      .map(({ id, title, description }) => ({ id, title, description }));
  }

  /** The engine of a new store; an unknown or disabled one is the caller's mistake. */
  get(id: string): StoreEngine {
    const engine = this.engines.get(id);
    if (!engine || this.settings[id]?.enabled === false) {
      const known = this.list().map(e => e.id);
      throw new InputError(
        `Unknown engine '${id}'; choose one of: ${
          known.join(', ') || '(none registered)'
        }`,
      );
    }
    return engine;
  }

  /** The engine of an existing store, even when it was disabled since. */
  getRegistered(id: string): StoreEngine {
    const engine = this.engines.get(id);
    if (!engine) {
      throw new Error(
        `The store engine '${id}' is not registered; add its backend module`,
      );
    }
    return engine;
  }

  /** How long a problem that will not heal may last before an attempt fails with it. */
  failureGraceMs(engine: StoreEngine): number {
    const period = this.settings[engine.id]?.failureGracePeriod ??
      engine.failureGracePeriod ?? { minutes: 3 };
    return durationToMilliseconds(period);
  }

  chartSource(engine: StoreEngine): ChartSource {
    const settings = this.settings[engine.id];
    const chart = settings?.chart ?? engine.chart;
    if (!chart) {
      throw new Error(
        `No chart for the store engine '${engine.id}'; set stores.engines.${engine.id}.chart`,
      );
    }
    return {
      chart,
      version: settings?.version,
      valuesFiles: settings?.valuesFiles ?? [],
    };
  }
}

/** The clusters stores run in; the first configured is the default. */
export class ClusterRegistry {
  static async create(
    settings: StoresSettings,
    options: { logger?: LoggerService } = {},
  ): Promise<ClusterRegistry> {
    const clusters = [];
    for (const c of settings.clusters) {
      clusters.push(await StoreCluster.create(c, options));
    }
    return new ClusterRegistry(clusters);
  }

  constructor(private readonly clusters: StoreCluster[]) {}

  names(): string[] {
    return this.clusters.map(c => c.name);
  }

  /** A cluster for a new store; an unknown one is the caller's mistake. */
  resolve(name?: string): StoreCluster {
    if (!name) return this.clusters[0];
    const cluster = this.clusters.find(c => c.name === name);
    if (!cluster) {
      throw new InputError(
        `Unknown cluster '${name}'; choose one of: ${this.names().join(', ')}`,
      );
    }
    return cluster;
  }

  /** Whether a cluster of this name is configured. */
  has(name: string): boolean {
    return this.clusters.some(c => c.name === name);
  }

  /** The cluster of an existing store. */
  get(name: string): StoreCluster {
    const cluster = this.clusters.find(c => c.name === name);
    if (!cluster) {
      throw new Error(
        `The cluster '${name}' is no longer configured in stores.clusters`,
      );
    }
    return cluster;
  }

  all(): StoreCluster[] {
    return [...this.clusters];
  }

  /** Stops the clusters' watches and removes helm's kubeconfig files. */
  async close() {
    await Promise.all(this.clusters.map(c => c.close()));
  }
}
