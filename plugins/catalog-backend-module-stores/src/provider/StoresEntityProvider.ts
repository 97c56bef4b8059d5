import {
  AuthService,
  DiscoveryService,
  LoggerService,
  SchedulerService,
  SchedulerServiceTaskScheduleDefinition,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { toError } from '@backstage/errors';
import {
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import {
  Store,
  STORES_PAGE_SIZE,
  StoresClient,
} from '@stores-for-backstage/plugin-stores-common';
import { storeToEntity } from './storeToEntity';

const STORES_PLUGIN_ID = 'stores';

const DEFAULT_SCHEDULE: SchedulerServiceTaskScheduleDefinition = {
  frequency: { seconds: 30 },
  timeout: { minutes: 1 },
};

/**
 * Options of {@link StoresEntityProvider}.
 *
 * @public
 */
export interface StoresEntityProviderOptions {
  /** Finds the stores backend (plugin id `stores`). */
  discovery: DiscoveryService;
  /** Gives the provider a service token to read every store. */
  auth: AuthService;
  /** Where failed reads are reported; the entities are kept then. */
  logger: LoggerService;
  /** Runs the scheduled refresh (by default on one replica at a time). */
  scheduler: SchedulerService;
  /** When to refresh; default every 30 seconds with a 1 minute timeout. */
  schedule?: SchedulerServiceTaskScheduleDefinition;
}

/**
 * Makes each store of the stores backend a Component entity, and removes the
 * entity when the store is deleted.
 *
 * @remarks
 *
 * Every refresh reads all stores from `GET /api/stores/stores` and replaces the
 * provider's entities with them (a full mutation), so a store that is deleted
 * drops out of the catalog. When the stores backend cannot be read the
 * provider keeps the entities it has.
 *
 * @public
 */
export class StoresEntityProvider implements EntityProvider {
  /** The scheduler task that refreshes the store entities. */
  static readonly taskId = 'stores-entity-provider:refresh';

  /**
   * Creates the provider with the schedule from
   * `catalog.providers.stores.schedule`.
   */
  static fromConfig(
    config: Config,
    options: Omit<StoresEntityProviderOptions, 'schedule'>,
  ): StoresEntityProvider {
    const scheduleConfig = config.getOptionalConfig(
      'catalog.providers.stores.schedule',
    );
    return new StoresEntityProvider({
      ...options,
      schedule: scheduleConfig
        ? readSchedulerServiceTaskScheduleDefinitionFromConfig(scheduleConfig)
        : undefined,
    });
  }

  readonly #client: StoresClient;
  readonly #auth: AuthService;
  readonly #logger: LoggerService;
  readonly #scheduler: SchedulerService;
  readonly #schedule: SchedulerServiceTaskScheduleDefinition;
  #connection?: EntityProviderConnection;
  #running?: Promise<void>;
  #queued?: Promise<void>;

  constructor(options: StoresEntityProviderOptions) {
    this.#client = new StoresClient({ discoveryApi: options.discovery });
    this.#auth = options.auth;
    this.#logger = options.logger;
    this.#scheduler = options.scheduler;
    this.#schedule = options.schedule ?? DEFAULT_SCHEDULE;
  }

  /** {@inheritdoc @backstage/plugin-catalog-node#EntityProvider.getProviderName} */
  getProviderName(): string {
    return 'StoresEntityProvider';
  }

  /** {@inheritdoc @backstage/plugin-catalog-node#EntityProvider.connect} */
  async connect(connection: EntityProviderConnection): Promise<void> {
    this.#connection = connection;
    await this.#scheduler.scheduleTask({
      id: StoresEntityProvider.taskId,
      ...this.#schedule,
      fn: () => this.refresh(),
    });
  }

  /**
   * Reads all stores and replaces the store entities with them now.
   *
   * @remarks
   *
   * Calls while a refresh runs share one follow-up refresh, so a burst of
   * store changes costs at most two reads and the last read always starts
   * after the last change. Never rejects; failures are logged.
   */
  async refresh(): Promise<void> {
    if (this.#queued) {
      return this.#queued;
    }
    if (this.#running) {
      this.#queued = this.#running.then(() => {
        this.#queued = undefined;
        return this.#start();
      });
      return this.#queued;
    }
    return this.#start();
  }

  #start(): Promise<void> {
    const run = this.#refreshOnce().finally(() => {
      this.#running = undefined;
    });
    this.#running = run;
    return run;
  }

  async #refreshOnce(): Promise<void> {
    const connection = this.#connection;
    if (!connection) {
      this.#logger.debug('Not connected to the catalog yet, skipping refresh');
      return;
    }

    let stores: Store[];
    try {
      stores = await this.#readStores();
    } catch (error) {
      this.#logger.warn(
        `Could not read stores from the stores backend, keeping the store entities the catalog has: ${error}`,
      );
      return;
    }

    const providerName = this.getProviderName();
    try {
      await connection.applyMutation({
        type: 'full',
        entities: stores.map(store => ({
          entity: storeToEntity(store, providerName),
          locationKey: providerName,
        })),
      });
      this.#logger.debug(`Provided ${stores.length} store entities`);
    } catch (error) {
      this.#logger.error('Could not update the store entities', toError(error));
    }
  }

  /** Reads every store that is not deleted, page by page. */
  async #readStores(): Promise<Store[]> {
    const withToken = await this.#auth.getPluginRequestToken({
      onBehalfOf: await this.#auth.getOwnServiceCredentials(),
      targetPluginId: STORES_PLUGIN_ID,
    });

    const stores: Store[] = [];
    const seenCursors = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await this.#client.listStores(
        { limit: STORES_PAGE_SIZE.max, cursor },
        withToken,
      );
      if (!Array.isArray(page?.items)) {
        throw new Error('The stores backend answered a page without items');
      }
      stores.push(...page.items);

      cursor = page.nextCursor;
      if (cursor) {
        // A repeated cursor would page forever; a partial list would delete entities.
        if (seenCursors.has(cursor)) {
          throw new Error(`The stores backend repeated the cursor ${cursor}`);
        }
        seenCursors.add(cursor);
      }
    } while (cursor);
    return stores;
  }
}
