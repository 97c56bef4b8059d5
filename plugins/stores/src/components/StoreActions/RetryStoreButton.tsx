import { Box, Button, CircularProgress, Typography } from '@material-ui/core';
import ReplayIcon from '@material-ui/icons/Replay';
import { useApi } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  Store,
  storeDeletePermission,
} from '@stores-for-backstage/plugin-stores-common';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { storesApiRef } from '../../api';

export interface RetryStoreButtonProps {
  store: Store;
  /** Called with the store the backend provisions again. */
  onRetried?: (store: Store) => void;
}

/**
 * Provisions a failed store again; shown to those who may change the store.
 * A refused retry says why next to the button.
 */
export function RetryStoreButton(props: RetryStoreButtonProps) {
  const { store, onRetried } = props;
  const storesApi = useApi(storesApiRef);
  // Retrying changes the store like deleting does, so one permission guards both.
  const { allowed } = usePermission({
    permission: storeDeletePermission,
    resourceRef: store.id,
  });
  const [{ loading, error }, retry] = useAsyncFn(async () => {
    const retried = await storesApi.retryStore(store.name);
    onRetried?.(retried);
  }, [storesApi, store.name, onRetried]);

  if (!allowed || store.status !== 'failed') {
    return null;
  }
  return (
    <Box display="flex" flexDirection="column" alignItems="flex-start">
      <Button
        variant="contained"
        color="primary"
        onClick={retry}
        disabled={loading}
        startIcon={
          loading ? (
            <CircularProgress size={16} color="inherit" />
          ) : (
            <ReplayIcon />
          )
        }
      >
        Retry
      </Button>
      {error && (
        <Typography variant="body2" color="error" role="alert">
          Could not retry: {error.message}
        </Typography>
      )}
    </Box>
  );
}
