import { WorkerPool } from './workerPool';

/** A task that runs until the test ends it. */
function pending() {
  let end!: () => void;
  const ended = new Promise<void>(resolve => (end = resolve));
  return { task: jest.fn(() => ended), end };
}

describe('WorkerPool', () => {
  it('is full once every slot is taken, reserved ones included', () => {
    const pool = new WorkerPool({ concurrency: 2, onSlotFree: () => {} });
    pool.reserve('a', 'provision');
    expect(pool.full).toBe(false);
    pool.run('b', 'teardown', pending().task);
    expect(pool.full).toBe(true);
    pool.unreserve('a');
    expect(pool.full).toBe(false);
  });

  it('frees the slot and says so once the work ends', async () => {
    const onSlotFree = jest.fn();
    const pool = new WorkerPool({ concurrency: 1, onSlotFree });
    const { task, end } = pending();
    pool.run('a', 'provision', task);
    expect(pool.get('a')?.work).toBe('provision');
    expect(pool.busy).toBe(true);
    end();
    await pool.current();
    expect(pool.get('a')).toBeUndefined();
    expect(pool.full).toBe(false);
    expect(onSlotFree).toHaveBeenCalledTimes(1);
  });

  it('gives each worker the controller that stops it', () => {
    const pool = new WorkerPool({ concurrency: 2, onSlotFree: () => {} });
    const { task } = pending();
    pool.run('a', 'provision', task);
    pool.run('b', 'teardown', task);
    const [[a], [b]] = task.mock.calls as unknown as AbortController[][];
    expect(pool.get('a')?.controller).toBe(a);
    pool.abortAll(new Error('the backend is shutting down'));
    expect(a.signal.aborted).toBe(true);
    expect(b.signal.aborted).toBe(true);
    expect((a.signal.reason as Error).message).toBe(
      'the backend is shutting down',
    );
  });

  it('waits for the tracked work that runs now', async () => {
    const pool = new WorkerPool({ concurrency: 1, onSlotFree: () => {} });
    const claim = pending();
    pool.track(claim.task());
    let waited = false;
    const waiting = pool.current().then(() => (waited = true));
    await Promise.resolve();
    expect(waited).toBe(false);
    claim.end();
    await waiting;
    expect(pool.busy).toBe(false);
  });
});
