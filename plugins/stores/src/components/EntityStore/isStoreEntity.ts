import { Entity } from '@backstage/catalog-model';
import { STORE_ANNOTATION } from '@stores-for-backstage/plugin-stores-common';

/**
 * Whether an entity stands for a store, that is, has the
 * `stores.backstage.io/store` annotation. Use it with `EntitySwitch` and
 * `EntityLayout.Route`'s `if`.
 *
 * @public
 */
export function isStoreEntity(entity: Entity): boolean {
  return Boolean(entity.metadata.annotations?.[STORE_ANNOTATION]);
}

/** The store name of an entity, if it stands for a store. */
export function getStoreName(entity: Entity): string | undefined {
  return entity.metadata.annotations?.[STORE_ANNOTATION] || undefined;
}
