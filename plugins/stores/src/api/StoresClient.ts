import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  CreateStoreRequest,
  Store,
  StoreAdminCredentials,
  StoreEngineInfo,
  StoreEvent,
  StoreList,
  ClusterStatus,
} from '@stores-for-backstage/plugin-stores-common';
import { CreateStoreOptions, ListStoresOptions, StoresApi } from './StoresApi';

/** Plain-text error bodies longer than this are proxies' HTML pages, not reasons. */
const MAX_TEXT_REASON_LENGTH = 300;

/**
 * A {@link StoresApi} on the stores backend's REST API.
 *
 * @public
 */
export class StoresClient implements StoresApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async listClusters(): Promise<ClusterStatus[]> {
    const { items } = await this.request<{ items: ClusterStatus[] }>(
      '/clusters',
    );
    return items;
  }

  async listEngines(): Promise<StoreEngineInfo[]> {
    const { items } = await this.request<{ items: StoreEngineInfo[] }>(
      '/engines',
    );
    return items;
  }

  async listStores(options: ListStoresOptions = {}): Promise<StoreList> {
    const query = new URLSearchParams();
    for (const key of ['owner', 'status', 'engine'] as const) {
      const values = options[key];
      if (values?.length) {
        query.set(key, values.join(','));
      }
    }
    if (options.limit !== undefined) {
      query.set('limit', String(options.limit));
    }
    if (options.cursor) {
      query.set('cursor', options.cursor);
    }
    const search = query.toString();
    return this.request<StoreList>(`/stores${search ? `?${search}` : ''}`);
  }

  async getStore(name: string): Promise<Store> {
    return this.request<Store>(`/stores/${encodeURIComponent(name)}`);
  }

  async getStoreEvents(name: string): Promise<StoreEvent[]> {
    const { items } = await this.request<{ items: StoreEvent[] }>(
      `/stores/${encodeURIComponent(name)}/events`,
    );
    return items;
  }

  async createStore(
    request: CreateStoreRequest,
    options: CreateStoreOptions = {},
  ): Promise<Store> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
    };
    if (options.idempotencyKey) {
      headers['Idempotency-Key'] = options.idempotencyKey;
    }
    return this.request<Store>('/stores', {
      method: 'POST',
      headers,
      body: JSON.stringify(request),
    });
  }

  async deleteStore(name: string): Promise<Store> {
    return this.request<Store>(`/stores/${encodeURIComponent(name)}`, {
      method: 'DELETE',
    });
  }

  async retryStore(name: string): Promise<Store> {
    return this.request<Store>(`/stores/${encodeURIComponent(name)}/retry`, {
      method: 'POST',
    });
  }

  async revealCredentials(name: string): Promise<StoreAdminCredentials> {
    // POST, and no-store on both sides, so that no cache keeps the password.
    return this.request<StoreAdminCredentials>(
      `/stores/${encodeURIComponent(name)}/credentials`,
      { method: 'POST', cache: 'no-store' },
    );
  }

  private async request<T>(path: string, init?: RequestInit): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('stores');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`, init);
    if (!response.ok) {
      throw await toResponseError(response);
    }
    return (await response.json()) as T;
  }
}

/**
 * A ResponseError whose message is the server's reason. ResponseError's own
 * message only names the status code, which tells a person nothing.
 */
async function toResponseError(response: Response): Promise<ResponseError> {
  const text = await response.text().catch(() => '');
  const error = await ResponseError.fromResponse({
    headers: response.headers,
    ok: response.ok,
    redirected: response.redirected,
    status: response.status,
    statusText: response.statusText,
    type: response.type,
    url: response.url,
    text: async () => text,
  });
  const reason = reasonFromBody(text);
  if (reason) {
    error.message = reason;
  }
  return error;
}

function reasonFromBody(text: string): string | undefined {
  const body = text.trim();
  if (!body) {
    return undefined;
  }
  try {
    const message = JSON.parse(body)?.error?.message;
    return typeof message === 'string' && message ? message : undefined;
  } catch {
    const isMarkup = body.startsWith('<');
    return !isMarkup && body.length <= MAX_TEXT_REASON_LENGTH
      ? body
      : undefined;
  }
}
