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
 * Name any user or group as the owner of a new store. Without it, a caller may only
 * name themselves or one of their groups (their ownership entity refs).
 *
 * @public
 */
export const storeCreateAnyOwnerPermission = createPermission({
  name: 'stores.store.create.any-owner',
  attributes: { action: 'create' },
});

/**
 * See a store in lists and its summary (name, owner, status, URLs).
 *
 * @public
 */
export const storeReadPermission = createPermission({
  name: 'stores.store.read',
  attributes: { action: 'read' },
  resourceType: STORE_RESOURCE_TYPE,
});

/**
 * See a store's failure detail (its status reason, with helm output) and its timeline.
 *
 * @public
 */
export const storeDetailsReadPermission = createPermission({
  name: 'stores.store.details.read',
  attributes: { action: 'read' },
  resourceType: STORE_RESOURCE_TYPE,
});

/**
 * Reveal the admin credentials of a store's shop.
 *
 * @public
 */
export const storeCredentialsRevealPermission = createPermission({
  name: 'stores.store.credentials.reveal',
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
 * Forget a store whose cluster is no longer configured: its record is marked deleted
 * without tearing anything down (nothing can be reached). For platform admins.
 *
 * @public
 */
export const storeForgetPermission = createPermission({
  name: 'stores.store.forget',
  attributes: { action: 'delete' },
});

/**
 * Every permission of the stores plugin.
 *
 * @public
 */
export const storesPermissions = [
  storeCreatePermission,
  storeCreateAnyOwnerPermission,
  storeReadPermission,
  storeDetailsReadPermission,
  storeCredentialsRevealPermission,
  storeDeletePermission,
  storeForgetPermission,
];
