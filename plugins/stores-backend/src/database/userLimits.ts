import { Knex } from 'knex';

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

/**
 * Runs `fn` in a transaction that holds the lock of the user's limits row, so
 * one user's limited writes happen one after another. PostgreSQL locks the row
 * (`FOR UPDATE`); SQLite has one writer and knex one connection for it, so a
 * transaction there runs alone anyway.
 */
export async function withUserLock<T>(
  db: Knex,
  userRef: string,
  fn: (tx: Knex.Transaction) => Promise<T>,
): Promise<T> {
  return db.transaction(async tx => {
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

/** A user's usage as the limits count it; pass the transaction that holds the user's lock. */
export async function countUsage(
  db: Knex,
  requestedBy: string,
  since: Date,
): Promise<UserUsage> {
  return {
    liveStores: await countLiveStoresRequestedBy(db, requestedBy),
    createdSince: await countStoresRequestedSince(db, requestedBy, since),
  };
}

/**
 * Counts a dry run of a user against `max` per window of `windowMs`, under the
 * user's lock. Returns false, counting nothing, when the window is full.
 */
export async function countDryRun(
  db: Knex,
  userRef: string,
  options: { max: number; windowMs: number },
): Promise<boolean> {
  return withUserLock(db, userRef, async tx => {
    const row = await tx('stores_user_limits')
      .where({ user_ref: userRef })
      .first();
    const now = new Date();
    const started = row.dry_runs_window_started_at
      ? new Date(row.dry_runs_window_started_at).getTime()
      : undefined;
    if (started === undefined || started + options.windowMs <= now.getTime()) {
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
export async function countLiveStoresRequestedBy(
  db: Knex,
  requestedBy: string,
): Promise<number> {
  const [{ count }] = await db('stores')
    .where({ requested_by: requestedBy })
    .whereNotNull('active_name')
    .count({ count: '*' });
  return Number(count);
}

/** Stores a user asked for since a moment, for the creation rate limit. */
export async function countStoresRequestedSince(
  db: Knex,
  requestedBy: string,
  since: Date,
): Promise<number> {
  const [{ count }] = await db('stores')
    .where({ requested_by: requestedBy })
    .andWhere('created_at', '>=', since)
    .count({ count: '*' });
  return Number(count);
}
