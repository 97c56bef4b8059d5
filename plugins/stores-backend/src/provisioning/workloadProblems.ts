import {
  CoreV1Event,
  V1Job,
  V1PersistentVolumeClaim,
  V1Pod,
} from '@kubernetes/client-node';

/**
 * A state of a store's workloads that waiting will not heal, such as an image that
 * cannot be pulled. Kubernetes retries these for ever; the stores backend gives
 * each a grace period, then ends the attempt with it as the reason.
 */
export interface WorkloadProblem {
  kind:
    | 'image-pull'
    | 'crash-loop'
    | 'container-config'
    | 'unschedulable'
    | 'pod-rejected'
    | 'claim-pending'
    | 'job-failed';
  /** The object it was seen on, e.g. `pod/shop-web-5d8f7-x2x9q`. */
  object: string;
  /**
   * What stays the same while the problem lasts, even when a controller replaces the
   * pod: the kind and the workload (the pod's owner), container or claim.
   */
  key: string;
  /** The cluster's words, one line. */
  message: string;
}

/** What to do about each kind, in the words the Store page shows after the reason. */
export const PROBLEM_HINTS: Record<WorkloadProblem['kind'], string> = {
  'image-pull':
    "The cluster cannot pull the engine's image: check the image reference in the engine's chart values, that the image was built and pushed, and the pull secret.",
  'crash-loop':
    "A container keeps exiting: its logs (the Kubernetes tab of the store's entity) say why, most often a database it cannot reach or a setting it refuses.",
  'container-config':
    'The cluster cannot start a container as configured (a missing Secret or ConfigMap key, an invalid setting): the reason names it.',
  unschedulable:
    'No node has room for a pod of the store: free capacity, add nodes, or choose a smaller plan.',
  'pod-rejected':
    "The cluster refused to create the store's pods (quota or policy): delete stores you no longer need or ask the platform team to raise the namespace's limits.",
  'claim-pending':
    'A volume of the store is not bound: the cluster needs a StorageClass that provisions volumes (or a default one).',
  'job-failed':
    "A setup Job of the store failed: its logs (the Kubernetes tab of the store's entity) say why.",
};

/**
 * How long a state must last before it is reported: a claim is pending, and a pod waiting
 * for it unschedulable, for the seconds it takes to make the volume. The rest are reported
 * as soon as they are seen. (An attempt still fails after the engine's grace period.)
 */
export const PROBLEM_NOTICE_MS: Partial<
  Record<WorkloadProblem['kind'], number>
> = {
  'claim-pending': 20_000,
  unschedulable: 10_000,
};

/**
 * Pods refused by a quota or an admission policy show only as `FailedCreate` events,
 * which carry no store label and so are not watched: while a store's workloads are not
 * available, its events are listed this long after the release was installed, and as
 * often again. A store that comes up sooner never costs the call.
 */
export const REFUSALS_EVERY_MS = 10_000;

/** Waiting reasons of a container that only a change outside the store fixes. */
type ContainerProblemKind = 'image-pull' | 'crash-loop' | 'container-config';
const WAITING_REASONS: Record<string, ContainerProblemKind> = {
  ErrImagePull: 'image-pull',
  ImagePullBackOff: 'image-pull',
  InvalidImageName: 'image-pull',
  ErrImageNeverPull: 'image-pull',
  CrashLoopBackOff: 'crash-loop',
  CreateContainerConfigError: 'container-config',
  CreateContainerError: 'container-config',
  RunContainerError: 'container-config',
};

function oneLine(text: string | undefined, max = 300): string {
  const line = (text ?? '').replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The pod's controller, or the pod itself: what a problem belongs to across pod restarts. */
function workloadOf(pod: V1Pod): string {
  const owner = pod.metadata?.ownerReferences?.find(o => o.controller);
  return owner
    ? `${owner.kind.toLowerCase()}/${owner.name}`
    : `pod/${pod.metadata?.name}`;
}

function podProblems(pod: V1Pod): WorkloadProblem[] {
  if (pod.metadata?.deletionTimestamp) return [];
  const object = `pod/${pod.metadata?.name}`;
  const workload = workloadOf(pod);
  const problems: WorkloadProblem[] = [];
  const statuses = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ];
  for (const status of statuses) {
    const waiting = status.state?.waiting;
    const kind = waiting?.reason ? WAITING_REASONS[waiting.reason] : undefined;
    if (!kind) continue;
    const what: Record<typeof kind, string> = {
      'image-pull': `cannot pull image ${status.image}`,
      'crash-loop': `container ${status.name} keeps crashing (${
        status.restartCount
      } restarts${
        status.lastState?.terminated?.exitCode !== undefined
          ? `, last exit code ${status.lastState.terminated.exitCode}`
          : ''
      })`,
      'container-config': `container ${status.name} cannot start`,
    };
    problems.push({
      kind,
      object,
      key: `${kind} ${workload} ${status.name}`,
      message: oneLine(
        `Pod ${pod.metadata?.name} ${what[kind]}: ${waiting!.reason}${
          waiting!.message ? ` (${waiting!.message})` : ''
        }`,
      ),
    });
  }
  const scheduled = pod.status?.conditions?.find(
    c => c.type === 'PodScheduled',
  );
  if (
    scheduled?.status === 'False' &&
    scheduled.reason === 'Unschedulable' &&
    !pod.spec?.nodeName
  ) {
    problems.push({
      kind: 'unschedulable',
      object,
      key: `unschedulable ${workload}`,
      message: oneLine(
        `Pod ${pod.metadata?.name} cannot be scheduled: ${scheduled.message}`,
      ),
    });
  }
  return problems;
}

function jobProblems(job: V1Job): WorkloadProblem[] {
  const failed = job.status?.conditions?.find(
    c => c.type === 'Failed' && c.status === 'True',
  );
  if (!failed) return [];
  return [
    {
      kind: 'job-failed',
      object: `job/${job.metadata?.name}`,
      key: `job-failed job/${job.metadata?.name}`,
      message: oneLine(
        `Job ${job.metadata?.name} failed: ${failed.reason}${
          failed.message ? ` (${failed.message})` : ''
        }`,
      ),
    },
  ];
}

function claimProblems(claim: V1PersistentVolumeClaim): WorkloadProblem[] {
  if (claim.status?.phase !== 'Pending') return [];
  return [
    {
      kind: 'claim-pending',
      object: `persistentvolumeclaim/${claim.metadata?.name}`,
      key: `claim-pending ${claim.metadata?.name}`,
      message: `Volume claim ${claim.metadata?.name} is not bound${
        claim.spec?.storageClassName
          ? ` (StorageClass ${claim.spec.storageClassName})`
          : ' (no StorageClass named, and none is the default)'
      }`,
    },
  ];
}

/**
 * A controller (ReplicaSet, StatefulSet, Job) that could not create its pods: the
 * namespace's quota or an admission policy refused them. Only events at or after
 * `since` count, as events outlive what they describe.
 */
function refusalProblems(event: CoreV1Event, since: Date): WorkloadProblem[] {
  if (event.type !== 'Warning' || event.reason !== 'FailedCreate') return [];
  const at =
    event.lastTimestamp ?? event.eventTime ?? event.metadata?.creationTimestamp;
  if (at && new Date(at as unknown as string) < since) return [];
  const kind = event.involvedObject.kind?.toLowerCase() ?? 'object';
  const workload = `${kind}/${event.involvedObject.name}`;
  return [
    {
      kind: 'pod-rejected',
      object: workload,
      key: `pod-rejected ${workload}`,
      message: oneLine(
        `${event.involvedObject.kind} ${event.involvedObject.name} cannot create its pods: ${event.message}`,
      ),
    },
  ];
}

/** Every problem the store's objects show, one per key. */
export function diagnoseWorkloads(
  objects: {
    pods: V1Pod[];
    jobs: V1Job[];
    claims: V1PersistentVolumeClaim[];
    events: CoreV1Event[];
  },
  since: Date,
): WorkloadProblem[] {
  const all = [
    ...objects.pods.flatMap(podProblems),
    ...objects.jobs.flatMap(jobProblems),
    ...objects.claims.flatMap(claimProblems),
    ...objects.events.flatMap(e => refusalProblems(e, since)),
  ];
  const byKey = new Map<string, WorkloadProblem>();
  for (const problem of all) {
    if (!byKey.has(problem.key)) byKey.set(problem.key, problem);
  }
  return [...byKey.values()];
}

/**
 * A problem as a store's reason: the cluster's words, how long it lasted, then what
 * to do.
 */
export function describeProblem(
  problem: WorkloadProblem,
  lastedMs?: number,
): string {
  const lasted =
    lastedMs === undefined ? '' : ` (for ${Math.round(lastedMs / 1000)} s)`;
  return `${problem.message.replace(/\.+$/, '')}${lasted}. ${
    PROBLEM_HINTS[problem.kind]
  }`;
}
