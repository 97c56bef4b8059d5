/** What a worker does to its store. */
export type Work = 'provision' | 'teardown';

/** A worker on a store, or a slot held for one while its lease is claimed. */
export interface Worker {
  work: Work;
  /** Stops the work; its reason says why. */
  controller: AbortController;
}

/**
 * This backend instance's workers: at most `concurrency` at once, at most one per
 * store. It keeps every promise of work it started, so callers can wait for them.
 */
export class WorkerPool {
  private readonly workers = new Map<string, Worker>();
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly options: {
      concurrency: number;
      /** Runs whenever a worker ends, so waiting stores can take its slot. */
      onSlotFree: () => void;
    },
  ) {}

  /** The worker on the store (or the slot held for it), if any. */
  get(storeId: string): Worker | undefined {
    return this.workers.get(storeId);
  }

  /** Whether every slot is taken; a later pass starts the rest. */
  get full(): boolean {
    return this.workers.size >= this.options.concurrency;
  }

  /** Holds a slot for the store while its lease is claimed. */
  reserve(storeId: string, work: Work): void {
    this.workers.set(storeId, { work, controller: new AbortController() });
  }

  /** Frees the slot held for the store. */
  unreserve(storeId: string): void {
    this.workers.delete(storeId);
  }

  /** Runs `task` as the store's worker; its slot is free again once the task ends. */
  run(
    storeId: string,
    work: Work,
    task: (controller: AbortController) => Promise<void>,
  ): void {
    const controller = new AbortController();
    this.workers.set(storeId, { work, controller });
    const done = task(controller).finally(() => {
      this.workers.delete(storeId);
      this.options.onSlotFree();
    });
    this.track(done);
  }

  /** Counts `work` (such as a claim before a worker starts) among the running work. */
  track(work: Promise<void>): void {
    this.running.add(work);
    work.finally(() => this.running.delete(work));
  }

  /** Stops every worker with `reason`. */
  abortAll(reason: Error): void {
    for (const { controller } of this.workers.values()) {
      controller.abort(reason);
    }
  }

  /** Whether any work is still running. */
  get busy(): boolean {
    return this.running.size > 0;
  }

  /** Waits for the work running now, not for work started meanwhile. */
  async current(): Promise<void> {
    await Promise.all(this.running);
  }
}
