import { makeEvent, readyTimeline } from '../__testUtils__/stores';
import { deriveProgress, describeFailure, hintForStep } from './progress';

function states(progress: ReturnType<typeof deriveProgress>) {
  return Object.fromEntries(progress.steps.map(s => [s.id, s.state]));
}

describe('deriveProgress', () => {
  it('shows every step done for a ready store', () => {
    const progress = deriveProgress({ status: 'ready' }, readyTimeline());
    expect(progress.kind).toBe('provisioning');
    expect(states(progress)).toEqual({
      accepted: 'done',
      namespace: 'done',
      release: 'done',
      workloads: 'done',
      storefront: 'done',
    });
    expect(progress.steps[2].event?.durationMs).toBe(12_300);
  });

  it('does not show the storefront check as done when it did not run', () => {
    // A backend that does not check the storefront never reports that step.
    const events = readyTimeline().filter(
      e => e.type !== 'storefront-answered',
    );
    expect(states(deriveProgress({ status: 'ready' }, events))).toEqual({
      accepted: 'done',
      namespace: 'done',
      release: 'done',
      workloads: 'done',
      storefront: 'skipped',
    });
  });

  it('counts only a storefront answer after the workloads became ready again', () => {
    // ready once with the check, then healed from drift with the check turned off
    const events = [
      ...readyTimeline(),
      makeEvent('drift'),
      makeEvent('release-installed'),
      makeEvent('workloads-ready'),
      makeEvent('ready'),
    ];
    expect(states(deriveProgress({ status: 'ready' }, events)).storefront).toBe(
      'skipped',
    );
  });

  it('marks the next step active while provisioning', () => {
    const progress = deriveProgress({ status: 'provisioning' }, [
      makeEvent('accepted'),
      makeEvent('namespace-created'),
    ]);
    expect(states(progress)).toEqual({
      accepted: 'done',
      namespace: 'done',
      release: 'active',
      workloads: 'pending',
      storefront: 'pending',
    });
  });

  it('marks the first step active for a store just requested', () => {
    expect(states(deriveProgress({ status: 'requested' }, [])).accepted).toBe(
      'active',
    );
  });

  it('finds the step a store failed at and the failure', () => {
    const failed = makeEvent('failed', {
      message: 'Pods did not become ready within 10 minutes',
    });
    const progress = deriveProgress({ status: 'failed' }, [
      makeEvent('accepted'),
      makeEvent('namespace-created'),
      makeEvent('release-installed'),
      failed,
    ]);
    expect(states(progress)).toEqual({
      accepted: 'done',
      namespace: 'done',
      release: 'done',
      workloads: 'failed',
      storefront: 'pending',
    });
    expect(progress.failedStep?.id).toBe('workloads');
    expect(progress.failure).toBe(failed);
    expect(hintForStep(progress.failedStep?.id)).toMatch(/Kubernetes tab/);
  });

  it('keeps earlier steps done after a retry and moves on', () => {
    const progress = deriveProgress({ status: 'provisioning' }, [
      makeEvent('accepted'),
      makeEvent('namespace-created'),
      makeEvent('failed'),
      makeEvent('retry'),
      makeEvent('release-installed'),
    ]);
    expect(states(progress)).toMatchObject({
      namespace: 'done',
      release: 'done',
      workloads: 'active',
    });
    expect(progress.failure).toBeUndefined();
  });

  it('redoes the release onwards after drift', () => {
    const progress = deriveProgress({ status: 'provisioning' }, [
      ...readyTimeline(),
      makeEvent('drift'),
    ]);
    expect(states(progress)).toMatchObject({
      namespace: 'done',
      release: 'active',
      storefront: 'pending',
    });
  });

  it('shows the deletion steps of a store being deleted', () => {
    const progress = deriveProgress({ status: 'deleting' }, [
      ...readyTimeline(),
      makeEvent('deletion-requested'),
      makeEvent('release-uninstalled'),
    ]);
    expect(progress.kind).toBe('deletion');
    expect(states(progress)).toEqual({
      'deletion-requested': 'done',
      'release-uninstalled': 'done',
      'namespace-deleted': 'active',
      deleted: 'pending',
    });
  });

  it('shows every deletion step done for a deleted store', () => {
    const progress = deriveProgress({ status: 'deleted' }, []);
    expect(progress.steps.every(s => s.state === 'done')).toBe(true);
  });
});

describe('describeFailure', () => {
  const failedAtNamespace = (message: string, detail?: string) =>
    describeFailure(
      { status: 'failed', statusReason: message, cluster: 'testbed' },
      [makeEvent('accepted'), makeEvent('failed', { message, detail })],
    );

  it('names an unreachable cluster instead of guessing a quota or permissions', () => {
    const failure = failedAtNamespace(
      'Could not create the namespace: HTTP protocol is not allowed when skipTLSVerify is not set or false. Retry the store once the cause is fixed.',
    );
    expect(failure.title).toBe('Failed at step Namespace');
    expect(failure.hint).toBe(
      "The stores backend could not reach the cluster 'testbed'; nothing is wrong with the store. Once the cluster is up again (on your own machine, scripts/start starts the local test bed), retry.",
    );
    expect(failure.hint).not.toMatch(/quota|permission/i);
    expect(
      failedAtNamespace(
        'request to https://127.0.0.1:6443 failed: connect ECONNREFUSED',
      ).hint,
    ).toMatch(/could not reach the cluster 'testbed'/);
  });

  it('tells a quota from missing rights, and both from a Pod Security refusal', () => {
    expect(
      failedAtNamespace(
        'namespaces "store-shop" is forbidden: exceeded quota: stores, requested: count/namespaces=1',
      ).hint,
    ).toMatch(/^A ResourceQuota in the cluster 'testbed'/);
    expect(
      failedAtNamespace(
        'namespaces is forbidden: User "system:serviceaccount:stores-portal:stores-portal" cannot create resource "namespaces"',
      ).hint,
    ).toMatch(/^The cluster 'testbed' refused the stores backend's identity/);
    expect(
      failedAtNamespace(
        'Helm could not install the chart',
        'pods "shop-0" is forbidden: violates PodSecurity "restricted:latest": runAsNonRoot != true',
      ).hint,
    ).toMatch(/Pod Security 'restricted' refuses/);
    expect(failedAtNamespace('Unauthorized').hint).toMatch(
      /did not accept the stores backend's credentials/,
    );
  });

  it("falls back to the step's hint when the words name no cause", () => {
    expect(failedAtNamespace('something odd happened').hint).toBe(
      "The cluster did not create the store's namespace; the reason above is its answer. Retry; if it fails again, ask the platform team with that reason.",
    );
  });
});
