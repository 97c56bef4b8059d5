import { Store } from '@stores-for-backstage/plugin-stores-common';
import {
  createStoreConditionalDecision,
  isStoreOwner,
  storeConditions,
} from './permissions';
import { storeDeletePermission } from '@stores-for-backstage/plugin-stores-common';

const store = { owner: 'group:default/Shop-Team' } as Store;

describe('isStoreOwner', () => {
  it('matches a store whose owner is among the claims, ignoring case', () => {
    expect(
      isStoreOwner.apply(store, {
        claims: ['user:default/ada', 'group:default/shop-team'],
      }),
    ).toBe(true);
  });

  it('does not match a store owned by someone else', () => {
    expect(isStoreOwner.apply(store, { claims: ['user:default/ada'] })).toBe(
      false,
    );
  });

  it('turns into an owner filter for the database', () => {
    expect(isStoreOwner.toQuery({ claims: ['user:default/ada'] })).toEqual({
      property: 'owner',
      values: ['user:default/ada'],
    });
  });

  it('builds a conditional decision for the delete permission', () => {
    const decision = createStoreConditionalDecision(
      storeDeletePermission,
      storeConditions.isStoreOwner({ claims: ['user:default/ada'] }),
    );
    expect(decision).toEqual({
      result: 'CONDITIONAL',
      pluginId: 'stores',
      resourceType: 'stores-store',
      conditions: {
        rule: 'IS_STORE_OWNER',
        resourceType: 'stores-store',
        params: { claims: ['user:default/ada'] },
      },
    });
  });
});
