import { ResponseErrorPanel } from '@backstage/core-components';
import { Box, Button, Typography } from '@material-ui/core';

/** What a page shows when its first load failed: the server's error and a way to try again. */
export function LoadError(props: {
  title: string;
  error?: Error;
  onRetry: () => void;
}) {
  return (
    <>
      <ResponseErrorPanel
        title={props.title}
        error={props.error ?? new Error('Unknown error')}
      />
      <Box mt={2}>
        <Typography paragraph>
          Check that the stores backend is running and reachable, then try
          again.
        </Typography>
        <Button variant="outlined" onClick={props.onRetry}>
          Try again
        </Button>
      </Box>
    </>
  );
}
