import {
  StorePlan,
  StoreStatus,
} from '@stores-for-backstage/plugin-stores-common';

// The actions' inputs and output, stated in a fixed order: inferred from their zod schemas,
// the optional keys come out in whatever order the compiler first met their names, and the
// API report changed from one build to the next. Each action is declared with these types,
// so the compiler checks its schema's inferred types against them.

/**
 * What every stores action gives back to the template.
 *
 * @public
 */
export type StoreActionOutput = {
  name: string;
  namespace: string;
  entityRef: string;
  storePagePath: string;
  status?: StoreStatus;
  storefrontUrl?: string;
  adminUrl?: string;
};

/**
 * The input of `stores:create`.
 *
 * @public
 */
export type StoresCreateActionInput = {
  name: string;
  engine: string;
  owner?: string;
  plan?: StorePlan;
  cluster?: string;
};

/**
 * The input of `stores:wait`.
 *
 * @public
 */
export type StoresWaitActionInput = {
  name: string;
  timeoutMinutes?: number;
  pollIntervalSeconds?: number;
};

/**
 * The input of `stores:delete`.
 *
 * @public
 */
export type StoresDeleteActionInput = {
  name: string;
  wait?: boolean;
  timeoutMinutes?: number;
  pollIntervalSeconds?: number;
};
