import { Typography } from '@material-ui/core';
import { Alert, AlertTitle } from '@material-ui/lab';
import { Store, StoreEvent } from '@stores-for-backstage/plugin-stores-common';
import { deriveProgress, hintForStep } from '../../lib/progress';
import { RetryStoreButton } from '../StoreActions';

export interface StoreFailurePanelProps {
  store: Store;
  events: readonly StoreEvent[];
  onRetried?: (store: Store) => void;
}

/** Why a store failed, what to do about it, and a retry button. */
export function StoreFailurePanel(props: StoreFailurePanelProps) {
  const { store, events, onRetried } = props;
  if (store.status !== 'failed') {
    return null;
  }
  const progress = deriveProgress(store, events);
  const reason =
    store.statusReason ??
    progress.failure?.message ??
    'The stores backend did not say why.';
  return (
    <Alert
      severity="error"
      action={<RetryStoreButton store={store} onRetried={onRetried} />}
    >
      <AlertTitle>
        {progress.failedStep
          ? `Failed at step ${progress.failedStep.label}`
          : 'Provisioning failed'}
      </AlertTitle>
      <Typography variant="body2" gutterBottom data-testid="failure-reason">
        {reason}
      </Typography>
      <Typography variant="body2" data-testid="failure-hint">
        {hintForStep(progress.failedStep?.id)}
      </Typography>
    </Alert>
  );
}
