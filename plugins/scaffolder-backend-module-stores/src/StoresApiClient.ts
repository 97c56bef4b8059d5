import {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import {
  AuthenticationError,
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
  parseErrorResponseBody,
} from '@backstage/errors';
import {
  CreateStoreRequest,
  Store,
  StoreEvent,
} from '@stores-for-backstage/plugin-stores-common';

/**
 * What `POST /stores?dryRun=true` answers: the store the backend would create
 * and the Kubernetes objects its chart renders, nothing created.
 *
 * @public
 */
export interface CreateStoreDryRunResult {
  /** The store as it would be created; its `id` is empty. */
  store: Store;
  /** The objects `helm template` rendered for the store. */
  resources: Array<{ kind: string; name: string }>;
  /** A summary a person can read. */
  message: string;
}

/**
 * The answer to a create request.
 *
 * @public
 */
export interface CreateStoreResult {
  store: Store;
  /**
   * False when the backend had seen the idempotency key before and answered
   * with the store it created then.
   */
  created: boolean;
}

/**
 * Options of every call: whose permissions and quota apply.
 *
 * @public
 */
export interface StoresRequestOptions {
  /** The credentials of the person the call is made for. */
  credentials: BackstageCredentials;
}

/**
 * A small client of the stores backend's REST API for the scaffolder actions.
 * Every call is made on behalf of the given credentials, so the stores backend
 * applies that person's permissions and quota.
 *
 * @public
 */
export class StoresApiClient {
  private readonly discovery: DiscoveryService;
  private readonly auth: AuthService;
  private readonly fetchImpl: typeof fetch;

  constructor(options: {
    discovery: DiscoveryService;
    auth: AuthService;
    /** Replaces the global fetch, mainly for tests. */
    fetch?: typeof fetch;
  }) {
    this.discovery = options.discovery;
    this.auth = options.auth;
    this.fetchImpl = options.fetch ?? ((...args) => fetch(...args));
  }

  /**
   * Asks for a new store. Repeating the call with the same idempotency key
   * answers with the store of the first call instead of creating another.
   */
  async createStore(
    request: CreateStoreRequest,
    options: StoresRequestOptions & { idempotencyKey: string },
  ): Promise<CreateStoreResult> {
    const response = await this.request(
      `create store '${request.name}'`,
      'POST',
      '/stores',
      options,
      { body: request, headers: { 'Idempotency-Key': options.idempotencyKey } },
    );
    return {
      store: (await response.json()) as Store,
      created: response.status === 201,
    };
  }

  /**
   * Checks name, quota and permission and renders the engine's chart without
   * creating anything.
   */
  async dryRunCreateStore(
    request: CreateStoreRequest,
    options: StoresRequestOptions,
  ): Promise<CreateStoreDryRunResult> {
    const response = await this.request(
      `check store '${request.name}'`,
      'POST',
      '/stores?dryRun=true',
      options,
      { body: request },
    );
    return (await response.json()) as CreateStoreDryRunResult;
  }

  /** The live store of that name, or the most recently deleted one. */
  async getStore(name: string, options: StoresRequestOptions): Promise<Store> {
    const response = await this.request(
      `get store '${name}'`,
      'GET',
      `/stores/${encodeURIComponent(name)}`,
      options,
    );
    return (await response.json()) as Store;
  }

  /** The timeline of the store of that name, oldest first. */
  async listStoreEvents(
    name: string,
    options: StoresRequestOptions,
  ): Promise<StoreEvent[]> {
    const response = await this.request(
      `get the timeline of store '${name}'`,
      'GET',
      `/stores/${encodeURIComponent(name)}/events`,
      options,
    );
    const body = (await response.json()) as { items: StoreEvent[] };
    return body.items;
  }

  /** Starts the deletion of a store; answers with the store, now `deleting`. */
  async deleteStore(
    name: string,
    options: StoresRequestOptions,
  ): Promise<Store> {
    const response = await this.request(
      `delete store '${name}'`,
      'DELETE',
      `/stores/${encodeURIComponent(name)}`,
      options,
    );
    return (await response.json()) as Store;
  }

  private async request(
    operation: string,
    method: string,
    path: string,
    options: StoresRequestOptions,
    extra: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const baseUrl = await this.discovery.getBaseUrl('stores');
    const { token } = await this.auth.getPluginRequestToken({
      onBehalfOf: options.credentials,
      targetPluginId: 'stores',
    });
    let response: Response;
    try {
      response = await this.fetchImpl(`${baseUrl}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(extra.body !== undefined && {
            'Content-Type': 'application/json',
          }),
          ...extra.headers,
        },
        body: extra.body !== undefined ? JSON.stringify(extra.body) : undefined,
      });
    } catch (error) {
      throw new ServiceUnavailableError(
        `Could not ${operation}: the stores backend did not answer (${error})`,
      );
    }
    if (!response.ok) {
      throw await errorFromResponse(operation, response);
    }
    return response;
  }
}

/**
 * Turns a failed answer into the matching Backstage error, with the message
 * the stores backend gave, so the task log says what went wrong.
 */
async function errorFromResponse(
  operation: string,
  response: Response,
): Promise<Error> {
  const body = await parseErrorResponseBody(response);
  const message = `Could not ${operation}: ${body.error.message}`;
  switch (response.status) {
    case 400:
      return new InputError(message);
    case 401:
      return new AuthenticationError(message);
    case 403:
      return new NotAllowedError(message);
    case 404:
      return new NotFoundError(message);
    case 409:
      return new ConflictError(message);
    default:
      // 429 and 5xx: worth trying again later.
      if (response.status === 429 || response.status >= 500) {
        return new ServiceUnavailableError(
          `${message} (HTTP ${response.status})`,
        );
      }
      return new Error(`${message} (HTTP ${response.status})`);
  }
}
