import { isTransient } from './transientErrors';
import { ProvisioningError } from './StoreProvisioner';

describe('isTransient', () => {
  it('knows a cluster that was away', () => {
    expect(isTransient(new Error('connect ECONNREFUSED 127.0.0.1:6443'))).toBe(
      true,
    );
    expect(
      isTransient(
        new ProvisioningError(
          'helm upgrade failed: Error: Kubernetes cluster unreachable',
          'Error: Kubernetes cluster unreachable: Get "https://127.0.0.1:6443/version": net/http: TLS handshake timeout',
        ),
      ),
    ).toBe(true);
    expect(
      isTransient(
        Object.assign(new Error('The operation was aborted due to timeout'), {
          name: 'TimeoutError',
        }),
      ),
    ).toBe(true);
    // node-fetch's words when the 30 s request timeout aborts a call to a hung API server
    expect(
      isTransient(
        Object.assign(new Error('The user aborted a request.'), {
          name: 'AbortError',
        }),
      ),
    ).toBe(true);
  });

  it('does not retry what is wrong with the store', () => {
    expect(
      isTransient(
        new ProvisioningError(
          'Pod shop-web cannot pull image registry.invalid/web:1: ErrImagePull',
        ),
      ),
    ).toBe(false);
    expect(
      isTransient(
        new Error(
          'helm upgrade failed: Error: execution error at (store/templates/x.yaml): store.name is required',
        ),
      ),
    ).toBe(false);
  });
});
