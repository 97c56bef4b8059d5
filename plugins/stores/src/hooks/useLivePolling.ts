import { useApiHolder } from '@backstage/core-plugin-api';
import { signalApiRef } from '@backstage/plugin-signals-react';
import {
  STORES_SIGNAL_CHANNEL,
  StoreSignal,
} from '@stores-for-backstage/plugin-stores-common';
import { useEffect, useRef } from 'react';
import { SIGNALLED_POLL_INTERVAL_MS } from '../lib/status';
import { PollingOptions, PollingState, usePolling } from './usePolling';

export interface LivePollingOptions<T> extends PollingOptions<T> {
  /** Whether a store's signal concerns the data, which then loads again at once. */
  concerns: (signal: StoreSignal) => boolean;
}

/**
 * {@link usePolling} kept current by the stores backend's signals: a signal
 * that concerns the data loads it again at once, and polling slows down to a
 * safety net. In an app without the signals plugin it polls as usePolling does.
 *
 * It subscribes through the signal API rather than `useSignal`, which keeps
 * only the last signal of a render: a page must hear of its store even when
 * another store's signal follows in the same moment.
 */
export function useLivePolling<T>(
  load: () => Promise<T>,
  key: string,
  options: LivePollingOptions<T>,
): PollingState<T> {
  const signals = useApiHolder().get(signalApiRef);
  const polling = usePolling(load, key, {
    ...options,
    intervalMs: signals ? SIGNALLED_POLL_INTERVAL_MS : options.intervalMs,
  });
  const { wake } = polling;
  const concernsRef = useRef(options.concerns);
  concernsRef.current = options.concerns;

  useEffect(() => {
    if (!signals) return undefined;
    const { unsubscribe } = signals.subscribe<StoreSignal>(
      STORES_SIGNAL_CHANNEL,
      signal => {
        if (concernsRef.current(signal)) wake();
      },
    );
    return unsubscribe;
  }, [signals, wake]);

  return polling;
}
