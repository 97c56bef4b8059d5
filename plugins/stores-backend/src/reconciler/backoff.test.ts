import { Backoff, pauseMs } from './backoff';

describe('pauseMs', () => {
  it('doubles from 2 seconds up to a minute', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(pauseMs)).toEqual([
      2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000,
    ]);
  });
});

describe('Backoff', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('pauses a store longer each time until its work gets through', () => {
    const backoff = new Backoff(() => {});
    expect(backoff.pause('a')).toBe(2_000);
    expect(backoff.pause('a')).toBe(4_000);
    expect(backoff.pause('b')).toBe(2_000);
    backoff.clear('a');
    expect(backoff.pause('a')).toBe(2_000);
  });

  it('holds a store back until its pause is over', () => {
    const backoff = new Backoff(() => {});
    const start = Date.now();
    expect(backoff.isPaused('a', start)).toBe(false);
    backoff.pause('a');
    expect(backoff.isPaused('a', start + 1_999)).toBe(true);
    expect(backoff.isPaused('a', start + 2_000)).toBe(false);
    expect(backoff.isPaused('b', start)).toBe(false);
  });

  it('asks for a pass just after the pause is over', () => {
    const onDue = jest.fn();
    const backoff = new Backoff(onDue);
    backoff.pause('a');
    jest.advanceTimersByTime(2_049);
    expect(onDue).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(onDue).toHaveBeenCalledTimes(1);
    expect(backoff.isPaused('a', Date.now())).toBe(false);
  });
});
