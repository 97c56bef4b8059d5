import { createApiRef } from '@backstage/core-plugin-api';
import {
  CreateStoreRequest,
  Store,
  StoreAdminCredentials,
  StoreEngineInfo,
  StoreEvent,
  StoreList,
  StoreStatus,
  ClusterStatus,
} from '@stores-for-backstage/plugin-stores-common';

/**
 * Filters and paging for {@link StoresApi.listStores}.
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
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

/**
 * Options for {@link StoresApi.createStore}.
 *
 * @public
 */
export interface CreateStoreOptions {
  /** Repeating a request with the same key returns the first store instead of a conflict. */
  idempotencyKey?: string;
}

/**
 * Talks to the stores backend.
 *
 * @remarks
 * Failed requests reject with a `ResponseError` from `@backstage/errors` whose
 * message is the server's reason, such as "No store named 'shop'".
 *
 * @public
 */
export interface StoresApi {
  /** The clusters stores run in, and whether each answers. */
  listClusters(): Promise<ClusterStatus[]>;
  /** The engines stores can be created with. */
  listEngines(): Promise<StoreEngineInfo[]>;
  /** A page of stores, newest first. */
  listStores(options?: ListStoresOptions): Promise<StoreList>;
  getStore(name: string): Promise<Store>;
  /** The store's timeline, oldest first. */
  getStoreEvents(name: string): Promise<StoreEvent[]>;
  createStore(
    request: CreateStoreRequest,
    options?: CreateStoreOptions,
  ): Promise<Store>;
  /** Starts deleting a store; resolves with the store in status `deleting`. */
  deleteStore(name: string): Promise<Store>;
  /** Provisions a failed store again. */
  retryStore(name: string): Promise<Store>;
  /**
   * Reads the admin login of a ready store; owners only, and audited by the
   * backend. Rejects with status 403 for others and 409 while the store is not
   * ready.
   */
  revealCredentials(name: string): Promise<StoreAdminCredentials>;
}

/**
 * The {@link StoresApi} of the app.
 *
 * @public
 */
export const storesApiRef = createApiRef<StoresApi>({
  id: 'plugin.stores.service',
});
