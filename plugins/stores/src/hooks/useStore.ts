import { useApi } from '@backstage/core-plugin-api';
import { Store, StoreEvent } from '@stores-for-backstage/plugin-stores-common';
import { useCallback } from 'react';
import { storesApiRef } from '../api';
import { isInFlight } from '../lib/status';
import { PollingState, usePolling } from './usePolling';

export interface StoreWithEvents {
  store: Store;
  events: StoreEvent[];
}

/** A store and its timeline, polled while the reconciler works on the store. */
export function useStore(name: string): PollingState<StoreWithEvents> {
  const storesApi = useApi(storesApiRef);
  const load = useCallback(async () => {
    const [store, events] = await Promise.all([
      storesApi.getStore(name),
      storesApi.getStoreEvents(name),
    ]);
    return { store, events };
  }, [storesApi, name]);
  return usePolling(load, name, {
    shouldPoll: ({ store }) => isInFlight(store.status),
  });
}
