import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import {
  createTemplateAction,
  TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import { storePagePath } from '@stores-for-backstage/plugin-stores-common';
import { StoreChangeSource } from '../storeChanges';
import { createStoresApiAccess } from '../storesApi';
import { assertValidStoreName } from './storeName';
import { StoresWaitActionInput, StoreActionOutput } from './actionTypes';
import {
  describeMinutes,
  describeTimeout,
  followStore,
  reasonOf,
  waitInputFields,
} from './followStore';
import { examples } from './storesWait.examples';
import { outputStore, storeOutputSchema } from './storeOutputs';

/** The backend fails a store that is not up after 20 minutes by default. */
export const DEFAULT_WAIT_TIMEOUT_MINUTES = 20;

/**
 * Creates the `stores:wait` action: follows a store's timeline into the task
 * log until the store is ready, failed, or the time is up.
 *
 * @public
 */
export function createStoresWaitAction(options: {
  discovery: DiscoveryService;
  auth: AuthService;
  /** Ends a wait's pause when the store changes; without it, the wait polls only. */
  changes?: StoreChangeSource;
}): TemplateAction<StoresWaitActionInput, StoreActionOutput, 'v2'> {
  const stores = createStoresApiAccess(options);

  return createTemplateAction({
    id: 'stores:wait',
    description:
      "Waits until a store is ready, writing each step of its timeline (namespace created, release installed, workloads ready, storefront answering) to the task log. Fails with the store's reason when provisioning fails.",
    examples,
    supportsDryRun: true,
    schema: {
      input: z =>
        z.object({
          name: z.string({ description: 'Name of the store to wait for' }),
          ...waitInputFields(z, {
            timeoutMinutes:
              'How long to wait for the store before the step fails; the store itself goes on',
            pollIntervalSeconds: 'How often to ask the stores backend for news',
            defaultTimeoutMinutes: DEFAULT_WAIT_TIMEOUT_MINUTES,
          }),
        }),
      output: storeOutputSchema,
    },
    async handler(ctx) {
      const { name } = ctx.input;
      assertValidStoreName(name);
      const timeoutMinutes =
        ctx.input.timeoutMinutes ?? DEFAULT_WAIT_TIMEOUT_MINUTES;
      const page = storePagePath(name);
      const hint = `Open ${page} to see the timeline and retry.`;

      if (ctx.isDryRun) {
        // A dry run created nothing to wait for.
        ctx.logger.info(
          `Dry run: would wait up to ${describeMinutes(
            timeoutMinutes,
          )} for store '${name}' to be ready`,
        );
        outputStore(ctx, { name });
        return;
      }

      ctx.logger.info(`Waiting for store '${name}' to be ready`);
      const result = await followStore({
        stores,
        credentials: await ctx.getInitiatorCredentials(),
        name,
        logger: ctx.logger,
        isDone: store =>
          store.status !== 'requested' && store.status !== 'provisioning',
        timeoutMinutes,
        pollIntervalSeconds: ctx.input.pollIntervalSeconds,
        signal: ctx.signal,
        changes: options.changes,
      });

      if (result.outcome === 'done' && result.store.status === 'ready') {
        const { store } = result;
        ctx.logger.info(
          `Store '${name}' is ready${
            store.storefrontUrl ? `: ${store.storefrontUrl}` : ''
          }${store.adminUrl ? `, admin ${store.adminUrl}` : ''}`,
        );
        outputStore(ctx, store);
        return;
      }
      if (result.outcome === 'done' && result.store.status === 'failed') {
        throw new Error(
          `Store '${name}' failed: ${reasonOf(result.store)}. ${hint}`,
        );
      }
      if (result.outcome === 'done') {
        throw new Error(
          `Store '${name}' is ${result.store.status} and will not become ready. Open ${page} to see its timeline.`,
        );
      }
      if (result.outcome === 'cancelled') {
        throw new Error(
          `Stopped waiting for store '${name}': the task was cancelled. The store is still being set up; open ${page} to follow it.`,
        );
      }
      throw new Error(
        `Store '${name}' is not ready after ${describeMinutes(
          timeoutMinutes,
        )}${describeTimeout(result)}. It may still become ready. ${hint}`,
      );
    },
  });
}
