import { useApi } from '@backstage/core-plugin-api';
import { Alert, AlertTitle } from '@material-ui/lab';
import { useCallback } from 'react';
import { ClusterStatus } from '@stores-for-backstage/plugin-stores-common';
import { storesApiRef } from '../../api';
import { usePolling } from '../../hooks/usePolling';

const anyDown = (clusters: ClusterStatus[]) => clusters.some(c => !c.reachable);

/**
 * A banner for each cluster the stores backend cannot reach, in the words of the
 * 503 a create would get; it goes away by itself once the cluster answers. Says
 * nothing when the clusters cannot be listed: the page shows its own errors.
 */
export function ClusterBanner() {
  const storesApi = useApi(storesApiRef);
  const load = useCallback(() => storesApi.listClusters(), [storesApi]);
  const { value } = usePolling(load, 'clusters', { shouldPoll: anyDown });
  return (
    <>
      {(value ?? [])
        .filter(c => !c.reachable)
        .map(cluster => (
          <Alert
            key={cluster.name}
            severity="warning"
            data-testid="cluster-banner"
            style={{ marginBottom: 16 }}
          >
            <AlertTitle>
              Stores cannot be created in the cluster '{cluster.name}'
            </AlertTitle>
            {cluster.message}
          </Alert>
        ))}
    </>
  );
}
