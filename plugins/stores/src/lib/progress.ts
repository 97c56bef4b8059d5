import {
  Store,
  StoreEvent,
  StoreEventType,
} from '@stores-for-backstage/plugin-stores-common';

/** `skipped`: a step the backend is configured not to run (the storefront check). */
export type StepState = 'done' | 'active' | 'failed' | 'pending' | 'skipped';

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
    hint: "The cluster did not create the store's namespace; the reason above is its answer. Retry; if it fails again, ask the platform team with that reason.",
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
    hint: "The store's pods did not become ready: the reason above is what the cluster reported, with what to do. The Kubernetes tab of the store's catalog entity shows the pods; fix the cause, then retry.",
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

/**
 * Causes a failure names in its own words (the Kubernetes API's or Node's), with
 * what to do; they come before the step's hint, which can only say where it
 * failed. The first that matches wins: a quota refusal is also "forbidden".
 */
const KNOWN_CAUSES: ReadonlyArray<{
  test: RegExp;
  hint: (cluster: string) => string;
}> = [
  {
    test: /ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|ECONNRESET|socket hang up|cannot be reached|no answer within|HTTP protocol is not allowed|connection refused|no such host|i\/o timeout/i,
    hint: cluster =>
      `The stores backend could not reach the cluster '${cluster}'; nothing is wrong with the store. Once the cluster is up again (on your own machine, scripts/start starts the local test bed), retry.`,
  },
  {
    test: /\b401\b|Unauthorized|must be logged in/i,
    hint: cluster =>
      `The cluster '${cluster}' did not accept the stores backend's credentials; its token may have expired. Ask the platform team to renew the token in stores.clusters (on your own machine, restart scripts/start), then retry.`,
  },
  {
    test: /exceeded quota/i,
    hint: cluster =>
      `A ResourceQuota in the cluster '${cluster}' refused the store's resources. Delete stores you no longer need or ask the platform team for more, then retry.`,
  },
  {
    test: /violates PodSecurity/i,
    hint: () =>
      "The engine's chart asks for pods that Pod Security 'restricted' refuses in store namespaces (the reason above names the fields). The chart or its values need fixing; ask the platform team, then retry.",
  },
  {
    test: /forbidden|\b403\b/i,
    hint: cluster =>
      `The cluster '${cluster}' refused the stores backend's identity what the reason above names. That identity's rights come from the stores-portal chart; ask the platform team to apply it, then retry.`,
  },
];

/** The hint for a failure whose cause its words name, if they do. */
export function hintForCause(
  cluster: string,
  ...texts: Array<string | undefined>
): string | undefined {
  const text = texts.filter(Boolean).join('\n');
  return KNOWN_CAUSES.find(c => c.test.test(text))?.hint(cluster);
}

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
  store: Pick<Store, 'status' | 'statusReason' | 'cluster'>,
  events: readonly StoreEvent[],
  timelineHidden: boolean = false,
): FailureSummary {
  if (timelineHidden) {
    return {
      title: 'Provisioning failed',
      reason: store.statusReason ?? FAILURE_DETAIL_HIDDEN,
      hint:
        hintForCause(store.cluster, store.statusReason) ?? HIDDEN_TIMELINE_HINT,
    };
  }
  const progress = deriveProgress(store, events);
  return {
    title: progress.failedStep
      ? `Failed at step ${progress.failedStep.label}`
      : 'Provisioning failed',
    reason:
      store.statusReason ?? progress.failure?.message ?? FAILURE_DETAIL_HIDDEN,
    hint:
      hintForCause(
        store.cluster,
        store.statusReason,
        progress.failure?.message,
        progress.failure?.detail,
      ) ?? hintForStep(progress.failedStep?.id),
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

  // A ready store whose timeline has no storefront answer since its workloads became
  // ready was made ready without the check (provisioning.checkStorefront off): the
  // step did not run, so it is not shown as done.
  const answered = latest.get('storefront');
  const workloadsReady = latest.get('workloads');
  // Without the timeline (hidden from the caller) nothing says so.
  const storefrontSkipped =
    store.status === 'ready' &&
    workloadsReady !== undefined &&
    (!answered || answered.id < workloadsReady.id);

  const steps = PROVISIONING_STEPS.map((definition, index): ProgressStep => {
    let state: StepState = 'pending';
    if (definition.id === 'storefront' && storefrontSkipped) {
      state = 'skipped';
    } else if (failed && index === next) {
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
