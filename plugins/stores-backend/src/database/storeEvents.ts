import {
  StoreEvent,
  StoreEventType,
} from '@stores-for-backstage/plugin-stores-common';
import { Knex } from 'knex';
import { toIso } from './storeRows';

type EventRow = {
  id: number | string;
  store_id: string;
  type: string;
  message: string;
  duration_ms: number | null;
  detail: string | null;
  created_at: Date | string | number;
};

/** A new timeline entry. */
export interface NewStoreEvent {
  type: StoreEventType;
  message: string;
  durationMs?: number;
  detail?: string;
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

/** Appends an entry to a store's timeline; pass a transaction to write it with the store. */
export async function insertEvent(
  db: Knex,
  storeId: string,
  event: NewStoreEvent,
  now: Date,
): Promise<void> {
  await db('store_events').insert({
    store_id: storeId,
    type: event.type,
    message: event.message,
    duration_ms: event.durationMs ?? null,
    detail: event.detail ?? null,
    created_at: now,
  });
}

/** A store's timeline, oldest first. */
export async function listEvents(
  db: Knex,
  storeId: string,
): Promise<StoreEvent[]> {
  const rows = await db<EventRow>('store_events')
    .where({ store_id: storeId })
    .orderBy('id', 'asc');
  return rows.map(rowToEvent);
}
