import { Typography } from '@material-ui/core';
import { Alert, AlertTitle } from '@material-ui/lab';
import { Store, StoreEvent } from '@stores-for-backstage/plugin-stores-common';
import { describeFailure } from '../../lib/progress';
import { RetryStoreButton } from '../StoreActions';

export interface StoreFailurePanelProps {
  store: Store;
  events: readonly StoreEvent[];
  /** Whether the backend withheld the timeline from the caller. */
  timelineHidden?: boolean;
  onRetried?: (store: Store) => void;
}

/** Why a store failed, what to do about it, and a retry button. */
export function StoreFailurePanel(props: StoreFailurePanelProps) {
  const { store, events, timelineHidden, onRetried } = props;
  if (store.status !== 'failed') {
    return null;
  }
  const failure = describeFailure(store, events, timelineHidden);
  return (
    <Alert
      severity="error"
      action={<RetryStoreButton store={store} onRetried={onRetried} />}
    >
      <AlertTitle>{failure.title}</AlertTitle>
      <Typography variant="body2" gutterBottom data-testid="failure-reason">
        {failure.reason}
      </Typography>
      <Typography variant="body2" data-testid="failure-hint">
        {failure.hint}
      </Typography>
    </Alert>
  );
}
