import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  Store,
  StoreEvent,
  StoreEventType,
  StoreList,
  StorePlan,
  StoreStatus,
  STORES_PAGE_SIZE,
} from '@stores-for-backstage/plugin-stores-common';
import { PermissionCriteria } from '@backstage/plugin-permission-common';
import {
  isAndCriteria,
  isNotCriteria,
  isOrCriteria,
} from '@backstage/plugin-permission-node';
import { StoreFilter } from '@stores-for-backstage/plugin-stores-node';
import { Knex } from 'knex';
import { assertTransition } from '../lifecycle/transitions';

const migrationsDir = resolvePackagePath(
  '@stores-for-backstage/plugin-stores-backend',
  'migrations',
);

type StoreRow = {
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

type EventRow = {
  id: number | string;
  store_id: string;
  type: string;
  message: string;
  duration_ms: number | null;
  detail: string | null;
  created_at: Date | string | number;
};

/** Filters and paging of {@link StoresDatabase.listStores}. */
export interface ListStoresOptions {
  owner?: string[];
  status?: StoreStatus[];
  engine?: string[];
  /** Include deleted stores; off by default as they are history. */
  includeDeleted?: boolean;
  limit?: number;
  cursor?: string;
  /** A permission condition turned into a filter: only matching stores. */
  filter?: PermissionCriteria<StoreFilter>;
}

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

/** What a user has, as counted for the per-user limits. */
export interface UserUsage {
  /** Stores requested by the user that are not deleted. */
  liveStores: number;
  /** Stores requested by the user since the start of the rate-limit window. */
  createdSince: number;
}

/** Checks a user's usage before a store is recorded; throws to refuse it. */
export interface UsageCheck {
  since: Date;
  check(usage: UserUsage): void;
}

/** Who works on a store and until when. */
export interface StoreLease {
  leaseOwner?: string;
  leaseExpiresAt?: string;
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

/** A new timeline entry. */
export interface NewStoreEvent {
  type: StoreEventType;
  message: string;
  durationMs?: number;
  detail?: string;
}

function toIso(value: Date | string | number | null): string | undefined {
  if (value === null || value === undefined) return undefined;
  return new Date(value).toISOString();
}

function rowToStore(row: StoreRow): Store {
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

function rowToEvent(row: EventRow): StoreEvent {
  return {
    id: Number(row.id),
    storeId: row.store_id,
    type: row.type as StoreEventType,
    message: row.message,
    durationMs: row.duration_ms ?? undefined,
    detail: row.detail ?? undefined,
    createdAt: toIso(row.created_at)!,
  };
}

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): number {
  try {
    const { offset } = JSON.parse(
      Buffer.from(cursor, 'base64url').toString('utf8'),
    );
    if (Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through to the error below
  }
  throw new InputError(
    'Invalid cursor; pass the nextCursor of a previous page',
  );
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (
    e?.code === '23505' || // PostgreSQL
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    /UNIQUE constraint failed/.test(e?.message ?? '')
  );
}

/**
 * All SQL of the stores plugin: the stores table and their timelines.
 */
export class StoresDatabase {
  static async create(options: {
    database: DatabaseService;
  }): Promise<StoresDatabase> {
    const client = await options.database.getClient();
    if (!options.database.migrations?.skip) {
      await client.migrate.latest({ directory: migrationsDir });
    }
    return new StoresDatabase(client);
  }

  /** For tests that run migrations themselves. */
  static migrationsDirectory = migrationsDir;

  private readonly listeners: Array<(store: Store) => void> = [];

  constructor(private readonly db: Knex) {}

  /** Called after a store is recorded or changes status, once the write is committed. */
  onStoreChanged(listener: (store: Store) => void): void {
    this.listeners.push(listener);
  }

  private changed(store: Store | undefined): Store | undefined {
    if (store) for (const listener of this.listeners) listener(store);
    return store;
  }

  async listStores(options: ListStoresOptions = {}): Promise<StoreList> {
    const limit = Math.min(
      options.limit ?? STORES_PAGE_SIZE.default,
      STORES_PAGE_SIZE.max,
    );
    const offset = options.cursor ? decodeCursor(options.cursor) : 0;

    const query = this.db<StoreRow>('stores');
    if (!options.includeDeleted) query.whereNot('status', 'deleted');
    if (options.owner?.length) query.whereIn('owner', options.owner);
    if (options.status?.length) query.whereIn('status', options.status);
    if (options.engine?.length) query.whereIn('engine', options.engine);
    if (options.filter) applyFilter(query, options.filter);

    const [{ count }] = await query.clone().count({ count: '*' });
    const rows = await query
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'asc' },
      ])
      .limit(limit)
      .offset(offset);

    const totalCount = Number(count);
    return {
      items: rows.map(rowToStore),
      totalCount,
      nextCursor:
        offset + rows.length < totalCount
          ? encodeCursor(offset + rows.length)
          : undefined,
    };
  }

  /** The live (not deleted) store of that name, or the most recent deleted one. */
  async findStoreByName(name: string): Promise<Store | undefined> {
    const row = await this.db<StoreRow>('stores')
      .where({ name })
      .orderByRaw('CASE WHEN active_name IS NULL THEN 1 ELSE 0 END')
      .orderBy('created_at', 'desc')
      .first();
    return row ? rowToStore(row) : undefined;
  }

  async getStoreByName(name: string): Promise<Store> {
    const store = await this.findStoreByName(name);
    if (!store) throw new NotFoundError(`No store named '${name}'`);
    return store;
  }

  /** Stores by id, for the permission framework's resource lookups. */
  async getStoresByIds(ids: string[]): Promise<Array<Store | undefined>> {
    const rows = await this.db<StoreRow>('stores').whereIn('id', ids);
    const byId = new Map(rows.map(r => [r.id, rowToStore(r)]));
    return ids.map(id => byId.get(id));
  }

  async getStoreById(id: string): Promise<Store> {
    const row = await this.db<StoreRow>('stores').where({ id }).first();
    if (!row) throw new NotFoundError(`No store with id '${id}'`);
    return rowToStore(row);
  }

  async findByIdempotencyKey(
    requestedBy: string,
    idempotencyKey: string,
  ): Promise<Store | undefined> {
    const row = await this.db<StoreRow>('stores')
      .where({ requested_by: requestedBy, idempotency_key: idempotencyKey })
      .first();
    return row ? rowToStore(row) : undefined;
  }

  /**
   * Runs `fn` in a transaction that holds the lock of the user's limits row, so
   * one user's limited writes happen one after another. PostgreSQL locks the row
   * (`FOR UPDATE`); SQLite has one writer and knex one connection for it, so a
   * transaction there runs alone anyway.
   */
  private async withUserLock<T>(
    userRef: string,
    fn: (tx: Knex.Transaction) => Promise<T>,
  ): Promise<T> {
    return this.db.transaction(async tx => {
      await tx('stores_user_limits')
        .insert({ user_ref: userRef, dry_runs_in_window: 0 })
        .onConflict('user_ref')
        .ignore();
      await tx('stores_user_limits')
        .where({ user_ref: userRef })
        .forUpdate()
        .first();
      return fn(tx);
    });
  }

  /**
   * Records a requested store with its first event, in one transaction.
   * A live store of the same name is a conflict. With `limits`, the requester's
   * usage is counted and checked in that transaction under the user's lock, so
   * concurrent requests cannot all pass a check that only one of them should.
   */
  async insertStore(
    store: NewStore,
    event: NewStoreEvent,
    limits?: UsageCheck,
  ): Promise<Store> {
    const now = new Date();
    const write = async (tx: Knex.Transaction) => {
      if (limits) {
        limits.check({
          liveStores: await this.countLiveStoresRequestedBy(
            store.requestedBy,
            tx,
          ),
          createdSince: await this.countStoresRequestedSince(
            store.requestedBy,
            limits.since,
            tx,
          ),
        });
      }
      await tx<StoreRow>('stores').insert({
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
      });
      await tx('store_events').insert(eventRow(store.id, event, now));
    };
    try {
      await (limits
        ? this.withUserLock(store.requestedBy, write)
        : this.db.transaction(write));
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError(
          `A store named '${store.name}' already exists; pick another name or delete that store first`,
        );
      }
      throw error;
    }
    return this.changed(await this.getStoreById(store.id))!;
  }

  /**
   * Moves a store from one status to another, with a change and a timeline
   * event, in one transaction. The lifecycle must allow the move. The write only
   * happens while the row still has status `from` (and, given `leaseOwner`, while
   * that owner holds the lease), so two writers cannot both move a store on;
   * returns undefined when that guard did not match. Releases the lease.
   */
  async transition(
    id: string,
    options: {
      from: StoreStatus;
      to: StoreStatus;
      patch?: StorePatch;
      event?: NewStoreEvent;
      leaseOwner?: string;
    },
  ): Promise<Store | undefined> {
    const { from, to } = options;
    assertTransition(from, to);
    const now = new Date();
    const row: Partial<StoreRow> = {
      ...patchToRow(options.patch ?? {}),
      status: to,
      updated_at: now,
      lease_owner: null,
      lease_expires_at: null,
    };
    if (from !== to) {
      row.status_changed_at = now;
      // Degraded describes a ready store only; a new status starts without it.
      row.degraded_reason = null;
      row.degraded_since = null;
    }
    if (to === 'deleted') row.active_name = null;
    const store = await this.guardedWrite(id, row, {
      status: from,
      leaseOwner: options.leaseOwner,
      event: options.event,
      now,
    });
    return from === to ? store : this.changed(store);
  }

  /**
   * Takes the lease of a store for a worker and moves it from `from` to `to`
   * (which may be equal: resuming). Succeeds only while the store has status
   * `from` and no other live lease; returns undefined otherwise.
   */
  async claim(
    id: string,
    options: {
      from: StoreStatus;
      to: StoreStatus;
      owner: string;
      leaseMs: number;
      event?: NewStoreEvent;
    },
  ): Promise<Store | undefined> {
    const { from, to, owner } = options;
    assertTransition(from, to);
    const now = await this.now();
    const row: Partial<StoreRow> = {
      status: to,
      updated_at: now,
      lease_owner: owner,
      lease_expires_at: new Date(now.getTime() + options.leaseMs),
    };
    if (from !== to) {
      row.status_changed_at = now;
      row.degraded_reason = null;
      row.degraded_since = null;
    }
    const store = await this.guardedWrite(id, row, {
      status: from,
      freeLeaseFor: owner,
      event: options.event,
      now,
    });
    return from === to ? store : this.changed(store);
  }

  /**
   * Extends a worker's lease while it still holds it, unexpired, by the database's
   * clock: a compare-and-set, so a worker whose lease lapsed (and may have been taken
   * by another) learns it here. False when it no longer holds it. Run before every
   * destructive step.
   */
  async renewLease(
    id: string,
    owner: string,
    leaseMs: number,
  ): Promise<boolean> {
    const now = await this.now();
    const count = await this.db<StoreRow>('stores')
      .where({ id, lease_owner: owner })
      .andWhere('lease_expires_at', '>', now)
      .update({ lease_expires_at: new Date(now.getTime() + leaseMs) });
    return count > 0;
  }

  /**
   * The database's clock. Leases are taken, renewed and judged by it, so replicas
   * whose own clocks drift apart still agree on who holds a store.
   */
  async now(): Promise<Date> {
    if (this.db.client.config.client === 'pg') {
      const result = await this.db.raw('select now() as now');
      return new Date(result.rows[0].now);
    }
    const rows = await this.db.raw(
      "select strftime('%Y-%m-%dT%H:%M:%fZ', 'now') as now",
    );
    return new Date(rows[0].now);
  }

  /** Gives up a lease without changing the store, so another worker may resume at once. */
  async releaseLease(id: string, owner: string): Promise<void> {
    await this.db<StoreRow>('stores')
      .where({ id, lease_owner: owner })
      .update({ lease_expires_at: new Date(0) });
  }

  /** Changes fields of a store without moving its status. */
  async patchStore(id: string, patch: StorePatch): Promise<void> {
    await this.db<StoreRow>('stores')
      .where({ id })
      .update({ ...patchToRow(patch), updated_at: new Date() });
  }

  /**
   * Records that a ready store's workloads stopped being available (a reason) or
   * recovered (undefined), with its timeline event, while the store is still ready
   * and no worker holds it. Returns the store when written.
   */
  async setDegraded(
    id: string,
    reason: string | undefined,
    event: NewStoreEvent,
  ): Promise<Store | undefined> {
    const now = await this.now();
    const row: Partial<StoreRow> = {
      degraded_reason: reason ?? null,
      updated_at: now,
    };
    const current = await this.getStoreById(id);
    if (reason && !current.degradedReason) row.degraded_since = now;
    if (!reason) row.degraded_since = null;
    const store = await this.guardedWrite(id, row, {
      status: 'ready',
      freeLeaseFor: '', // no worker's: a store being worked on is not judged
      event,
      now,
    });
    return this.changed(store);
  }

  /** Whether the store's lease is free: never taken, released or expired. */
  static isLeaseFree(store: StoreLease, now = new Date()): boolean {
    return !store.leaseExpiresAt || new Date(store.leaseExpiresAt) <= now;
  }

  private async guardedWrite(
    id: string,
    row: Partial<StoreRow>,
    guard: {
      status: StoreStatus;
      leaseOwner?: string;
      freeLeaseFor?: string;
      event?: NewStoreEvent;
      now: Date;
    },
  ): Promise<Store | undefined> {
    const written = await this.db.transaction(async tx => {
      const query = tx<StoreRow>('stores').where({ id, status: guard.status });
      if (guard.leaseOwner) query.andWhere('lease_owner', guard.leaseOwner);
      if (guard.freeLeaseFor !== undefined) {
        const owner = guard.freeLeaseFor;
        query.andWhere(q =>
          q
            .whereNull('lease_expires_at')
            .orWhere('lease_expires_at', '<=', guard.now)
            .orWhere('lease_owner', owner),
        );
      }
      const count = await query.update(row);
      if (count === 0) return false;
      if (guard.event) {
        await tx('store_events').insert(eventRow(id, guard.event, guard.now));
      }
      return true;
    });
    return written ? this.getStoreById(id) : undefined;
  }

  async addEvent(storeId: string, event: NewStoreEvent): Promise<void> {
    await this.db('store_events').insert(eventRow(storeId, event, new Date()));
  }

  async listEvents(storeId: string): Promise<StoreEvent[]> {
    const rows = await this.db<EventRow>('store_events')
      .where({ store_id: storeId })
      .orderBy('id', 'asc');
    return rows.map(rowToEvent);
  }

  /** Stores the reconciler must look at, every one not yet deleted, with their leases. */
  async listLiveStores(): Promise<Array<Store & StoreLease>> {
    const rows = await this.db<StoreRow>('stores').whereNotNull('active_name');
    return rows.map(row => ({
      ...rowToStore(row),
      leaseOwner: row.lease_owner ?? undefined,
      leaseExpiresAt: toIso(row.lease_expires_at),
    }));
  }

  /**
   * Counts a dry run of a user against `max` per window of `windowMs`, under the
   * user's lock. Returns false, counting nothing, when the window is full.
   */
  async countDryRun(
    userRef: string,
    options: { max: number; windowMs: number },
  ): Promise<boolean> {
    return this.withUserLock(userRef, async tx => {
      const row = await tx('stores_user_limits')
        .where({ user_ref: userRef })
        .first();
      const now = new Date();
      const started = row.dry_runs_window_started_at
        ? new Date(row.dry_runs_window_started_at).getTime()
        : undefined;
      if (
        started === undefined ||
        started + options.windowMs <= now.getTime()
      ) {
        if (options.max < 1) return false;
        await tx('stores_user_limits')
          .where({ user_ref: userRef })
          .update({ dry_runs_window_started_at: now, dry_runs_in_window: 1 });
        return true;
      }
      if (Number(row.dry_runs_in_window) >= options.max) return false;
      await tx('stores_user_limits')
        .where({ user_ref: userRef })
        .increment('dry_runs_in_window', 1);
      return true;
    });
  }

  /** Live stores requested by a user, for the per-user quota. */
  async countLiveStoresRequestedBy(
    requestedBy: string,
    db: Knex = this.db,
  ): Promise<number> {
    const [{ count }] = await db('stores')
      .where({ requested_by: requestedBy })
      .whereNotNull('active_name')
      .count({ count: '*' });
    return Number(count);
  }

  /** Stores a user asked for since a moment, for the creation rate limit. */
  async countStoresRequestedSince(
    requestedBy: string,
    since: Date,
    db: Knex = this.db,
  ): Promise<number> {
    const [{ count }] = await db('stores')
      .where({ requested_by: requestedBy })
      .andWhere('created_at', '>=', since)
      .count({ count: '*' });
    return Number(count);
  }

  /** Counts of live stores by status, for the active-stores gauge. */
  async countByStatus(): Promise<Record<string, number>> {
    const rows: Array<{ status: string; count: string | number }> =
      await this.db('stores')
        .whereNotNull('active_name')
        .select('status')
        .count({ count: '*' })
        .groupBy('status');
    return Object.fromEntries(rows.map(r => [r.status, Number(r.count)]));
  }
}

/** Turns permission criteria into SQL conditions on the stores table. */
function applyFilter(
  query: Knex.QueryBuilder,
  criteria: PermissionCriteria<StoreFilter>,
): void {
  if (isAndCriteria(criteria)) {
    query.where(q =>
      criteria.allOf.forEach(c => q.andWhere(s => applyFilter(s, c))),
    );
  } else if (isOrCriteria(criteria)) {
    query.where(q =>
      criteria.anyOf.forEach(c => q.orWhere(s => applyFilter(s, c))),
    );
  } else if (isNotCriteria(criteria)) {
    query.whereNot(q => applyFilter(q, criteria.not));
  } else {
    query.whereIn(
      criteria.property,
      criteria.values.length ? criteria.values : ['\u0000'],
    );
  }
}

function patchToRow(patch: StorePatch): Partial<StoreRow> {
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

function eventRow(storeId: string, event: NewStoreEvent, now: Date) {
  return {
    store_id: storeId,
    type: event.type,
    message: event.message,
    duration_ms: event.durationMs ?? null,
    detail: event.detail ?? null,
    created_at: now,
  };
}
