import {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { isError } from '@backstage/errors';
import {
  Store,
  StoreEvent,
  StoreEventType,
} from '@stores-for-backstage/plugin-stores-common';
import type { z as zod } from 'zod/v3';
import { StoreChangeSource } from '../storeChanges';
import { StoresApiAccess } from '../storesApi';

/** How often an action that waits asks the stores backend, unless told. */
export const DEFAULT_POLL_INTERVAL_SECONDS = 2;

/**
 * The inputs of an action that waits for a store: how long it waits and how
 * often it asks. Each description gets the default appended.
 */
export const waitInputFields = (
  z: typeof zod,
  options: {
    timeoutMinutes: string;
    pollIntervalSeconds: string;
    defaultTimeoutMinutes: number;
  },
) => ({
  timeoutMinutes: z
    .number({
      description: `${options.timeoutMinutes}. Default: ${options.defaultTimeoutMinutes}`,
    })
    .positive()
    .optional(),
  pollIntervalSeconds: z
    .number({
      description: `${options.pollIntervalSeconds}. Default: ${DEFAULT_POLL_INTERVAL_SECONDS}`,
    })
    .positive()
    .optional(),
});

/** How a wait for a store ended. */
export type FollowStoreResult =
  | { outcome: 'done'; store: Store }
  /** The store of that name is gone (404), which after a deletion means deleted. */
  | { outcome: 'gone' }
  /** The time ran out; `error` is the last failure when the backend kept failing. */
  | { outcome: 'timeout'; store?: Store; error?: string }
  /** The task was cancelled; the store itself is not affected. */
  | { outcome: 'cancelled'; store?: Store };

/** What to follow, for how long, and how. */
export interface FollowStoreOptions {
  stores: StoresApiAccess;
  credentials: BackstageCredentials;
  name: string;
  logger: LoggerService;
  isDone: (store: Store) => boolean;
  timeoutMinutes: number;
  /** Default: {@link DEFAULT_POLL_INTERVAL_SECONDS} */
  pollIntervalSeconds?: number;
  signal?: AbortSignal;
  /**
   * Log only from the latest event of this type on, so that a wait for a
   * deletion does not repeat the store's whole history.
   */
  logFrom?: StoreEventType;
  /** Treat 404 as the end of the wait rather than an error. */
  goneIsDone?: boolean;
  /** Changes of stores as the stores backend announces them. */
  changes?: StoreChangeSource;
}

/**
 * A pause between polls that a change of the store ends early. A change that
 * came while no pause ran (during a poll) ends the next pause at once, as that
 * poll may have read the store just before it.
 */
class Alarm {
  private rung = false;
  private wake?: () => void;

  ring(): void {
    this.rung = true;
    this.wake?.();
  }

  /** Waits `ms` or until a change; resolves true when the signal aborted the wait. */
  async sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    try {
      return await new Promise<boolean>(resolve => {
        this.wake = () => resolve(false);
        onAbort = () => resolve(true);
        timer = setTimeout(() => resolve(false), this.rung ? 0 : ms);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      this.wake = undefined;
      this.rung = false;
    }
  }
}

/**
 * Polls a store and writes each new event of its timeline to the task log
 * once, until `isDone` says the store reached the status the caller waits for,
 * or the time is up. With `changes`, a change of the store ends the pause
 * between two polls at once.
 *
 * Errors worth retrying (rate limits, 5xx, the backend not answering) are
 * logged and polling goes on; any other error (not allowed, not found) ends
 * the wait at once.
 */
export async function followStore(
  options: FollowStoreOptions,
): Promise<FollowStoreResult> {
  const alarm = new Alarm();
  const stopListening = options.changes?.listen(options.name, () =>
    alarm.ring(),
  );
  try {
    return await poll(options, alarm);
  } finally {
    stopListening?.();
  }
}

/** The polls of {@link followStore}, with the pause between them. */
async function poll(
  options: FollowStoreOptions,
  alarm: Alarm,
): Promise<FollowStoreResult> {
  const { stores, credentials, name, logger } = options;
  const deadline = Date.now() + options.timeoutMinutes * 60_000;
  const pollIntervalMs =
    (options.pollIntervalSeconds ?? DEFAULT_POLL_INTERVAL_SECONDS) * 1000;
  const logged = new Set<number>();
  let store: Store | undefined;
  let failure: string | undefined;

  for (;;) {
    try {
      const request = await stores.onBehalfOf(credentials);
      store = await stores.client.getStore(name, request);
      const events = await stores.client.getStoreEvents(name, request);
      for (const event of eventsToLog(events, store.id, options.logFrom)) {
        if (!logged.has(event.id)) {
          logged.add(event.id);
          logEvent(logger, event);
        }
      }
      if (failure !== undefined) {
        logger.info('The stores backend answers again');
        failure = undefined;
      }
      if (options.isDone(store)) {
        return { outcome: 'done', store };
      }
    } catch (error) {
      if (
        options.goneIsDone &&
        isError(error) &&
        error.name === 'NotFoundError'
      ) {
        return { outcome: 'gone' };
      }
      if (!isError(error) || error.name !== 'ServiceUnavailableError') {
        throw error;
      }
      // Log the first failure of a series only, the task log stays readable.
      if (failure === undefined) {
        logger.warn(`${error.message}; trying again`);
      }
      failure = error.message;
    }

    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      return { outcome: 'timeout', store, error: failure };
    }
    const cancelled = await alarm.sleep(
      Math.min(pollIntervalMs, remaining),
      options.signal,
    );
    if (cancelled) {
      return { outcome: 'cancelled', store };
    }
  }
}

/** Why a store failed, to go into a sentence. */
export function reasonOf(store: Store): string {
  const reason = store.statusReason?.trim().replace(/\.$/, '');
  return reason || 'the stores backend gave no reason';
}

/**
 * What a wait that ran out of time last saw, to follow "is not ready after
 * 20 minutes": the store's status and the backend's last error, when known.
 */
export function describeTimeout(result: FollowStoreResult): string {
  if (result.outcome !== 'timeout') return '';
  const status = result.store ? ` (status ${result.store.status})` : '';
  const lastError = result.error ? `; last error: ${result.error}` : '';
  return `${status}${lastError}`;
}

/** Minutes as a person reads them: "20 minutes", "1 minute", "30 seconds". */
export function describeMinutes(minutes: number): string {
  if (minutes >= 1) {
    return minutes === 1 ? '1 minute' : `${minutes} minutes`;
  }
  const seconds = Math.round(minutes * 600) / 10;
  return seconds === 1 ? '1 second' : `${seconds} seconds`;
}

function eventsToLog(
  events: StoreEvent[],
  storeId: string,
  logFrom: StoreEventType | undefined,
): StoreEvent[] {
  // A name can be reused after a deletion; the timeline is the current store's.
  const own = events.filter(e => !e.storeId || e.storeId === storeId);
  if (!logFrom) {
    return own;
  }
  let start = -1;
  own.forEach((e, i) => {
    if (e.type === logFrom) start = i;
  });
  return start === -1 ? [] : own.slice(start);
}

function logEvent(logger: LoggerService, event: StoreEvent) {
  const duration =
    event.durationMs !== undefined
      ? ` (${(event.durationMs / 1000).toFixed(1)}s)`
      : '';
  const line = `${event.type}: ${event.message}${duration}`;
  if (event.type === 'failed') {
    logger.error(line);
    if (event.detail) logger.error(event.detail);
  } else if (event.type === 'retry' || event.type === 'drift') {
    logger.warn(line);
  } else {
    logger.info(line);
  }
}
