import { useApi } from '@backstage/core-plugin-api';
import { Store } from '@stores-for-backstage/plugin-stores-common';
import { useCallback } from 'react';
import { ListStoresOptions, storesApiRef } from '../api';
import { anyInFlight } from '../lib/status';
import { useLivePolling } from './useLivePolling';
import { PollingState } from './usePolling';

export const STORES_PAGE_SIZE = 100;

export interface LoadedStores {
  items: Store[];
  totalCount: number;
  /** Whether the server has more stores than the pages loaded so far. */
  hasMore: boolean;
}

/**
 * The first `pages` pages of stores that match the filters, loaded again on
 * each signal of a store (a signalled store may enter or leave the filters),
 * and polled while any of them is being provisioned or deleted. A poll loads
 * every page shown, so "load more" does not lose rows on the next poll.
 */
export function useStoreList(
  filters: Omit<ListStoresOptions, 'cursor' | 'limit'>,
  pages: number,
): PollingState<LoadedStores> {
  const storesApi = useApi(storesApiRef);
  const key = JSON.stringify({ ...filters, pages });
  const load = useCallback(async (): Promise<LoadedStores> => {
    // Read back from the key: the filters object is new on every render.
    const { pages: pageCount, ...options } = JSON.parse(key) as {
      pages: number;
    } & ListStoresOptions;
    const items: Store[] = [];
    let totalCount = 0;
    let cursor: string | undefined;
    for (let page = 0; page < pageCount; page++) {
      const result = await storesApi.listStores({
        ...options,
        limit: STORES_PAGE_SIZE,
        cursor,
      });
      items.push(...result.items);
      totalCount = result.totalCount;
      cursor = result.nextCursor;
      if (!cursor) break;
    }
    return { items, totalCount, hasMore: Boolean(cursor) };
  }, [storesApi, key]);
  return useLivePolling(load, key, {
    shouldPoll: ({ items }) => anyInFlight(items),
    concerns: () => true,
  });
}
