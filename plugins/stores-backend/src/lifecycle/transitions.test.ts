import {
  canDelete,
  canTransition,
  isFinal,
  isInFlight,
  STORE_STATUSES,
  StoreStatus,
} from '@stores-for-backstage/plugin-stores-common';
import { assertTransition, IllegalTransitionError } from './transitions';

describe('store transitions', () => {
  it.each<[StoreStatus, StoreStatus]>([
    ['requested', 'provisioning'],
    ['provisioning', 'ready'],
    ['provisioning', 'failed'],
    ['provisioning', 'provisioning'],
    ['failed', 'provisioning'],
    ['ready', 'deleting'],
    ['failed', 'deleting'],
    ['deleting', 'deleted'],
    ['ready', 'failed'],
    ['requested', 'deleting'],
    ['provisioning', 'deleting'],
  ])('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  it.each<[StoreStatus, StoreStatus]>([
    ['requested', 'ready'],
    ['provisioning', 'deleted'],
    ['ready', 'deleted'],
    ['failed', 'ready'],
    ['deleting', 'ready'],
    ['deleting', 'provisioning'],
  ])('refuses %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(() => assertTransition(from, to)).toThrow(
      new IllegalTransitionError(from, to),
    );
  });

  it('never leaves deleted', () => {
    for (const to of STORE_STATUSES) {
      expect(canTransition('deleted', to)).toBe(false);
    }
  });

  it('reaches deleted only through deleting', () => {
    for (const from of STORE_STATUSES) {
      expect(canTransition(from, 'deleted')).toBe(from === 'deleting');
    }
  });

  it('derives what the pages and the API offer from the same table', () => {
    // every status but the two of deletion may be deleted: a delete while the store is
    // provisioned cancels that work
    expect(STORE_STATUSES.filter(canDelete)).toEqual([
      'requested',
      'provisioning',
      'ready',
      'failed',
    ]);
    expect(STORE_STATUSES.filter(isInFlight)).toEqual([
      'requested',
      'provisioning',
      'deleting',
    ]);
    expect(STORE_STATUSES.filter(isFinal)).toEqual(['deleted']);
  });
});
