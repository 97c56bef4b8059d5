import { Button } from '@material-ui/core';
import { Alert } from '@material-ui/lab';

/**
 * What a page shows when a reload failed but what it loaded before is still
 * shown: the server's error and a way to try again.
 */
export function RefreshError(props: {
  /** What failed to reload, for example "the store". */
  what: string;
  /** Where the earlier data is shown, for example "page". */
  shownIn: string;
  error: Error;
  onRetry: () => void;
}) {
  const { what, shownIn, error, onRetry } = props;
  return (
    <Alert
      severity="warning"
      action={
        <Button color="inherit" size="small" onClick={onRetry}>
          Try again
        </Button>
      }
    >
      Could not refresh {what}: {error.message}. The {shownIn} shows what was
      loaded before.
    </Alert>
  );
}
