import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import {
  createTemplateAction,
  TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import { storePagePath } from '@stores-for-backstage/plugin-stores-common';
import { StoreChangeSource } from '../storeChanges';
import { createStoresApiAccess } from '../storesApi';
import { assertValidStoreName } from './storeName';
import { StoresDeleteActionInput, StoreActionOutput } from './actionTypes';
import {
  describeMinutes,
  describeTimeout,
  followStore,
  reasonOf,
  waitInputFields,
} from './followStore';
import { examples } from './storesDelete.examples';
import { outputStore, storeOutputSchema, summarizeStore } from './storeOutputs';

export const DEFAULT_DELETE_TIMEOUT_MINUTES = 10;

/**
 * Creates the `stores:delete` action: deletes a store on behalf of the user
 * who runs the template, so that user's permissions apply, and optionally
 * waits until the store is gone.
 *
 * @public
 */
export function createStoresDeleteAction(options: {
  discovery: DiscoveryService;
  auth: AuthService;
  /** Ends a wait's pause when the store changes; without it, the wait polls only. */
  changes?: StoreChangeSource;
}): TemplateAction<StoresDeleteActionInput, StoreActionOutput, 'v2'> {
  const stores = createStoresApiAccess(options);

  return createTemplateAction({
    id: 'stores:delete',
    description:
      'Deletes a store: its release, its namespace and all its data. Acts for the user who runs the template, who must be allowed to delete the store. With wait, the step ends when the store is deleted.',
    examples,
    supportsDryRun: true,
    schema: {
      input: z =>
        z.object({
          name: z.string({ description: 'Name of the store to delete' }),
          wait: z
            .boolean({
              description:
                'Wait until the store is deleted rather than end when the deletion is accepted. Default: false',
            })
            .optional(),
          ...waitInputFields(z, {
            timeoutMinutes:
              'With wait, how long to wait for the deletion before the step fails',
            pollIntervalSeconds:
              'With wait, how often to ask the stores backend for news',
            defaultTimeoutMinutes: DEFAULT_DELETE_TIMEOUT_MINUTES,
          }),
        }),
      output: storeOutputSchema,
    },
    async handler(ctx) {
      const { name } = ctx.input;
      assertValidStoreName(name);
      const credentials = await ctx.getInitiatorCredentials();

      if (ctx.isDryRun) {
        // Shows that the store exists and the user can see it; deleting is
        // checked by the stores backend only when it happens.
        const store = await stores.client.getStore(
          name,
          await stores.onBehalfOf(credentials),
        );
        ctx.logger.info(
          `Dry run, nothing is deleted: would delete store '${name}' (${store.engine}, status ${store.status}, owner ${store.owner}) and its namespace ${store.namespace}`,
        );
        outputStore(ctx, summarizeStore(store));
        return;
      }

      // A recovered task gets the stored value and does not ask again.
      const deleting = await ctx.checkpoint({
        key: `stores.delete.${name}`,
        fn: async () =>
          summarizeStore(
            await stores.client.deleteStore(
              name,
              await stores.onBehalfOf(credentials),
            ),
          ),
      });
      ctx.logger.info(
        `Deletion of store '${name}' accepted, status ${deleting.status}`,
      );

      if (!ctx.input.wait) {
        ctx.logger.info(`Follow it at ${storePagePath(name)}`);
        outputStore(ctx, deleting);
        return;
      }

      const timeoutMinutes =
        ctx.input.timeoutMinutes ?? DEFAULT_DELETE_TIMEOUT_MINUTES;
      const result = await followStore({
        stores,
        credentials,
        name,
        logger: ctx.logger,
        // A new store may take the name once the old one is deleted.
        isDone: store =>
          store.id !== deleting.id ||
          store.status === 'deleted' ||
          store.status === 'failed',
        goneIsDone: true,
        logFrom: 'deletion-requested',
        timeoutMinutes,
        pollIntervalSeconds: ctx.input.pollIntervalSeconds,
        signal: ctx.signal,
        changes: options.changes,
      });

      if (
        result.outcome === 'gone' ||
        (result.outcome === 'done' &&
          (result.store.id !== deleting.id ||
            result.store.status === 'deleted'))
      ) {
        ctx.logger.info(`Store '${name}' is deleted`);
        outputStore(ctx, { ...deleting, status: 'deleted' });
        return;
      }
      if (result.outcome === 'done') {
        throw new Error(
          `Deleting store '${name}' failed: ${reasonOf(
            result.store,
          )}. Open ${storePagePath(name)} to see the timeline and retry.`,
        );
      }
      if (result.outcome === 'cancelled') {
        throw new Error(
          `Stopped waiting for store '${name}': the task was cancelled. The deletion goes on; open ${storePagePath(
            name,
          )} to follow it.`,
        );
      }
      throw new Error(
        `Store '${name}' is not deleted after ${describeMinutes(
          timeoutMinutes,
        )}${describeTimeout(
          result,
        )}. The deletion goes on; open ${storePagePath(name)} to follow it.`,
      );
    },
  });
}
