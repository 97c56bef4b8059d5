/** The pause before the first retry; each further one doubles it. */
const FIRST_PAUSE_MS = 2_000;
/** The longest pause between two attempts. */
const LONGEST_PAUSE_MS = 60_000;

/** How long to wait before attempt `attempts + 1`: 2 s, 4 s, 8 s… up to a minute. */
export function pauseMs(attempts: number): number {
  return Math.min(FIRST_PAUSE_MS * 2 ** (attempts - 1), LONGEST_PAUSE_MS);
}

/**
 * Stores whose last attempt met a cluster or database that was away, and when to
 * try each again. A pass skips a store until its pause is over; `onDue` runs a
 * pass once it is, so the retry does not wait for the next scheduled one.
 */
export class Backoff {
  private readonly paused = new Map<
    string,
    { attempts: number; until: number }
  >();

  constructor(private readonly onDue: () => void) {}

  /** Whether the store is still pausing at `now`. */
  isPaused(storeId: string, now: number): boolean {
    return (this.paused.get(storeId)?.until ?? 0) > now;
  }

  /** Pauses the store once more, each pause twice the last; returns its length. */
  pause(storeId: string): number {
    const attempts = (this.paused.get(storeId)?.attempts ?? 0) + 1;
    const waitMs = pauseMs(attempts);
    this.paused.set(storeId, { attempts, until: Date.now() + waitMs });
    // a little after the pause ends, so the pass finds it over
    setTimeout(() => this.onDue(), waitMs + 50).unref?.();
    return waitMs;
  }

  /** The store's work got through: the next pause starts again from the first. */
  clear(storeId: string): void {
    this.paused.delete(storeId);
  }
}
