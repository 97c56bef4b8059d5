import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  Store,
  StoreEvent,
  StoreEventType,
  StoreList,
  StoreStatus,
  STORES_PAGE_SIZE,
} from '@stores-for-backstage/plugin-stores-common';
import { PermissionCriteria } from '@backstage/plugin-permission-common';
import { StoreFilter } from '@stores-for-backstage/plugin-stores-node';
import { Knex } from 'knex';
import { assertTransition } from '../lifecycle/transitions';
import { decodeCursor, encodeCursor } from './cursors';
import {
  databaseNow,
  isLeaseFree,
  releaseLease,
  renewLease,
  rowToLease,
  StoreLease,
  whereLeaseFreeFor,
} from './leases';
import { applyFilter } from './permissionFilters';
import { insertEvent, listEvents, NewStoreEvent } from './storeEvents';
import {
  NewStore,
  newStoreRow,
  patchToRow,
  rowToStore,
  StorePatch,
  StoreRow,
} from './storeRows';
import {
  countDryRun,
  countLiveStoresRequestedBy,
  countStoresRequestedSince,
  countUsage,
  UsageCheck,
  withUserLock,
} from './userLimits';

// The types of this class's parameters and results, for its callers to import with it.
export type { StoreLease } from './leases';
export type { NewStoreEvent } from './storeEvents';
export type { NewStore, StorePatch } from './storeRows';
export type { UsageCheck, UserUsage } from './userLimits';

const migrationsDir = resolvePackagePath(
  '@stores-for-backstage/plugin-stores-backend',
  'migrations',
);

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

/** A committed write that concerns a store, as {@link StoresDatabase.onActivity} tells it. */
export interface StoreActivity {
  /** The store as the write left it. */
  store: Store;
  /**
   * What the write changed besides the timeline: it recorded the store, moved
   * its status, or set or cleared its degraded reason. None for a timeline entry
   * alone.
   */
  change?: 'recorded' | 'status' | 'degraded';
  /** The type of the timeline entry the write added, when it added one. */
  eventType?: StoreEventType;
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
 * All SQL of the stores plugin: the stores table, their timelines and the
 * per-user limits. Row mapping, timeline, list cursors, leases, permission
 * filters and user limits each have a file in this folder; this class composes
 * them behind one interface and runs the migrations.
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

  private readonly listeners: Array<(activity: StoreActivity) => void> = [];

  constructor(private readonly db: Knex) {}

  /**
   * Called after every committed write of a store or its timeline: each status
   * change and each timeline entry passes here, once.
   */
  onActivity(listener: (activity: StoreActivity) => void): void {
    this.listeners.push(listener);
  }

  /** Called after a store is recorded or changes status, once the write is committed. */
  onStoreChanged(listener: (store: Store) => void): void {
    this.onActivity(({ store, change }) => {
      if (change) listener(store);
    });
  }

  private announce(
    store: Store | undefined,
    change: StoreActivity['change'],
    eventType: StoreEventType | undefined,
  ): Store | undefined {
    if (store && (change || eventType)) {
      for (const listener of this.listeners) {
        listener({ store, change, eventType });
      }
    }
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
        limits.check(await countUsage(tx, store.requestedBy, limits.since));
      }
      await tx<StoreRow>('stores').insert(newStoreRow(store, now));
      await insertEvent(tx, store.id, event, now);
    };
    try {
      await (limits
        ? withUserLock(this.db, store.requestedBy, write)
        : this.db.transaction(write));
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError(
          `A store named '${store.name}' already exists; pick another name or delete that store first`,
        );
      }
      throw error;
    }
    return this.announce(
      await this.getStoreById(store.id),
      'recorded',
      event.type,
    )!;
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
    return this.announce(
      store,
      from === to ? undefined : 'status',
      options.event?.type,
    );
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
    return this.announce(
      store,
      from === to ? undefined : 'status',
      options.event?.type,
    );
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
    return renewLease(this.db, id, owner, leaseMs);
  }

  /** The database's clock, by which leases are taken, renewed and judged. */
  async now(): Promise<Date> {
    return databaseNow(this.db);
  }

  /** Gives up a lease without changing the store, so another worker may resume at once. */
  async releaseLease(id: string, owner: string): Promise<void> {
    await releaseLease(this.db, id, owner);
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
    return this.announce(store, 'degraded', event.type);
  }

  /** Whether the store's lease is free: never taken, released or expired. */
  static isLeaseFree(store: StoreLease, now?: Date): boolean {
    return isLeaseFree(store, now);
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
        whereLeaseFreeFor(query, guard.freeLeaseFor, guard.now);
      }
      const count = await query.update(row);
      if (count === 0) return false;
      if (guard.event) {
        await insertEvent(tx, id, guard.event, guard.now);
      }
      return true;
    });
    return written ? this.getStoreById(id) : undefined;
  }

  async addEvent(storeId: string, event: NewStoreEvent): Promise<void> {
    await insertEvent(this.db, storeId, event, new Date());
    if (this.listeners.length === 0) return;
    // The entry is written; a store that cannot be read now only goes untold.
    const row = await this.db<StoreRow>('stores')
      .where({ id: storeId })
      .first()
      .catch(() => undefined);
    this.announce(row && rowToStore(row), undefined, event.type);
  }

  async listEvents(storeId: string): Promise<StoreEvent[]> {
    return listEvents(this.db, storeId);
  }

  /** Stores the reconciler must look at, every one not yet deleted, with their leases. */
  async listLiveStores(): Promise<Array<Store & StoreLease>> {
    const rows = await this.db<StoreRow>('stores').whereNotNull('active_name');
    return rows.map(row => ({ ...rowToStore(row), ...rowToLease(row) }));
  }

  /** Counts a dry run of a user against `max` per window; false when the window is full. */
  async countDryRun(
    userRef: string,
    options: { max: number; windowMs: number },
  ): Promise<boolean> {
    return countDryRun(this.db, userRef, options);
  }

  /** Live stores requested by a user, for the per-user quota. */
  async countLiveStoresRequestedBy(
    requestedBy: string,
    db: Knex = this.db,
  ): Promise<number> {
    return countLiveStoresRequestedBy(db, requestedBy);
  }

  /** Stores a user asked for since a moment, for the creation rate limit. */
  async countStoresRequestedSince(
    requestedBy: string,
    since: Date,
    db: Knex = this.db,
  ): Promise<number> {
    return countStoresRequestedSince(db, requestedBy, since);
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
