import { Store } from '@stores-for-backstage/plugin-stores-common';
import {
  createStoreConditionalDecision,
  isStoreOwner,
  readStoresVisibility,
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

  it('filters on the lower-case owner, as stores are recorded', () => {
    expect(
      isStoreOwner.toQuery({ claims: ['group:default/Shop-Team'] }),
    ).toEqual({ property: 'owner', values: ['group:default/shop-team'] });
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

describe('readStoresVisibility', () => {
  const config = (value?: string) => ({ getOptionalString: () => value });

  it('defaults to owners', () => {
    expect(readStoresVisibility(config())).toBe('owners');
    expect(readStoresVisibility(config('all'))).toBe('all');
  });

  it('refuses anything else', () => {
    expect(() => readStoresVisibility(config('everyone'))).toThrow(
      "stores.visibility must be 'owners' or 'all', got 'everyone'",
    );
  });
});
