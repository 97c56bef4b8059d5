import { Knex } from 'knex';
import { StoreRow, toIso } from './storeRows';

/** Who works on a store and until when. */
export interface StoreLease {
  leaseOwner?: string;
  leaseExpiresAt?: string;
}

export function rowToLease(row: StoreRow): StoreLease {
  return {
    leaseOwner: row.lease_owner ?? undefined,
    leaseExpiresAt: toIso(row.lease_expires_at),
  };
}

/** Whether the store's lease is free: never taken, released or expired. */
export function isLeaseFree(store: StoreLease, now = new Date()): boolean {
  return !store.leaseExpiresAt || new Date(store.leaseExpiresAt) <= now;
}

/** Narrows a query on stores to rows whose lease is free at `now` or held by `owner`. */
export function whereLeaseFreeFor(
  query: Knex.QueryBuilder,
  owner: string,
  now: Date,
): void {
  query.andWhere(q =>
    q
      .whereNull('lease_expires_at')
      .orWhere('lease_expires_at', '<=', now)
      .orWhere('lease_owner', owner),
  );
}

/**
 * The database's clock. Leases are taken, renewed and judged by it, so replicas
 * whose own clocks drift apart still agree on who holds a store.
 */
export async function databaseNow(db: Knex): Promise<Date> {
  if (db.client.config.client === 'pg') {
    const result = await db.raw('select now() as now');
    return new Date(result.rows[0].now);
  }
  const rows = await db.raw(
    "select strftime('%Y-%m-%dT%H:%M:%fZ', 'now') as now",
  );
  return new Date(rows[0].now);
}

/** Extends `owner`'s lease while it holds it unexpired by the database's clock (a compare-and-set); false otherwise. */
export async function renewLease(
  db: Knex,
  id: string,
  owner: string,
  leaseMs: number,
): Promise<boolean> {
  const now = await databaseNow(db);
  const count = await db<StoreRow>('stores')
    .where({ id, lease_owner: owner })
    .andWhere('lease_expires_at', '>', now)
    .update({ lease_expires_at: new Date(now.getTime() + leaseMs) });
  return count > 0;
}

/** Gives up a lease without changing the store, so another worker may resume at once. */
export async function releaseLease(
  db: Knex,
  id: string,
  owner: string,
): Promise<void> {
  await db<StoreRow>('stores')
    .where({ id, lease_owner: owner })
    .update({ lease_expires_at: new Date(0) });
}
