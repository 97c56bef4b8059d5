import { makeEvent, readyTimeline } from '../__testUtils__/stores';
import { deriveProgress, hintForStep } from './progress';

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

  it('counts the ready event for steps a backend did not report', () => {
    // A backend that does not check the storefront never reports that step.
    const events = readyTimeline().filter(
      e => e.type !== 'storefront-answered',
    );
    expect(states(deriveProgress({ status: 'ready' }, events)).storefront).toBe(
      'done',
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
