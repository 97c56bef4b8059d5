import { useApi } from '@backstage/core-plugin-api';
import { StoreEngineInfo } from '@stores-for-backstage/plugin-stores-common';
import { useCallback } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { storesApiRef } from '../api';

const NO_ENGINES: StoreEngineInfo[] = [];

/**
 * The engines the backend offers. Pages work without them (they show engine
 * ids), so a failure here is not an error of the page.
 */
export function useEngines(): {
  engines: StoreEngineInfo[];
  engineTitle: (id: string) => string;
} {
  const storesApi = useApi(storesApiRef);
  const { value } = useAsync(() => storesApi.listEngines(), [storesApi]);
  const engines = value ?? NO_ENGINES;
  const engineTitle = useCallback(
    (id: string) => engines.find(e => e.id === id)?.title ?? id,
    [engines],
  );
  return { engines, engineTitle };
}
