import { V1Namespace } from '@kubernetes/client-node';

/** Label on every namespace the stores backend manages. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'backstage-stores';
/** Label tying a namespace to one store record, so a reused name is not mistaken for it. */
export const STORE_ID_LABEL = 'stores.backstage.io/store-id';
/** Picks the namespaces of stores: managed by the backend and tied to a store. */
export const STORE_NAMESPACE_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},${STORE_ID_LABEL}`;

/** A namespace of a store as the cluster has it. */
export interface ObservedNamespace {
  name: string;
  storeId?: string;
  terminating: boolean;
}

export function toObserved(ns: V1Namespace): ObservedNamespace {
  return {
    name: ns.metadata!.name!,
    storeId: ns.metadata?.labels?.[STORE_ID_LABEL],
    terminating:
      Boolean(ns.metadata?.deletionTimestamp) ||
      ns.status?.phase === 'Terminating',
  };
}
