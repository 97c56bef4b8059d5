import {
  MissingAnnotationEmptyState,
  useEntity,
} from '@backstage/plugin-catalog-react';
import { STORE_ANNOTATION } from '@stores-for-backstage/plugin-stores-common';
import { StoreDetails } from '../StoreDetails';
import { getStoreName } from './isStoreEntity';

/** The "Store" tab of a store's catalog entity: its progress, facts and timeline. */
export function EntityStoreContent() {
  const { entity } = useEntity();
  const name = getStoreName(entity);
  if (!name) {
    return <MissingAnnotationEmptyState annotation={STORE_ANNOTATION} />;
  }
  return <StoreDetails key={name} name={name} />;
}
