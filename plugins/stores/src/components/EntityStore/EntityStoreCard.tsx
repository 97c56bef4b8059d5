import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useRouteRef } from '@backstage/core-plugin-api';
import {
  MissingAnnotationEmptyState,
  useEntity,
} from '@backstage/plugin-catalog-react';
import { Box, Typography } from '@material-ui/core';
import { STORE_ANNOTATION } from '@stores-for-backstage/plugin-stores-common';
import { useStore } from '../../hooks/useStore';
import { describeFailure } from '../../lib/progress';
import { storeRouteRef } from '../../routes';
import { RetryStoreButton, StoreLinks } from '../StoreActions';
import { isNotFound } from '../StoreDetails';
import { StoreProgress } from '../StoreProgress';
import { StoreStatusSince } from '../StoreStatusChip';
import { getStoreName } from './isStoreEntity';

/** Links to the store's page when the app mounts the stores pages. */
function useStorePageLink(name: string): string | undefined {
  try {
    return useRouteRef(storeRouteRef)({ name });
  } catch {
    return undefined;
  }
}

/**
 * Props of {@link EntityStoreCard}.
 *
 * @public
 */
export interface EntityStoreCardProps {
  /** As for `InfoCard`; `gridItem` fills the height of its grid row. */
  variant?: 'flex' | 'fullHeight' | 'gridItem';
}

/** An overview card for a store's catalog entity: status, steps and links. */
export function EntityStoreCard(props: EntityStoreCardProps) {
  const { variant } = props;
  const { entity } = useEntity();
  const name = getStoreName(entity);
  if (!name) {
    return (
      <InfoCard title="Store" variant={variant}>
        <MissingAnnotationEmptyState annotation={STORE_ANNOTATION} />
      </InfoCard>
    );
  }
  return <StoreCard key={name} name={name} variant={variant} />;
}

function StoreCard(props: { name: string } & EntityStoreCardProps) {
  const { name, variant } = props;
  const { value, error, loading, refresh } = useStore(name);
  const storeLink = useStorePageLink(name);
  const deepLink = storeLink
    ? { title: 'View store', link: storeLink }
    : undefined;

  let content;
  if (loading) {
    content = <Progress />;
  } else if (!value && isNotFound(error)) {
    content = (
      <Typography>
        The stores backend has no store named <code>{name}</code>. It may have
        been deleted; the catalog drops its entity shortly after.
      </Typography>
    );
  } else if (!value) {
    content = (
      <ResponseErrorPanel
        title="Could not load the store"
        error={error ?? new Error('Unknown error')}
      />
    );
  } else {
    const { store, events, timelineHidden } = value;
    const failure = describeFailure(store, events, Boolean(timelineHidden));
    content = (
      <>
        <StoreStatusSince store={store} />
        <StoreProgress
          store={store}
          events={events}
          timelineHidden={Boolean(timelineHidden)}
        />
        {store.status === 'failed' && (
          <Box mb={2}>
            <Typography variant="body2" gutterBottom>
              {failure.reason}
            </Typography>
            <Typography variant="body2" color="textSecondary" gutterBottom>
              {failure.hint}
            </Typography>
            <RetryStoreButton store={store} onRetried={refresh} />
          </Box>
        )}
        <StoreLinks store={store} />
      </>
    );
  }

  return (
    <InfoCard
      title="Store"
      subheader={name}
      deepLink={deepLink}
      variant={variant}
    >
      {content}
    </InfoCard>
  );
}
