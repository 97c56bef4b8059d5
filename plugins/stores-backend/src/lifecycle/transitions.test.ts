import {
  STORE_STATUSES,
  StoreStatus,
} from '@stores-for-backstage/plugin-stores-common';
import {
  assertTransition,
  canTransition,
  IllegalTransitionError,
} from './transitions';

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
  ])('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  it.each<[StoreStatus, StoreStatus]>([
    ['requested', 'ready'],
    ['provisioning', 'deleting'],
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
});
