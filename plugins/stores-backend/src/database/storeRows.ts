import {
  Store,
  StorePlan,
  StoreStatus,
} from '@stores-for-backstage/plugin-stores-common';

/** A row of the stores table. */
export type StoreRow = {
  id: string;
  name: string;
  active_name: string | null;
  engine: string;
  owner: string;
  requested_by: string;
  plan: string;
  cluster: string;
  namespace: string;
  status: string;
  status_reason: string | null;
  storefront_url: string | null;
  admin_url: string | null;
  chart_version: string | null;
  generation: number;
  observed_generation: number;
  idempotency_key: string | null;
  created_at: Date | string | number;
  updated_at: Date | string | number;
  status_changed_at: Date | string | number;
  lease_owner: string | null;
  lease_expires_at: Date | string | number | null;
  ready_at: Date | string | number | null;
  deleted_at: Date | string | number | null;
  degraded_reason: string | null;
  degraded_since: Date | string | number | null;
};

/** What {@link StoresDatabase.insertStore} needs. */
export interface NewStore {
  id: string;
  name: string;
  engine: string;
  owner: string;
  requestedBy: string;
  plan: StorePlan;
  cluster: string;
  namespace: string;
  idempotencyKey?: string;
}

/** A change to a store row other than its status; only the given fields are written. */
export type StorePatch = Partial<
  Pick<
    Store,
    | 'statusReason'
    | 'storefrontUrl'
    | 'adminUrl'
    | 'chartVersion'
    | 'generation'
    | 'observedGeneration'
    | 'readyAt'
    | 'deletedAt'
    | 'degradedReason'
    | 'degradedSince'
  >
>;

/** A time column as ISO 8601; the drivers return dates, strings or numbers. */
export function toIso(
  value: Date | string | number | null,
): string | undefined {
  if (value === null || value === undefined) return undefined;
  return new Date(value).toISOString();
}

export function rowToStore(row: StoreRow): Store {
  return {
    id: row.id,
    name: row.name,
    engine: row.engine,
    owner: row.owner,
    requestedBy: row.requested_by,
    plan: row.plan as StorePlan,
    cluster: row.cluster,
    namespace: row.namespace,
    status: row.status as StoreStatus,
    statusReason: row.status_reason ?? undefined,
    storefrontUrl: row.storefront_url ?? undefined,
    adminUrl: row.admin_url ?? undefined,
    chartVersion: row.chart_version ?? undefined,
    generation: Number(row.generation),
    observedGeneration: Number(row.observed_generation),
    createdAt: toIso(row.created_at)!,
    updatedAt: toIso(row.updated_at)!,
    statusChangedAt: toIso(row.status_changed_at)!,
    readyAt: toIso(row.ready_at),
    deletedAt: toIso(row.deleted_at),
    degradedReason: row.degraded_reason ?? undefined,
    degradedSince: toIso(row.degraded_since),
  };
}

/** The row of a store just requested: live under its name, generation 1, nothing observed yet. */
export function newStoreRow(store: NewStore, now: Date): Partial<StoreRow> {
  return {
    id: store.id,
    name: store.name,
    active_name: store.name,
    engine: store.engine,
    owner: store.owner,
    requested_by: store.requestedBy,
    plan: store.plan,
    cluster: store.cluster,
    namespace: store.namespace,
    status: 'requested',
    generation: 1,
    observed_generation: 0,
    idempotency_key: store.idempotencyKey ?? null,
    created_at: now,
    updated_at: now,
    status_changed_at: now,
  };
}

export function patchToRow(patch: StorePatch): Partial<StoreRow> {
  const row: Partial<StoreRow> = {};
  if ('statusReason' in patch) row.status_reason = patch.statusReason ?? null;
  if ('storefrontUrl' in patch)
    row.storefront_url = patch.storefrontUrl ?? null;
  if ('adminUrl' in patch) row.admin_url = patch.adminUrl ?? null;
  if ('chartVersion' in patch) row.chart_version = patch.chartVersion ?? null;
  if (patch.generation !== undefined) row.generation = patch.generation;
  if (patch.observedGeneration !== undefined)
    row.observed_generation = patch.observedGeneration;
  if ('readyAt' in patch)
    row.ready_at = patch.readyAt ? new Date(patch.readyAt) : null;
  if ('deletedAt' in patch)
    row.deleted_at = patch.deletedAt ? new Date(patch.deletedAt) : null;
  if ('degradedReason' in patch)
    row.degraded_reason = patch.degradedReason ?? null;
  if ('degradedSince' in patch)
    row.degraded_since = patch.degradedSince
      ? new Date(patch.degradedSince)
      : null;
  return row;
}
