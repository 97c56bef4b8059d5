import { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { describeProblem, diagnoseWorkloads } from './workloadProblems';

const since = new Date('2026-12-03T10:00:00Z');
const none = { pods: [], jobs: [], claims: [], events: [] };

function pod(name: string, status: V1Pod['status'], nodeName?: string): V1Pod {
  return {
    metadata: {
      name,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'shop-web-5d8f7',
          uid: 'u1',
          controller: true,
        },
      ],
    },
    spec: { containers: [{ name: 'web' }], nodeName },
    status,
  };
}

function waiting(reason: string, message?: string): V1Pod['status'] {
  return {
    phase: 'Pending',
    containerStatuses: [
      {
        name: 'web',
        image: 'registry.invalid/web:1',
        imageID: '',
        ready: false,
        restartCount: 3,
        lastState: { terminated: { exitCode: 1, reason: 'Error' } as any },
        state: { waiting: { reason, message } },
      },
    ],
  };
}

describe('diagnoseWorkloads', () => {
  it('finds nothing in healthy or merely starting workloads', () => {
    const starting = pod('a', waiting('ContainerCreating'), 'node-0');
    const running = pod(
      'b',
      {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True' }],
      },
      'node-0',
    );
    expect(
      diagnoseWorkloads({ ...none, pods: [starting, running] }, since),
    ).toEqual([]);
  });

  it('names an image that cannot be pulled, with the image', () => {
    const [problem] = diagnoseWorkloads(
      {
        ...none,
        pods: [
          pod(
            'shop-web-1',
            waiting('ImagePullBackOff', 'Back-off pulling image'),
            'n',
          ),
        ],
      },
      since,
    );
    expect(problem).toMatchObject({
      kind: 'image-pull',
      object: 'pod/shop-web-1',
      key: 'image-pull replicaset/shop-web-5d8f7 web',
    });
    expect(problem.message).toBe(
      'Pod shop-web-1 cannot pull image registry.invalid/web:1: ImagePullBackOff (Back-off pulling image)',
    );
    expect(describeProblem(problem)).toMatch(/check the image reference/);
  });

  it('names a crash loop with its restarts and exit code', () => {
    const [problem] = diagnoseWorkloads(
      { ...none, pods: [pod('p', waiting('CrashLoopBackOff'), 'n')] },
      since,
    );
    expect(problem.kind).toBe('crash-loop');
    expect(problem.message).toContain(
      'container web keeps crashing (3 restarts, last exit code 1)',
    );
  });

  it('keeps one problem per workload when a controller replaced the pod', () => {
    const problems = diagnoseWorkloads(
      {
        ...none,
        pods: [
          pod('p1', waiting('ErrImagePull'), 'n'),
          pod('p2', waiting('ErrImagePull'), 'n'),
        ],
      },
      since,
    );
    expect(problems).toHaveLength(1);
  });

  it('reports an unschedulable pod with the scheduler message', () => {
    const [problem] = diagnoseWorkloads(
      {
        ...none,
        pods: [
          pod('big', {
            phase: 'Pending',
            conditions: [
              {
                type: 'PodScheduled',
                status: 'False',
                reason: 'Unschedulable',
                message: '0/1 nodes are available: 1 Insufficient cpu.',
              },
            ],
          }),
        ],
      },
      since,
    );
    expect(problem.kind).toBe('unschedulable');
    expect(problem.message).toBe(
      'Pod big cannot be scheduled: 0/1 nodes are available: 1 Insufficient cpu.',
    );
  });

  it('reports a failed Job and a pending claim', () => {
    const problems = diagnoseWorkloads(
      {
        ...none,
        jobs: [
          {
            metadata: { name: 'shop-setup' },
            status: {
              conditions: [
                {
                  type: 'Failed',
                  status: 'True',
                  reason: 'BackoffLimitExceeded',
                  message: 'Job has reached the specified backoff limit',
                },
              ],
            },
          },
          { metadata: { name: 'ok' }, status: { succeeded: 1 } },
        ],
        claims: [
          {
            metadata: { name: 'data' },
            spec: {},
            status: { phase: 'Pending' },
          },
          { metadata: { name: 'bound' }, status: { phase: 'Bound' } },
        ],
      },
      since,
    );
    expect(problems.map(p => p.kind)).toEqual(['job-failed', 'claim-pending']);
    expect(problems[0].message).toBe(
      'Job shop-setup failed: BackoffLimitExceeded (Job has reached the specified backoff limit)',
    );
    expect(problems[1].message).toMatch(/data is not bound \(no StorageClass/);
  });

  it('reports pods refused by quota, but not refusals from before the attempt', () => {
    const event = (at: string): CoreV1Event => ({
      metadata: { name: 'e' },
      involvedObject: { kind: 'ReplicaSet', name: 'shop-web-5d8f7' },
      type: 'Warning',
      reason: 'FailedCreate',
      message:
        'Error creating: pods "shop-web-5d8f7-x" is forbidden: exceeded quota: store-quota, requested: requests.cpu=4, used: requests.cpu=0, limited: requests.cpu=2',
      lastTimestamp: new Date(at),
    });
    const problems = diagnoseWorkloads(
      {
        ...none,
        events: [event('2026-12-03T09:00:00Z'), event('2026-12-03T10:00:05Z')],
      },
      since,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      kind: 'pod-rejected',
      object: 'replicaset/shop-web-5d8f7',
    });
    expect(problems[0].message).toContain('exceeded quota: store-quota');
  });
});
