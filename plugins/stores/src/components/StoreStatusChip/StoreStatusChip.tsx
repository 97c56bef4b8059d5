import { Chip, Tooltip } from '@material-ui/core';
import { makeStyles, Theme } from '@material-ui/core/styles';
import BlockIcon from '@material-ui/icons/Block';
import CheckCircleIcon from '@material-ui/icons/CheckCircle';
import DeleteSweepIcon from '@material-ui/icons/DeleteSweep';
import ErrorIcon from '@material-ui/icons/Error';
import HourglassEmptyIcon from '@material-ui/icons/HourglassEmpty';
import SyncIcon from '@material-ui/icons/Sync';
import WarningIcon from '@material-ui/icons/Warning';
import { Store, StoreStatus } from '@stores-for-backstage/plugin-stores-common';
import { STATUS_LABELS } from '../../lib/status';

/** What the chip shows: a status, or a ready store that is degraded. */
type Shown = StoreStatus | 'degraded';

function statusColor(theme: Theme, status: Shown): string {
  switch (status) {
    case 'degraded':
      return theme.palette.status.warning;
    case 'ready':
      return theme.palette.status.ok;
    case 'failed':
      return theme.palette.status.error;
    case 'requested':
      return theme.palette.status.pending;
    case 'provisioning':
      return theme.palette.status.running;
    case 'deleting':
      return theme.palette.status.warning;
    default:
      return theme.palette.status.aborted;
  }
}

const useStyles = makeStyles<Theme, { status: Shown }>(theme => ({
  chip: ({ status }) => {
    const background = statusColor(theme, status);
    return {
      backgroundColor: background,
      color: theme.palette.getContrastText(background),
      fontWeight: theme.typography.fontWeightMedium as number,
      margin: 0,
    };
  },
  icon: ({ status }) => ({
    color: theme.palette.getContrastText(statusColor(theme, status)),
  }),
}));

const ICONS: Record<Shown, typeof CheckCircleIcon> = {
  degraded: WarningIcon,
  requested: HourglassEmptyIcon,
  provisioning: SyncIcon,
  ready: CheckCircleIcon,
  failed: ErrorIcon,
  deleting: DeleteSweepIcon,
  deleted: BlockIcon,
};

export interface StoreStatusChipProps {
  store: Pick<Store, 'status' | 'statusReason' | 'degradedReason'>;
}

/**
 * A store's status as a coloured chip, with the reason on hover: why it failed, or
 * why a ready store is degraded.
 */
export function StoreStatusChip(props: StoreStatusChipProps) {
  const { store } = props;
  const degraded = store.status === 'ready' && Boolean(store.degradedReason);
  const shown: Shown = degraded ? 'degraded' : store.status;
  const reason = degraded ? store.degradedReason : store.statusReason;
  const classes = useStyles({ status: shown });
  const Icon = ICONS[shown];
  const chip = (
    <Chip
      size="small"
      className={classes.chip}
      classes={{ icon: classes.icon }}
      icon={<Icon aria-hidden />}
      label={degraded ? 'Degraded' : STATUS_LABELS[store.status] ?? shown}
      // Focusable when it has a reason, so keyboard users can read it too.
      tabIndex={reason ? 0 : undefined}
      data-testid="store-status"
    />
  );
  return reason ? (
    <Tooltip title={reason} arrow>
      {chip}
    </Tooltip>
  ) : (
    chip
  );
}
