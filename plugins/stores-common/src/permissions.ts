import { createPermission } from '@backstage/plugin-permission-common';

/**
 * The resource type of store permissions; conditions on it are rules such as
 * "the caller owns the store".
 *
 * @public
 */
export const STORE_RESOURCE_TYPE = 'stores-store';

/**
 * Create a store.
 *
 * @public
 */
export const storeCreatePermission = createPermission({
  name: 'stores.store.create',
  attributes: { action: 'create' },
});

/**
 * See stores and their timelines.
 *
 * @public
 */
export const storeReadPermission = createPermission({
  name: 'stores.store.read',
  attributes: { action: 'read' },
  resourceType: STORE_RESOURCE_TYPE,
});

/**
 * Delete or retry a store.
 *
 * @public
 */
export const storeDeletePermission = createPermission({
  name: 'stores.store.delete',
  attributes: { action: 'delete' },
  resourceType: STORE_RESOURCE_TYPE,
});

/**
 * Every permission of the stores plugin.
 *
 * @public
 */
export const storesPermissions = [
  storeCreatePermission,
  storeReadPermission,
  storeDeletePermission,
];
