import {
  Step,
  StepLabel,
  Stepper,
  Typography,
  CircularProgress,
} from '@material-ui/core';
import { makeStyles } from '@material-ui/core/styles';
import { Store, StoreEvent } from '@stores-for-backstage/plugin-stores-common';
import { deriveProgress, ProgressStep, StepState } from '../../lib/progress';
import { formatDuration, formatRelative } from '../../lib/time';
import { visuallyHidden } from '../../lib/a11y';

const useStyles = makeStyles(theme => ({
  stepper: {
    padding: theme.spacing(2, 0),
    background: 'transparent',
  },
  visuallyHidden,
}));

const STATE_TEXT: Record<StepState, string> = {
  done: 'done',
  active: 'in progress',
  failed: 'failed',
  pending: 'not started',
  skipped: 'not checked',
};

function stepCaption(step: ProgressStep): string | undefined {
  if (step.state === 'done' && step.event) {
    return step.event.durationMs !== undefined
      ? formatDuration(step.event.durationMs)
      : formatRelative(step.event.createdAt);
  }
  if (step.state === 'active') return 'working…';
  if (step.state === 'failed') return 'failed';
  if (step.state === 'skipped') return 'not checked';
  return undefined;
}

export interface StoreProgressProps {
  store: Pick<Store, 'status'>;
  events: readonly StoreEvent[];
  /** Whether the backend withheld the timeline, which the steps come from. */
  timelineHidden?: boolean;
}

/**
 * The steps of bringing a store up (accepted, namespace, release, workloads,
 * storefront) or of taking it down, from its timeline and status.
 */
export function StoreProgress(props: StoreProgressProps) {
  const { store, events, timelineHidden } = props;
  const classes = useStyles();
  // Without the timeline only the end states say which steps are done.
  if (
    timelineHidden &&
    store.status !== 'ready' &&
    store.status !== 'deleted'
  ) {
    return (
      <Typography variant="body2" color="textSecondary">
        The steps come from the store&apos;s timeline, which only its owners and
        admins can see.
      </Typography>
    );
  }
  const progress = deriveProgress(store, events);
  const activeIndex = progress.steps.findIndex(
    s => s.state === 'active' || s.state === 'failed',
  );

  return (
    <Stepper
      alternativeLabel
      activeStep={activeIndex >= 0 ? activeIndex : progress.steps.length}
      className={classes.stepper}
      role="list"
      aria-label={
        progress.kind === 'deletion' ? 'Deletion steps' : 'Provisioning steps'
      }
    >
      {progress.steps.map(step => {
        const caption = stepCaption(step);
        return (
          <Step
            key={step.id}
            disabled={step.state === 'skipped'}
            completed={step.state === 'done'}
            active={step.state === 'active' || step.state === 'failed'}
            role="listitem"
            aria-current={step.state === 'active' ? 'step' : undefined}
            data-testid={`step-${step.id}`}
            data-state={step.state}
          >
            <StepLabel
              error={step.state === 'failed'}
              // Only the active step replaces its icon: passing icon={undefined}
              // would hide the number or tick that Step supplies to the others.
              {...(step.state === 'active' && {
                icon: <CircularProgress size={24} aria-hidden />,
              })}
              optional={
                caption && (
                  <Typography variant="caption" color="textSecondary">
                    {caption}
                  </Typography>
                )
              }
            >
              {step.label}
              <span className={classes.visuallyHidden}>
                : {STATE_TEXT[step.state]}
              </span>
            </StepLabel>
          </Step>
        );
      })}
    </Stepper>
  );
}
