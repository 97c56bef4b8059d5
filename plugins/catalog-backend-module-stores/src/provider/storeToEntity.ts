import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  ComponentEntity,
  EntityLink,
  makeValidator,
} from '@backstage/catalog-model';
import {
  STORE_ANNOTATION,
  Store,
} from '@stores-for-backstage/plugin-stores-common';

/** How the engines this project ships are spelled; other engines show their id. */
const ENGINE_TITLES: Record<string, string> = {
  woocommerce: 'WooCommerce',
  medusa: 'Medusa',
};

const validators = makeValidator();

function engineTitle(engine: string): string {
  return (
    ENGINE_TITLES[engine] ??
    `${engine.charAt(0).toUpperCase()}${engine.slice(1)}`
  );
}

/**
 * Every catalog reader sees the description, so it holds the status but never the failure
 * detail (helm output), which only the store's owners and admins may read.
 */
function describe(store: Store, engine: string): string {
  return `${engine} store on the ${store.plan} plan in cluster ${store.cluster}, namespace ${store.namespace}. Status ${store.status}.`;
}

/** Labels whose values a label can hold; one odd engine id must not make the entity invalid. */
function storeLabels(store: Store): Record<string, string> {
  const labels: Record<string, string> = {};
  const candidates: Array<[string, string]> = [
    ['stores.backstage.io/engine', store.engine],
    ['stores.backstage.io/plan', store.plan],
    ['stores.backstage.io/status', store.status],
  ];
  for (const [key, value] of candidates) {
    if (validators.isValidLabelValue(value)) {
      labels[key] = value;
    }
  }
  return labels;
}

function storeLinks(store: Store): EntityLink[] {
  const links: EntityLink[] = [];
  if (store.storefrontUrl) {
    links.push({
      url: store.storefrontUrl,
      title: 'Storefront',
      type: 'storefront',
    });
  }
  if (store.adminUrl) {
    links.push({
      url: store.adminUrl,
      title: 'Admin',
      icon: 'dashboard',
      type: 'admin',
    });
  }
  return links;
}

/**
 * The catalog entity of a store: a Component of type `store` that the
 * Kubernetes plugin can find the store's workloads for.
 *
 * @param store - the store as the stores backend reports it
 * @param providerName - the name of the entity provider that emits the entity;
 *   the location annotations point at it, as other providers' do
 * @public
 */
export function storeToEntity(
  store: Store,
  providerName: string,
): ComponentEntity {
  const engine = engineTitle(store.engine);
  const location = `stores:${providerName}/${store.name}`;
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: store.name,
      title: `${store.name} (${engine})`,
      description: describe(store, engine),
      annotations: {
        [ANNOTATION_LOCATION]: location,
        [ANNOTATION_ORIGIN_LOCATION]: location,
        [STORE_ANNOTATION]: store.name,
        'backstage.io/kubernetes-id': store.name,
        'backstage.io/kubernetes-namespace': store.namespace,
        // The charts label every object of a store with its name.
        'backstage.io/kubernetes-label-selector': `${STORE_ANNOTATION}=${store.name}`,
      },
      labels: storeLabels(store),
      tags: validators.isValidTag(store.engine) ? [store.engine] : [],
      links: storeLinks(store),
    },
    spec: {
      type: 'store',
      lifecycle: 'production',
      owner: store.owner,
    },
  };
}
