import { useCallback, useEffect, useRef, useState } from 'react';
import { POLL_INTERVAL_MS } from '../lib/status';

export interface PollingState<T> {
  /** The latest value; kept while a refresh runs or fails, so nothing flickers. */
  value?: T;
  /** The error of the latest attempt; cleared by the next success. */
  error?: Error;
  /** True until the first attempt settles. */
  loading: boolean;
  /** True while loading for a changed key (such as new filters), not for polls. */
  reloading: boolean;
  /** Loads again now, for example after an action changed the data. */
  refresh: () => void;
  /**
   * Loads again for news that the data changed: now, or once more right after
   * the load that is running, so that news in quick succession neither stack
   * requests up nor keep restarting one.
   */
  wake: () => void;
}

export interface PollingOptions<T> {
  /** Whether to load again after a while, given the latest value. */
  shouldPoll: (value: T) => boolean;
  intervalMs?: number;
}

/**
 * Loads a value and loads it again every few seconds while `shouldPoll` says
 * so, and when woken. Unlike `useAsyncRetry`, the previous value stays while a
 * new one loads.
 *
 * @param key - loading starts over when it changes, such as serialized filters
 */
export function usePolling<T>(
  load: () => Promise<T>,
  key: string,
  options: PollingOptions<T>,
): PollingState<T> {
  const { intervalMs = POLL_INTERVAL_MS } = options;
  const [state, setState] = useState<Omit<PollingState<T>, 'refresh' | 'wake'>>(
    {
      loading: true,
      reloading: false,
    },
  );
  const [refreshCount, setRefreshCount] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const shouldPollRef = useRef(options.shouldPoll);
  shouldPollRef.current = options.shouldPoll;
  const lastValue = useRef<T | undefined>(undefined);
  const lastKey = useRef(key);
  const wakeRef = useRef(() => {});

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    let again = false;
    const keyChanged = lastKey.current !== key;
    lastKey.current = key;

    const attempt = async (isPoll: boolean) => {
      if (running) {
        again = true;
        return;
      }
      clearTimeout(timer);
      running = true;
      if (!isPoll && keyChanged) {
        setState(s => ({ ...s, reloading: true }));
      }
      let pollAgain: boolean;
      try {
        const value = await loadRef.current();
        running = false;
        if (cancelled) return;
        lastValue.current = value;
        setState({ value, loading: false, reloading: false });
        pollAgain = shouldPollRef.current(value);
      } catch (e) {
        running = false;
        if (cancelled) return;
        const error = e instanceof Error ? e : new Error(String(e));
        setState(s => ({ ...s, error, loading: false, reloading: false }));
        // A refresh that failed is tried again as long as the data shown still moves.
        pollAgain =
          lastValue.current !== undefined &&
          shouldPollRef.current(lastValue.current);
      }
      if (again) {
        again = false;
        attempt(true);
      } else if (pollAgain) {
        timer = setTimeout(() => attempt(true), intervalMs);
      }
    };

    wakeRef.current = () => attempt(true);
    attempt(false);
    return () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
      wakeRef.current = () => {};
    };
  }, [key, refreshCount, intervalMs]);

  const refresh = useCallback(() => setRefreshCount(c => c + 1), []);
  const wake = useCallback(() => wakeRef.current(), []);
  return { ...state, refresh, wake };
}

/** True once `flag` has been true for `delayMs`, so quick loads show no indicator. */
export function useDelayedFlag(flag: boolean, delayMs = 400): boolean {
  const [delayed, setDelayed] = useState(false);
  useEffect(() => {
    if (!flag) {
      setDelayed(false);
      return undefined;
    }
    const timer = setTimeout(() => setDelayed(true), delayMs);
    return () => clearTimeout(timer);
  }, [flag, delayMs]);
  return delayed;
}
