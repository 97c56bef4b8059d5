import { createApiRef } from '@backstage/core-plugin-api';
import {
  ClusterStatus,
  CreateStoreOptions,
  CreateStoreRequest,
  CreateStoreResult,
  ListStoresOptions,
  Store,
  StoreAdminCredentials,
  StoreEngineInfo,
  StoreEvent,
  StoreList,
} from '@stores-for-backstage/plugin-stores-common';

export type {
  CreateStoreOptions,
  ListStoresOptions,
} from '@stores-for-backstage/plugin-stores-common';

/**
 * Talks to the stores backend.
 *
 * @remarks
 * The app's implementation is the `StoresClient` of
 * `@stores-for-backstage/plugin-stores-common`, the one client of the stores
 * API. Failed requests reject with the Backstage error of their status
 * (`NotFoundError`, `NotAllowedError`, `ConflictError`, ...; see
 * `@backstage/errors`) whose message is the server's reason, such as
 * "No store named 'shop'".
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
  /** A store by its name; rejects with a `NotFoundError` when the caller may see no such store. */
  getStore(name: string): Promise<Store>;
  /** The store's timeline, oldest first. */
  getStoreEvents(name: string): Promise<StoreEvent[]>;
  /** Asks for a store; `created` is false when the idempotency key was seen before. */
  createStore(
    request: CreateStoreRequest,
    options?: CreateStoreOptions,
  ): Promise<CreateStoreResult>;
  /** Starts deleting a store; resolves with the store in status `deleting`. */
  deleteStore(name: string): Promise<Store>;
  /** Provisions a failed store again. */
  retryStore(name: string): Promise<Store>;
  /**
   * Reads the admin login of a ready store; owners only, and audited by the
   * backend. Rejects with a NotAllowedError (403) for others and a
   * ConflictError (409) while the store is not ready.
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
