import { DefaultApiClient, TypedResponse } from '../schema/openapi/generated';
import {
  ClusterStatus,
  CreateStoreDryRunResult,
  CreateStoreRequest,
  Store,
  StoreAdminCredentials,
  StoreEngineInfo,
  StoreEvent,
  StoreList,
  StoreStatus,
} from '../types';
import { storesApiError, storesUnreachableError } from './errors';

/**
 * Options of every call.
 *
 * @public
 */
export interface StoresRequestOptions {
  /**
   * A Backstage token to send, such as a backend's plugin-to-plugin token on
   * behalf of a user. In the browser leave it out: the app's fetch API adds the
   * signed-in user's token.
   */
  token?: string;
}

/**
 * Filters and paging of {@link StoresClient.listStores}.
 *
 * @public
 */
export interface ListStoresOptions {
  /** Entity refs of owners; a store matches when it is owned by any of them. */
  owner?: string[];
  /** Deleted stores are only listed when `deleted` is among these. */
  status?: StoreStatus[];
  /** Engine ids, such as `woocommerce` or `medusa`. */
  engine?: string[];
  /** Page size, 1 to 500; the backend's default is 50. */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

/**
 * Options of {@link StoresClient.createStore}.
 *
 * @public
 */
export interface CreateStoreOptions extends StoresRequestOptions {
  /** Repeating a request with the same key returns the first store instead of a conflict. */
  idempotencyKey?: string;
}

/**
 * The answer to a create request.
 *
 * @public
 */
export interface CreateStoreResult {
  /** The store as the backend recorded it. */
  store: Store;
  /**
   * False when the backend had seen the idempotency key before and answered
   * with the store it created then.
   */
  created: boolean;
}

/** A fetch that rejected: the backend gave no answer at all. */
class NoAnswerError extends Error {
  constructor(readonly failure: unknown) {
    super(String(failure));
  }
}

/**
 * The client of the stores backend's REST API, for the browser and for Node:
 * the frontend, the scaffolder actions and the catalog module all use it.
 *
 * @remarks
 * It sends its requests through the client that `@backstage/repo-tools`
 * generates from the API's OpenAPI document. A failed request rejects with the
 * Backstage error of its status (`NotFoundError` for 404, `NotAllowedError`
 * for 403, `ServiceUnavailableError` for 429, 5xx and no answer at all, ...)
 * whose message is the backend's reason, such as "No store named 'shop'".
 *
 * @public
 */
export class StoresClient {
  readonly #api: DefaultApiClient;
  /** The same, for answers that no cache may keep. */
  readonly #uncachedApi: DefaultApiClient;
  readonly #describeRequests: boolean;

  constructor(options: {
    discoveryApi: { getBaseUrl(pluginId: string): Promise<string> };
    /** The app's fetch API in the browser; the global fetch by default. */
    fetchApi?: { fetch: typeof fetch };
    /**
     * Start each error message with what was asked ("Could not get store
     * 'shop': ..."), for readers that do not see the request, such as a task
     * log. Pages say that themselves and leave it off.
     */
    describeRequestsInErrors?: boolean;
  }) {
    // Looked up at each call, so that a fetch patched later (msw in tests) is used.
    const fetchImpl: typeof fetch = (input, init) =>
      (options.fetchApi?.fetch ?? globalThis.fetch)(input, init);
    const answered: typeof fetch = async (input, init) => {
      try {
        return await fetchImpl(input, init);
      } catch (error) {
        throw new NoAnswerError(error);
      }
    };
    this.#api = new DefaultApiClient({
      discoveryApi: options.discoveryApi,
      fetchApi: { fetch: answered },
    });
    this.#uncachedApi = new DefaultApiClient({
      discoveryApi: options.discoveryApi,
      fetchApi: {
        fetch: (input, init) => answered(input, { ...init, cache: 'no-store' }),
      },
    });
    this.#describeRequests = options.describeRequestsInErrors ?? false;
  }

  /** The clusters stores run in, and whether each answers. */
  async listClusters(options?: StoresRequestOptions): Promise<ClusterStatus[]> {
    const { body } = await this.#call('list the clusters', () =>
      this.#api.listClusters({}, options),
    );
    return body.items;
  }

  /** The engines stores can be created with. */
  async listEngines(
    options?: StoresRequestOptions,
  ): Promise<StoreEngineInfo[]> {
    const { body } = await this.#call('list the engines', () =>
      this.#api.listEngines({}, options),
    );
    return body.items;
  }

  /** A page of the stores the caller may see, newest first. */
  async listStores(
    query: ListStoresOptions = {},
    options?: StoresRequestOptions,
  ): Promise<StoreList> {
    const { body } = await this.#call('list stores', () =>
      this.#api.listStores(
        {
          query: {
            owner: commaSeparated(query.owner),
            status: commaSeparated(query.status),
            engine: commaSeparated(query.engine),
            limit: query.limit,
            cursor: query.cursor || undefined,
          },
        },
        options,
      ),
    );
    return body;
  }

  /** The live store of that name, or the most recently deleted one. */
  async getStore(name: string, options?: StoresRequestOptions): Promise<Store> {
    const { body } = await this.#call(`get store '${name}'`, () =>
      this.#api.getStore({ path: { name } }, options),
    );
    return body;
  }

  /** The store's timeline, oldest first; owners and admins only (403 for others). */
  async getStoreEvents(
    name: string,
    options?: StoresRequestOptions,
  ): Promise<StoreEvent[]> {
    const { body } = await this.#call(
      `get the timeline of store '${name}'`,
      () => this.#api.listStoreEvents({ path: { name } }, options),
    );
    return body.items;
  }

  /**
   * Asks for a new store; provisioning starts at once. Repeating the call with
   * the same idempotency key answers with the store of the first call.
   */
  async createStore(
    request: CreateStoreRequest,
    options: CreateStoreOptions = {},
  ): Promise<CreateStoreResult> {
    const { response, body } = await this.#call(
      `create store '${request.name}'`,
      () =>
        this.#api.createStore(
          {
            body: request,
            query: {},
            header: idempotencyHeader(options.idempotencyKey),
          },
          options,
        ),
    );
    // Only a dry run answers with anything but a store.
    return { store: body as Store, created: response.status === 201 };
  }

  /**
   * Checks name, owner, permission and quota and renders the engine's chart,
   * creating nothing.
   */
  async dryRunCreateStore(
    request: CreateStoreRequest,
    options?: StoresRequestOptions,
  ): Promise<CreateStoreDryRunResult> {
    const { body } = await this.#call(`check store '${request.name}'`, () =>
      this.#api.createStore(
        { body: request, query: { dryRun: 'true' }, header: {} },
        options,
      ),
    );
    return body as CreateStoreDryRunResult;
  }

  /** Starts deleting a store; resolves with the store, now `deleting`. */
  async deleteStore(
    name: string,
    options?: StoresRequestOptions,
  ): Promise<Store> {
    const { body } = await this.#call(`delete store '${name}'`, () =>
      this.#api.deleteStore({ path: { name } }, options),
    );
    return body;
  }

  /** Provisions a failed store again. */
  async retryStore(
    name: string,
    options?: StoresRequestOptions,
  ): Promise<Store> {
    const { body } = await this.#call(`retry store '${name}'`, () =>
      this.#api.retryStore({ path: { name } }, options),
    );
    return body;
  }

  /**
   * Reads the admin login of a ready store; owners only, and audited by the
   * backend. Rejects with NotAllowedError (403) for others and ConflictError
   * (409) while the store is not ready. Neither side caches the answer.
   */
  async revealCredentials(
    name: string,
    options?: StoresRequestOptions,
  ): Promise<StoreAdminCredentials> {
    const { body } = await this.#call(
      `reveal the admin login of store '${name}'`,
      () =>
        this.#uncachedApi.revealStoreCredentials({ path: { name } }, options),
    );
    return body;
  }

  /** Sends one request; the only place where answers become results or errors. */
  async #call<T>(
    operation: string,
    send: () => Promise<TypedResponse<T>>,
  ): Promise<{ response: TypedResponse<T>; body: T }> {
    const described = this.#describeRequests ? operation : undefined;
    let response: TypedResponse<T>;
    try {
      response = await send();
    } catch (error) {
      if (error instanceof NoAnswerError) {
        throw storesUnreachableError(error.failure, described);
      }
      throw error;
    }
    if (!response.ok) {
      throw await storesApiError(response as Response, described);
    }
    return { response, body: await response.json() };
  }
}

function commaSeparated(values?: readonly string[]): string | undefined {
  return values?.length ? values.join(',') : undefined;
}

/**
 * The generated client sends its header parameters under their camel-cased
 * names (`idempotencyKey`); the API reads `Idempotency-Key`, so the header goes
 * in under the name the document gives it.
 */
function idempotencyHeader(key: string | undefined) {
  return (key ? { 'Idempotency-Key': key } : {}) as {
    idempotencyKey?: string;
  };
}
