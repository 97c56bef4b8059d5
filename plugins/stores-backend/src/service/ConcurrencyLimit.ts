/**
 * At most `max` tasks at once; a task beyond that is refused at once rather than
 * queued, so a flood of requests cannot pile up work (such as helm processes).
 */
export class ConcurrencyLimit {
  private running = 0;

  constructor(private readonly max: number) {}

  /** Runs `fn` when a slot is free and returns its result; undefined when none is. */
  async tryRun<T>(fn: () => Promise<T>): Promise<{ value: T } | undefined> {
    if (this.running >= this.max) return undefined;
    this.running++;
    try {
      return { value: await fn() };
    } finally {
      this.running--;
    }
  }
}
