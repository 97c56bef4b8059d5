import { createExtensionPoint } from '@backstage/backend-plugin-api';
import { HumanDuration } from '@backstage/types';
import { StorePlan } from '@stores-for-backstage/plugin-stores-common';

/**
 * What an engine knows of the store it provisions.
 *
 * @public
 */
export interface StoreEngineContext {
  /** The store's name, a DNS label; also its Helm release name. */
  name: string;
  /** The Kubernetes namespace the store runs in, `store-<name>`. */
  namespace: string;
  /** The size the store was asked for; the engine maps it to resources. */
  plan: StorePlan;
  /** Entity ref of the owner. */
  owner: string;
  /** The store is served at `<name>.<baseDomain>`. */
  baseDomain: string;
  /** `https` where the cluster's ingress terminates TLS for store hosts. */
  scheme: 'http' | 'https';
}

/**
 * An e-commerce engine the stores backend can provision: a Helm chart, how a
 * store maps to its values, and where the store answers once it is up.
 *
 * @public
 */
export interface StoreEngine {
  /** Stable id, stored on each store, e.g. `woocommerce`. */
  id: string;
  /** Shown to users, e.g. `WooCommerce`. */
  title: string;
  /** One line shown to users choosing an engine. */
  description: string;
  /**
   * The chart: a directory, a packaged chart or a repository reference. The
   * `stores.engines.<id>.chart` config key overrides it. It must label every
   * object, pod template and volume claim template
   * `stores.backstage.io/store: <store name>`: the stores backend follows a
   * store's objects by that label.
   */
  chart?: string;
  /** The values of the chart for a store, passed to helm in a values file. */
  values(store: StoreEngineContext): Record<string, unknown>;
  /** Where the store answers. `storefrontUrl` is what the storefront check requests. */
  urls(store: StoreEngineContext): { storefrontUrl: string; adminUrl?: string };
  /**
   * Where the chart keeps the shop's admin login: a Secret in the store's namespace. The
   * stores backend reads it only when an owner asks to see it, and never keeps it.
   * Without it, the owner cannot reveal the login in the portal.
   */
  adminCredentials?(store: StoreEngineContext): StoreAdminSecret;
  /**
   * How long a state that waiting will not heal (an image that cannot be pulled, a
   * crash-looping container, an unschedulable pod) may last while a store is being
   * provisioned before the attempt fails with it as the reason. Allow for what the
   * engine's pods do while their dependencies start (a server restarting until its
   * database answers). The `stores.engines.<id>.failureGracePeriod` config key
   * overrides it; default 3 minutes.
   */
  failureGracePeriod?: HumanDuration;
  /**
   * How the storefront check tells the store's own answer from an ingress's default
   * page. Without it, `storefrontUrl` must answer 2xx, or redirect to the store's own
   * host.
   */
  storefrontCheck?(store: StoreEngineContext): StorefrontCheck;
}

/**
 * A request the storefront check sends, and how it recognises the store's answer.
 *
 * @public
 */
export interface StorefrontCheck {
  /** The address the check requests, from the stores backend. */
  url: string;
  /** Whether the answer comes from the store itself. */
  isStoreAnswer(answer: {
    status: number;
    /** The Location header of a redirect. */
    location?: string;
    /** The first kilobytes of the body. */
    body: string;
  }): boolean;
}

/**
 * The Secret (in the store's namespace) that holds a store's admin login, and its keys.
 *
 * @public
 */
export interface StoreAdminSecret {
  /** Name of the Secret in the store's namespace. */
  secretName: string;
  /** Key of the Secret's data that holds the admin's user name. */
  usernameKey: string;
  /** Key of the Secret's data that holds the admin's password. */
  passwordKey: string;
}

/**
 * Lets modules add engines to the stores backend.
 *
 * @public
 */
export interface StoresEnginesExtensionPoint {
  /** Adds an engine; the backend refuses to start when two have the same id. */
  addEngine(engine: StoreEngine): void;
}

/**
 * The extension point engines are registered through, by the built-in
 * WooCommerce and Medusa modules and by adopters' own modules alike.
 *
 * @public
 */
export const storesEnginesExtensionPoint =
  createExtensionPoint<StoresEnginesExtensionPoint>({ id: 'stores.engines' });
