import { useApi } from '@backstage/core-plugin-api';
import { isError } from '@backstage/errors';
import {
  isInFlight,
  Store,
  StoreEvent,
} from '@stores-for-backstage/plugin-stores-common';
import { useCallback } from 'react';
import { StoresApi, storesApiRef } from '../api';
import { useLivePolling } from './useLivePolling';
import { PollingState } from './usePolling';

export interface StoreWithEvents {
  store: Store;
  /** Empty when the timeline is hidden. */
  events: StoreEvent[];
  /** The backend's reason for withholding the timeline from the caller (403). */
  timelineHidden?: string;
}

/** The timeline, or why the backend withholds it: only owners and admins see it. */
async function loadTimeline(
  storesApi: StoresApi,
  name: string,
): Promise<Pick<StoreWithEvents, 'events' | 'timelineHidden'>> {
  try {
    return { events: await storesApi.getStoreEvents(name) };
  } catch (e) {
    if (isError(e) && e.name === 'NotAllowedError') {
      return { events: [], timelineHidden: (e as Error).message };
    }
    throw e;
  }
}

/**
 * A store and its timeline, loaded again on each signal of the store, and
 * polled while the reconciler works on it.
 */
export function useStore(name: string): PollingState<StoreWithEvents> {
  const storesApi = useApi(storesApiRef);
  const load = useCallback(async () => {
    const [store, timeline] = await Promise.all([
      storesApi.getStore(name),
      loadTimeline(storesApi, name),
    ]);
    return { store, ...timeline };
  }, [storesApi, name]);
  return useLivePolling(load, name, {
    shouldPoll: ({ store }) => isInFlight(store.status),
    concerns: signal => signal.name === name,
  });
}
