import { Box, Button, Collapse, Typography } from '@material-ui/core';
import { makeStyles, Theme } from '@material-ui/core/styles';
import ExpandMoreIcon from '@material-ui/icons/ExpandMore';
import LockIcon from '@material-ui/icons/Lock';
import {
  Timeline,
  TimelineConnector,
  TimelineContent,
  TimelineDot,
  TimelineItem,
  TimelineOppositeContent,
  TimelineSeparator,
} from '@material-ui/lab';
import {
  StoreEvent,
  StoreEventType,
} from '@stores-for-backstage/plugin-stores-common';
import { useState } from 'react';
import {
  formatDuration,
  formatRelative,
  formatTimestamp,
} from '../../lib/time';

type Tone = 'ok' | 'error' | 'warning' | 'neutral';

const EVENT_TONES: Partial<Record<StoreEventType, Tone>> = {
  ready: 'ok',
  failed: 'error',
  drift: 'warning',
  'release-recovered': 'warning',
  'workload-problem': 'warning',
  degraded: 'warning',
  recovered: 'ok',
  retry: 'warning',
  resumed: 'neutral',
  interrupted: 'warning',
  'deletion-requested': 'warning',
  deleted: 'neutral',
  forgotten: 'warning',
};

export const EVENT_LABELS: Record<StoreEventType, string> = {
  accepted: 'Accepted',
  'namespace-created': 'Namespace created',
  'release-recovered': 'Release recovered',
  'release-installed': 'Release installed',
  'workloads-ready': 'Workloads ready',
  'storefront-answered': 'Storefront answered',
  'workload-problem': 'Workload problem',
  ready: 'Ready',
  degraded: 'Degraded',
  recovered: 'Recovered',
  failed: 'Failed',
  retry: 'Retry',
  resumed: 'Resumed',
  interrupted: 'Interrupted',
  drift: 'Drift',
  'deletion-requested': 'Deletion requested',
  'release-uninstalled': 'Release uninstalled',
  'namespace-deleted': 'Namespace deleted',
  forgotten: 'Forgotten',
  deleted: 'Deleted',
};

function toneColor(theme: Theme, tone: Tone): string {
  switch (tone) {
    case 'ok':
      return theme.palette.status.ok;
    case 'error':
      return theme.palette.status.error;
    case 'warning':
      return theme.palette.status.warning;
    default:
      return theme.palette.grey[500];
  }
}

const useStyles = makeStyles(theme => ({
  timeline: {
    margin: 0,
    padding: 0,
  },
  time: {
    flex: '0 0 9rem',
    paddingLeft: 0,
  },
  dot: (props: { tone: Tone }) => ({
    backgroundColor: toneColor(theme, props.tone),
    boxShadow: 'none',
  }),
  detail: {
    margin: theme.spacing(1, 0, 0),
    padding: theme.spacing(1),
    maxHeight: 320,
    overflow: 'auto',
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-word',
    fontFamily: 'monospace',
    fontSize: theme.typography.caption.fontSize,
    backgroundColor: theme.palette.background.default,
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: theme.shape.borderRadius,
  },
  expandIcon: {
    transition: theme.transitions.create('transform'),
  },
  expanded: {
    transform: 'rotate(180deg)',
  },
}));

function EventDot(props: { type: StoreEventType }) {
  const classes = useStyles({ tone: EVENT_TONES[props.type] ?? 'neutral' });
  return <TimelineDot className={classes.dot} />;
}

function EventDetail(props: { event: StoreEvent }) {
  const { event } = props;
  const classes = useStyles({ tone: 'neutral' });
  const [open, setOpen] = useState(false);
  const id = `store-event-${event.id}-detail`;
  return (
    <>
      <Button
        size="small"
        onClick={() => setOpen(o => !o)}
        aria-expanded={open}
        aria-controls={id}
        aria-label={`${open ? 'Hide' : 'Show'} details of ${
          EVENT_LABELS[event.type] ?? event.type
        }`}
        endIcon={
          <ExpandMoreIcon
            className={`${classes.expandIcon} ${open ? classes.expanded : ''}`}
          />
        }
      >
        {open ? 'Hide details' : 'Show details'}
      </Button>
      <Collapse in={open} unmountOnExit>
        <pre id={id} className={classes.detail}>
          {event.detail}
        </pre>
      </Collapse>
    </>
  );
}

export interface StoreTimelineProps {
  /** Oldest first, as the backend lists them. */
  events: readonly StoreEvent[];
  /** The backend's reason for withholding the timeline, shown instead of it. */
  hiddenReason?: string;
}

/** What happened to a store, with times, durations and details such as Helm's output. */
export function StoreTimeline(props: StoreTimelineProps) {
  const { events, hiddenReason } = props;
  const classes = useStyles({ tone: 'neutral' });

  if (hiddenReason) {
    // A rule of the backend, not a failure: said plainly, without an error box.
    return (
      <Box display="flex" alignItems="flex-start" style={{ gap: 8 }}>
        <LockIcon color="action" fontSize="small" aria-hidden />
        <Typography color="textSecondary" data-testid="timeline-hidden">
          {hiddenReason}
        </Typography>
      </Box>
    );
  }
  if (events.length === 0) {
    return (
      <Typography color="textSecondary">
        Nothing has happened yet. The first event appears once the stores
        backend takes on the request, usually within seconds.
      </Typography>
    );
  }

  return (
    <Timeline className={classes.timeline} aria-label="Store timeline">
      {events.map((event, index) => (
        <TimelineItem key={event.id} data-testid="store-event">
          <TimelineOppositeContent className={classes.time}>
            <Typography variant="body2" color="textSecondary">
              <time dateTime={event.createdAt}>
                {formatTimestamp(event.createdAt)}
              </time>
            </Typography>
            <Typography variant="caption" color="textSecondary">
              {formatRelative(event.createdAt)}
            </Typography>
          </TimelineOppositeContent>
          <TimelineSeparator>
            <EventDot type={event.type} />
            {index < events.length - 1 && <TimelineConnector />}
          </TimelineSeparator>
          <TimelineContent>
            <Typography variant="subtitle2" component="h4">
              {EVENT_LABELS[event.type] ?? event.type}{' '}
              {event.durationMs !== undefined && (
                <Typography
                  component="span"
                  variant="caption"
                  color="textSecondary"
                >
                  · took {formatDuration(event.durationMs)}
                </Typography>
              )}
            </Typography>
            <Box>
              <Typography variant="body2">{event.message}</Typography>
            </Box>
            {event.detail && <EventDetail event={event} />}
          </TimelineContent>
        </TimelineItem>
      ))}
    </Timeline>
  );
}
