import { SignalApi } from '@backstage/plugin-signals-react';
import {
  STORES_SIGNAL_CHANNEL,
  StoreSignal,
} from '@stores-for-backstage/plugin-stores-common';
import { act } from '@testing-library/react';

/** A signal API that delivers what the test sends, as the signals plugin would. */
export function fakeSignals() {
  const subscriptions = new Set<{
    channel: string;
    onMessage: (message: StoreSignal) => void;
  }>();
  const api: SignalApi = {
    // whatever a subscriber expects, this fake only ever sends store signals
    subscribe(channel: string, onMessage: (message: never) => void) {
      const subscription = {
        channel,
        onMessage: onMessage as (message: StoreSignal) => void,
      };
      subscriptions.add(subscription);
      return { unsubscribe: () => subscriptions.delete(subscription) };
    },
  };
  return {
    api,
    /** Sends a store's signal to every subscriber of the stores channel. */
    send(signal: Partial<StoreSignal> & Pick<StoreSignal, 'name'>) {
      const message: StoreSignal = {
        storeId: `id-${signal.name}`,
        status: 'ready',
        ...signal,
      };
      act(() => {
        for (const s of subscriptions) {
          if (s.channel === STORES_SIGNAL_CHANNEL) s.onMessage(message);
        }
      });
    },
  };
}
