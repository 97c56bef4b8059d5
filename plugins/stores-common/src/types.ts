import type { StorePlan, StoreStatus } from './schema/openapi/generated';

/*
 * The types of the stores API are generated from its OpenAPI document,
 * plugins/stores-backend/src/schema/openapi.yaml, whose descriptions are their
 * documentation: change the document and run `yarn openapi:generate`.
 */
export type {
  ClusterStatus,
  CreateStoreDryRunResult,
  CreateStoreRequest,
  Store,
  StoreCredentials as StoreAdminCredentials,
  StoreEngineInfo,
  StoreEvent,
  StoreEventType,
  StoreList,
  StorePlan,
  StoreResource,
  StoreStatus,
} from './schema/openapi/generated';

/**
 * Lists every member of the union `T`: the type check fails when `values`
 * misses one or holds anything else. copies.test.ts checks the order against
 * the OpenAPI document.
 */
function everyOf<T extends string>() {
  return <const V extends readonly T[]>(
    values: V &
      ([Exclude<T, V[number]>] extends [never]
        ? unknown
        : { missing: Exclude<T, V[number]> }),
  ): readonly T[] => values;
}

/**
 * Every status, in the order of the lifecycle.
 *
 * @public
 */
export const STORE_STATUSES = everyOf<StoreStatus>()([
  'requested',
  'provisioning',
  'ready',
  'failed',
  'deleting',
  'deleted',
]);

/**
 * Every plan, smallest first.
 *
 * @public
 */
export const STORE_PLANS = everyOf<StorePlan>()(['small', 'medium']);

/**
 * Page sizes of `GET /stores`: what a request gets without `limit`, and the
 * most it may ask for.
 *
 * @public
 */
export const STORES_PAGE_SIZE = { default: 50, max: 500 } as const;

/**
 * Events service topic on which the stores backend announces that a store was
 * created or changed status; the payload is `{ name, status }`.
 *
 * @public
 */
export const STORE_CHANGED_TOPIC = 'stores.store-changed';
