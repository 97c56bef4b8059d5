import { Box, Typography } from '@material-ui/core';
import { Store } from '@stores-for-backstage/plugin-stores-common';
import { RelativeTime } from '../RelativeTime';
import { StoreStatusChip, StoreStatusChipProps } from './StoreStatusChip';

export interface StoreStatusSinceProps {
  store: StoreStatusChipProps['store'] & Pick<Store, 'statusChangedAt'>;
}

/** A store's status chip and how long the store has had that status. */
export function StoreStatusSince(props: StoreStatusSinceProps) {
  const { store } = props;
  return (
    <Box display="flex" alignItems="center" style={{ gap: 8 }}>
      <StoreStatusChip store={store} />
      <Typography variant="body2" component="span">
        since <RelativeTime value={store.statusChangedAt} />
      </Typography>
    </Box>
  );
}
