import {
  Store,
  StoreEvent,
  StoreEventType,
} from '@stores-for-backstage/plugin-stores-common';

export type StepState = 'done' | 'active' | 'failed' | 'pending';

export interface ProgressStep {
  id: string;
  label: string;
  state: StepState;
  /** The latest event that completed this step, when there is one. */
  event?: StoreEvent;
}

export interface StoreProgress {
  /** Whether the steps are those of bringing the store up or of taking it down. */
  kind: 'provisioning' | 'deletion';
  steps: ProgressStep[];
  /** The step the store failed at. */
  failedStep?: ProgressStep;
  /** The `failed` event of the current failure. */
  failure?: StoreEvent;
}

interface StepDefinition {
  id: string;
  label: string;
  /** The event that marks the step done. */
  doneBy: StoreEventType;
  /** What to do when the store failed at this step. */
  hint?: string;
}

export const PROVISIONING_STEPS: readonly StepDefinition[] = [
  {
    id: 'accepted',
    label: 'Accepted',
    doneBy: 'accepted',
    hint: 'The stores backend could not take on the request. Retry; if it fails again, ask the platform team to look at the stores backend logs.',
  },
  {
    id: 'namespace',
    label: 'Namespace',
    doneBy: 'namespace-created',
    hint: "The cluster did not create the store's namespace, usually because of a quota or the portal's permissions in the cluster. Retry; if it fails again, ask the platform team.",
  },
  {
    id: 'release',
    label: 'Release',
    doneBy: 'release-installed',
    hint: "Helm could not install the engine's chart. Expand the failed event in the timeline for Helm's output, then retry.",
  },
  {
    id: 'workloads',
    label: 'Workloads',
    doneBy: 'workloads-ready',
    hint: "The store's pods did not become ready in time. Open the Kubernetes tab of the store's catalog entity for pods that are pending or restarting (storage, image pulls, resource limits), then retry.",
  },
  {
    id: 'storefront',
    label: 'Storefront',
    doneBy: 'storefront-answered',
    hint: 'The pods run, but the storefront did not answer at its URL. Check the ingress and DNS of the storefront host, then retry.',
  },
];

export const DELETION_STEPS: readonly StepDefinition[] = [
  {
    id: 'deletion-requested',
    label: 'Requested',
    doneBy: 'deletion-requested',
  },
  {
    id: 'release-uninstalled',
    label: 'Release uninstalled',
    doneBy: 'release-uninstalled',
  },
  {
    id: 'namespace-deleted',
    label: 'Namespace deleted',
    doneBy: 'namespace-deleted',
  },
  { id: 'deleted', label: 'Deleted', doneBy: 'deleted' },
];

/** What to do about a store that failed at the given step. */
export function hintForStep(stepId: string | undefined): string {
  return (
    PROVISIONING_STEPS.find(step => step.id === stepId)?.hint ??
    'Look at the timeline for the last step that ran, then retry.'
  );
}

/**
 * What pages say where the backend left out a failure's detail: it shows the
 * detail (Helm's output) to the store's owners and admins only.
 */
export const FAILURE_DETAIL_HIDDEN =
  "Only the store's owners and admins can see the detail of this failure.";

/** The hint for those who can see neither the detail nor the timeline. */
const HIDDEN_TIMELINE_HINT =
  "The store's owners can see its timeline with Helm's output; ask them to look, or retry if you may.";

export interface FailureSummary {
  title: string;
  reason: string;
  hint: string;
}

/**
 * How pages describe a failed store. Without the timeline the failed step is
 * unknown, so none is named rather than a wrong one.
 */
export function describeFailure(
  store: Pick<Store, 'status' | 'statusReason'>,
  events: readonly StoreEvent[],
  timelineHidden: boolean = false,
): FailureSummary {
  if (timelineHidden) {
    return {
      title: 'Provisioning failed',
      reason: store.statusReason ?? FAILURE_DETAIL_HIDDEN,
      hint: HIDDEN_TIMELINE_HINT,
    };
  }
  const progress = deriveProgress(store, events);
  return {
    title: progress.failedStep
      ? `Failed at step ${progress.failedStep.label}`
      : 'Provisioning failed',
    reason:
      store.statusReason ?? progress.failure?.message ?? FAILURE_DETAIL_HIDDEN,
    hint: hintForStep(progress.failedStep?.id),
  };
}

/**
 * Derives a store's steps from its timeline and status. Steps only move
 * forward: a later step done implies the earlier ones, so a reconciler that
 * skips an event on a retry still shows a consistent picture.
 */
export function deriveProgress(
  store: Pick<Store, 'status'>,
  events: readonly StoreEvent[],
): StoreProgress {
  if (store.status === 'deleting' || store.status === 'deleted') {
    return deriveDeletion(store, events);
  }

  const latest = new Map<string, StoreEvent>();
  let reached = -1;
  let failure: StoreEvent | undefined;
  for (const event of events) {
    const index = PROVISIONING_STEPS.findIndex(s => s.doneBy === event.type);
    if (index >= 0) {
      latest.set(PROVISIONING_STEPS[index].id, event);
      reached = Math.max(reached, index);
      failure = undefined;
    } else if (event.type === 'ready') {
      reached = PROVISIONING_STEPS.length - 1;
      failure = undefined;
    } else if (event.type === 'failed') {
      failure = event;
    } else if (event.type === 'retry' || event.type === 'resumed') {
      failure = undefined;
    } else if (event.type === 'drift') {
      // The cluster no longer matches the store; the release onwards is redone.
      reached = Math.min(reached, stepIndex('namespace'));
    }
  }

  if (store.status === 'ready') {
    reached = PROVISIONING_STEPS.length - 1;
  }
  const next = Math.min(reached + 1, PROVISIONING_STEPS.length - 1);
  const failed = store.status === 'failed';
  const working =
    store.status === 'requested' || store.status === 'provisioning';

  const steps = PROVISIONING_STEPS.map((definition, index): ProgressStep => {
    let state: StepState = 'pending';
    if (failed && index === next) {
      state = 'failed';
    } else if (index <= reached) {
      state = 'done';
    } else if (working && index === next) {
      state = 'active';
    }
    return {
      id: definition.id,
      label: definition.label,
      state,
      event: latest.get(definition.id),
    };
  });

  return {
    kind: 'provisioning',
    steps,
    failedStep: failed ? steps[next] : undefined,
    failure: failed ? failure : undefined,
  };
}

function deriveDeletion(
  store: Pick<Store, 'status'>,
  events: readonly StoreEvent[],
): StoreProgress {
  const latest = new Map<string, StoreEvent>();
  let reached = -1;
  for (const event of events) {
    const index = DELETION_STEPS.findIndex(s => s.doneBy === event.type);
    if (index >= 0) {
      if (index === 0) {
        // A new deletion after an earlier one (of a reused record) starts over.
        latest.clear();
        reached = -1;
      }
      latest.set(DELETION_STEPS[index].id, event);
      reached = Math.max(reached, index);
    }
  }
  if (store.status === 'deleted') {
    reached = DELETION_STEPS.length - 1;
  }
  const stateOf = (index: number): StepState => {
    if (index <= reached) return 'done';
    if (index === reached + 1 && store.status === 'deleting') return 'active';
    return 'pending';
  };
  const steps = DELETION_STEPS.map(
    (definition, index): ProgressStep => ({
      id: definition.id,
      label: definition.label,
      state: stateOf(index),
      event: latest.get(definition.id),
    }),
  );
  return { kind: 'deletion', steps };
}

function stepIndex(id: string): number {
  return PROVISIONING_STEPS.findIndex(step => step.id === id);
}
