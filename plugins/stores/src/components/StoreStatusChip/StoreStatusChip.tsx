import { Chip, Tooltip } from '@material-ui/core';
import { makeStyles, Theme } from '@material-ui/core/styles';
import BlockIcon from '@material-ui/icons/Block';
import CheckCircleIcon from '@material-ui/icons/CheckCircle';
import DeleteSweepIcon from '@material-ui/icons/DeleteSweep';
import ErrorIcon from '@material-ui/icons/Error';
import HourglassEmptyIcon from '@material-ui/icons/HourglassEmpty';
import SyncIcon from '@material-ui/icons/Sync';
import { StoreStatus } from '@stores-for-backstage/plugin-stores-common';
import { STATUS_LABELS } from '../../lib/status';

function statusColor(theme: Theme, status: StoreStatus): string {
  switch (status) {
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

const useStyles = makeStyles<Theme, { status: StoreStatus }>(theme => ({
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

const ICONS: Record<StoreStatus, typeof CheckCircleIcon> = {
  requested: HourglassEmptyIcon,
  provisioning: SyncIcon,
  ready: CheckCircleIcon,
  failed: ErrorIcon,
  deleting: DeleteSweepIcon,
  deleted: BlockIcon,
};

export interface StoreStatusChipProps {
  status: StoreStatus;
  /** Why the store is in its status; shown on hover and focus. */
  reason?: string;
}

/** A store's status as a coloured chip, with the reason on hover for failures. */
export function StoreStatusChip(props: StoreStatusChipProps) {
  const { status, reason } = props;
  const classes = useStyles({ status });
  const Icon = ICONS[status];
  const chip = (
    <Chip
      size="small"
      className={classes.chip}
      classes={{ icon: classes.icon }}
      icon={<Icon aria-hidden />}
      label={STATUS_LABELS[status] ?? status}
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
