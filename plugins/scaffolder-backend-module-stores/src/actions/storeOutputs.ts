import {
  STORE_STATUSES,
  Store,
  StoreStatus,
  storeNamespace,
  storePagePath,
} from '@stores-for-backstage/plugin-stores-common';
import type { z as zod } from 'zod/v3';

/** The catalog entity the stores catalog module makes for a store. */
export function storeEntityRef(name: string): string {
  return `component:default/${name}`;
}

/**
 * What the store actions output; one schema so that templates can use the
 * same names after any of them.
 */
export const storeOutputSchema = (z: typeof zod) =>
  z.object({
    name: z.string({ description: 'Name of the store' }),
    namespace: z.string({
      description: 'Kubernetes namespace the store runs in',
    }),
    status: z
      .enum(STORE_STATUSES as [StoreStatus, ...StoreStatus[]], {
        description: 'Status of the store when the step ended',
      })
      .optional(),
    storefrontUrl: z
      .string({ description: 'Address of the shop, once known' })
      .optional(),
    adminUrl: z
      .string({ description: "Address of the shop's admin, once known" })
      .optional(),
    entityRef: z.string({
      description:
        'Catalog entity of the store, for example component:default/my-shop',
    }),
    storePagePath: z.string({
      description:
        "Path of the store's page in the portal, for example /stores/my-shop",
    }),
  });

/** The values of {@link storeOutputSchema}. */
export type StoreOutputs = zod.infer<ReturnType<typeof storeOutputSchema>>;

/** The part of a store the actions keep in checkpoints and output. */
export type StoreSummary = {
  id: string;
  name: string;
  namespace: string;
  status: Store['status'];
  statusReason?: string;
  storefrontUrl?: string;
  adminUrl?: string;
};

/** A JSON value for checkpoints: no undefined fields. */
export function summarizeStore(store: Store): StoreSummary {
  const summary: StoreSummary = {
    id: store.id,
    name: store.name,
    namespace: store.namespace || storeNamespace(store.name),
    status: store.status,
  };
  if (store.statusReason) summary.statusReason = store.statusReason;
  if (store.storefrontUrl) summary.storefrontUrl = store.storefrontUrl;
  if (store.adminUrl) summary.adminUrl = store.adminUrl;
  return summary;
}

/** Sets every known output of a store on the step. */
export function outputStore(
  ctx: {
    output(
      name: keyof StoreOutputs,
      value: StoreOutputs[keyof StoreOutputs],
    ): void;
  },
  store: Pick<StoreSummary, 'name'> & Partial<StoreSummary>,
): void {
  const outputs: StoreOutputs = {
    name: store.name,
    namespace: store.namespace || storeNamespace(store.name),
    status: store.status,
    storefrontUrl: store.storefrontUrl,
    adminUrl: store.adminUrl,
    entityRef: storeEntityRef(store.name),
    storePagePath: storePagePath(store.name),
  };
  for (const key of Object.keys(outputs) as Array<keyof StoreOutputs>) {
    if (outputs[key] !== undefined) ctx.output(key, outputs[key]);
  }
}
