import {
  createConditionExports,
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';
import {
  STORE_RESOURCE_TYPE,
  Store,
} from '@stores-for-backstage/plugin-stores-common';
import { z } from 'zod';

/**
 * A filter on stores that a permission condition turns into. The stores backend
 * translates it into SQL, so conditional read decisions filter lists in the database.
 *
 * @public
 */
export type StoreFilter = {
  property: 'owner';
  values: string[];
};

/**
 * The permission resource of the stores plugin.
 *
 * @public
 */
export const storeResourceRef = createPermissionResourceRef<
  Store,
  StoreFilter
>().with({ pluginId: 'stores', resourceType: STORE_RESOURCE_TYPE });

/**
 * Matches stores owned by one of the given entity refs, typically the caller's
 * ownership claims (the user and the groups they belong to).
 *
 * @public
 */
export const isStoreOwner = createPermissionRule({
  name: 'IS_STORE_OWNER',
  description: 'Allow stores owned by one of the given entity refs',
  resourceRef: storeResourceRef,
  paramsSchema: z.object({
    claims: z
      .array(z.string())
      .describe(
        'Entity refs of the user and their groups, usually from the identity',
      ),
  }),
  apply: (store, { claims }) =>
    claims
      .map(c => c.toLocaleLowerCase('en-US'))
      .includes(store.owner.toLocaleLowerCase('en-US')),
  // Owners are stored in lower case, like the claims the rule compares in apply.
  toQuery: ({ claims }) => ({
    property: 'owner',
    values: claims.map(c => c.toLocaleLowerCase('en-US')),
  }),
});

/**
 * The rules of the stores resource, for the backend to register.
 *
 * @public
 */
export const storePermissionRules = { isStoreOwner };

const { conditions, createConditionalDecision } = createConditionExports({
  resourceRef: storeResourceRef,
  rules: storePermissionRules,
});

/**
 * Condition factories for permission policies, such as
 * `storeConditions.isStoreOwner({ claims: user.info.ownershipEntityRefs })`.
 *
 * @public
 */
export const storeConditions = conditions;

/**
 * Wraps store conditions into a conditional policy decision.
 *
 * @public
 */
export const createStoreConditionalDecision = createConditionalDecision;

/**
 * Who sees a store in lists and its summary (`stores.visibility`): only its owners
 * (the user or one of their groups) and admins, or every signed-in user. A store's
 * failure detail and timeline are for its owners and admins either way.
 *
 * @public
 */
export type StoresVisibility = 'owners' | 'all';

/**
 * Reads `stores.visibility` for a permission policy; default `owners`.
 *
 * @public
 */
export function readStoresVisibility(config: {
  getOptionalString(key: string): string | undefined;
}): StoresVisibility {
  const visibility = config.getOptionalString('stores.visibility') ?? 'owners';
  if (visibility !== 'owners' && visibility !== 'all') {
    throw new Error(
      `stores.visibility must be 'owners' or 'all', got '${visibility}'`,
    );
  }
  return visibility;
}
