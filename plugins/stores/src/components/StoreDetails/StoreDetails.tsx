import {
  EmptyState,
  InfoCard,
  LinkButton,
  Progress,
} from '@backstage/core-components';
import { useRouteRef } from '@backstage/core-plugin-api';
import { Grid } from '@material-ui/core';
import { Alert, AlertTitle } from '@material-ui/lab';
import { Store } from '@stores-for-backstage/plugin-stores-common';
import { useState } from 'react';
import { useEngines } from '../../hooks/useEngines';
import { StoreWithEvents, useStore } from '../../hooks/useStore';
import { formatRelative } from '../../lib/time';
import { rootRouteRef } from '../../routes';
import { DeleteStoreDialog } from '../StoreActions';
import { StoreProgress } from '../StoreProgress';
import { LoadError, RefreshError } from '../LoadError';
import { StoreStatusSince } from '../StoreStatusChip';
import { StoreTimeline } from '../StoreTimeline';
import { StoreAboutCard } from './StoreAboutCard';
import { StoreFailurePanel } from './StoreFailurePanel';

export function isNotFound(error: Error | undefined): boolean {
  return error?.name === 'NotFoundError';
}

/** Links back to the stores list when the app mounts it; the entity page may not. */
function useStoresListLink(): string | undefined {
  try {
    return useRouteRef(rootRouteRef)();
  } catch {
    return undefined;
  }
}

export interface StoreDetailsProps {
  name: string;
}

/**
 * Everything about one store: its progress, what went wrong and what to do,
 * its facts, and its timeline. Polls while the store is being worked on.
 */
export function StoreDetails(props: StoreDetailsProps) {
  const { name } = props;
  const { value, error, loading, refresh } = useStore(name);
  const listLink = useStoresListLink();

  if (loading) {
    return <Progress />;
  }
  if (!value && isNotFound(error)) {
    return (
      <EmptyState
        missing="data"
        title={`No store named ${name}`}
        description="It may have been deleted, or the name is misspelled. The stores list shows every store you can see."
        action={
          listLink ? (
            <LinkButton to={listLink} variant="contained" color="primary">
              All stores
            </LinkButton>
          ) : undefined
        }
      />
    );
  }
  if (!value) {
    return (
      <LoadError
        title={`Could not load store ${name}`}
        error={error}
        onRetry={refresh}
      />
    );
  }
  return (
    <StoreDetailsView data={value} refreshError={error} refresh={refresh} />
  );
}

function StoreDetailsView(props: {
  data: StoreWithEvents;
  refreshError?: Error;
  refresh: () => void;
}) {
  const { data, refreshError, refresh } = props;
  const { store, events, timelineHidden } = data;
  const { engineTitle } = useEngines();
  const [toDelete, setToDelete] = useState<Store>();
  const deletion = store.status === 'deleting' || store.status === 'deleted';

  return (
    <Grid container spacing={3}>
      {refreshError && (
        <Grid item xs={12}>
          <RefreshError
            what="the store"
            shownIn="page"
            error={refreshError}
            onRetry={refresh}
          />
        </Grid>
      )}
      {store.status === 'failed' && (
        <Grid item xs={12}>
          <StoreFailurePanel
            store={store}
            events={events}
            timelineHidden={Boolean(timelineHidden)}
            onRetried={refresh}
          />
        </Grid>
      )}
      {store.status === 'ready' && store.degradedReason && (
        <Grid item xs={12}>
          <Alert severity="warning" data-testid="degraded-reason">
            <AlertTitle>
              Degraded
              {store.degradedSince
                ? ` since ${formatRelative(store.degradedSince)}`
                : ''}
            </AlertTitle>
            {store.degradedReason} The store returns to ready by itself once its
            workloads are available again; the timeline records each change.
          </Alert>
        </Grid>
      )}
      {store.status === 'deleted' && (
        <Grid item xs={12}>
          <Alert severity="info">
            This store was deleted
            {store.deletedAt ? ` ${formatRelative(store.deletedAt)}` : ''}. Its
            namespace and data are gone; the name can be used for a new store.
          </Alert>
        </Grid>
      )}
      <Grid item xs={12}>
        <InfoCard
          title={deletion ? 'Deletion' : 'Provisioning'}
          subheader={<StoreStatusSince store={store} />}
        >
          <StoreProgress
            store={store}
            events={events}
            timelineHidden={Boolean(timelineHidden)}
          />
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={5}>
        <StoreAboutCard
          store={store}
          engineTitle={engineTitle(store.engine)}
          onDelete={setToDelete}
        />
      </Grid>
      <Grid item xs={12} md={7}>
        <InfoCard title="Timeline" variant="gridItem">
          <StoreTimeline events={events} hiddenReason={timelineHidden} />
        </InfoCard>
      </Grid>
      <DeleteStoreDialog
        store={toDelete}
        onClose={() => setToDelete(undefined)}
        onDeleted={refresh}
      />
    </Grid>
  );
}
