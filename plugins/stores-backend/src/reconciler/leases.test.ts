import { mockServices } from '@backstage/backend-test-utils';
import { Store } from '@stores-for-backstage/plugin-stores-common';
import { StoresDatabase } from '../database/StoresDatabase';
import { LEASE_LOST, StoreLeases } from './leases';

const store = { id: 'id-shop', name: 'shop' } as Store;

function setup(renewLease: jest.Mock) {
  const database = {
    renewLease,
    claim: jest.fn(),
    releaseLease: jest.fn(),
  } as unknown as StoresDatabase;
  const logger = mockServices.logger.mock();
  const leases = new StoreLeases({
    database,
    instanceId: 'this-instance',
    leaseMs: 1_000,
    logger,
  });
  return { database, leases, logger };
}

describe('StoreLeases', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('claims and releases as this instance, for the lease duration', async () => {
    const { database, leases } = setup(jest.fn());
    await leases.claim(store.id, { from: 'requested', to: 'provisioning' });
    expect(database.claim).toHaveBeenCalledWith(store.id, {
      from: 'requested',
      to: 'provisioning',
      owner: 'this-instance',
      leaseMs: 1_000,
    });
    await leases.release(store.id);
    expect(database.releaseLease).toHaveBeenCalledWith(
      store.id,
      'this-instance',
    );
  });

  it('renews the lease every quarter lease while the work goes on', async () => {
    const renewLease = jest.fn().mockResolvedValue(true);
    const { leases } = setup(renewLease);
    const controller = new AbortController();
    const keeper = leases.keep(store, controller);
    await jest.advanceTimersByTimeAsync(1_000);
    clearInterval(keeper);
    expect(renewLease).toHaveBeenCalledTimes(4);
    expect(renewLease).toHaveBeenCalledWith(store.id, 'this-instance', 1_000);
    expect(controller.signal.aborted).toBe(false);
  });

  it('stops the work at once when another holds the lease', async () => {
    const { leases } = setup(jest.fn().mockResolvedValue(false));
    const controller = new AbortController();
    const keeper = leases.keep(store, controller);
    await jest.advanceTimersByTimeAsync(250);
    clearInterval(keeper);
    expect(controller.signal.aborted).toBe(true);
    expect((controller.signal.reason as Error).message).toBe(LEASE_LOST);
  });

  it('stops the work once half the lease passed without a renewal', async () => {
    const renewLease = jest
      .fn()
      .mockRejectedValue(new Error('connect ECONNREFUSED'));
    const { leases, logger } = setup(renewLease);
    const controller = new AbortController();
    const keeper = leases.keep(store, controller);
    // the first failed renewal, a quarter lease in, only warns
    await jest.advanceTimersByTimeAsync(250);
    expect(controller.signal.aborted).toBe(false);
    expect(logger.warn).toHaveBeenCalledWith(
      'Could not renew the lease on shop: Error: connect ECONNREFUSED',
    );
    await jest.advanceTimersByTimeAsync(250);
    clearInterval(keeper);
    expect(controller.signal.aborted).toBe(true);
    expect((controller.signal.reason as Error).message).toBe(
      'the lease on the store could not be renewed: Error: connect ECONNREFUSED',
    );
  });

  it('counts half a lease from the last renewal that held', async () => {
    const renewLease = jest
      .fn()
      .mockResolvedValueOnce(true)
      .mockResolvedValueOnce(true)
      .mockRejectedValue(new Error('connect ECONNREFUSED'));
    const { leases } = setup(renewLease);
    const controller = new AbortController();
    const keeper = leases.keep(store, controller);
    // renewed at 250 and 500 ms; failing from 750 ms on
    await jest.advanceTimersByTimeAsync(750);
    expect(controller.signal.aborted).toBe(false);
    await jest.advanceTimersByTimeAsync(250);
    clearInterval(keeper);
    expect(controller.signal.aborted).toBe(true);
  });

  it('guards a destructive step by renewing the lease', async () => {
    const renewLease = jest
      .fn()
      .mockResolvedValueOnce(true)
      .mockResolvedValueOnce(false);
    const { leases } = setup(renewLease);
    const guard = leases.guard(store);
    await expect(guard()).resolves.toBeUndefined();
    await expect(guard()).rejects.toThrow(LEASE_LOST);
    expect(renewLease).toHaveBeenCalledWith(store.id, 'this-instance', 1_000);
  });
});
