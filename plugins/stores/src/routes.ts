import {
  createExternalRouteRef,
  createRouteRef,
  createSubRouteRef,
} from '@backstage/core-plugin-api';

/** The stores list, where the app mounts `StoresPage`. */
export const rootRouteRef = createRouteRef({
  id: 'stores',
});

/** One store's detail page, below the stores list. */
export const storeRouteRef = createSubRouteRef({
  id: 'stores/store',
  parent: rootRouteRef,
  path: '/:name',
});

/**
 * The scaffolder template that creates stores; the app binds it to the
 * scaffolder's `selectedTemplate` route.
 */
export const createStoreTemplateRouteRef = createExternalRouteRef({
  id: 'stores/create-store-template',
  optional: true,
  params: ['namespace', 'templateName'],
  defaultTarget: 'scaffolder.selectedTemplate',
});

/** The template the "Create store" button opens. */
export const CREATE_STORE_TEMPLATE = {
  namespace: 'default',
  templateName: 'create-store',
};
