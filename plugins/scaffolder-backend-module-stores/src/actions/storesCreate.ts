import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  createTemplateAction,
  TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import {
  CreateStoreRequest,
  STORE_NAME_MAX_LENGTH,
  STORE_PLANS,
  StorePlan,
  storePagePath,
} from '@stores-for-backstage/plugin-stores-common';
import { createStoresApiAccess } from '../storesApi';
import { assertValidStoreName } from './storeName';
import { StoresCreateActionInput, StoreActionOutput } from './actionTypes';
import { examples } from './storesCreate.examples';
import { outputStore, storeOutputSchema, summarizeStore } from './storeOutputs';

/**
 * Creates the `stores:create` action: asks the stores backend for a new store
 * on behalf of the user who runs the template, so that user's permissions and
 * quota apply.
 *
 * @public
 */
export function createStoresCreateAction(options: {
  discovery: DiscoveryService;
  auth: AuthService;
}): TemplateAction<StoresCreateActionInput, StoreActionOutput, 'v2'> {
  const stores = createStoresApiAccess(options);

  return createTemplateAction({
    id: 'stores:create',
    description:
      'Asks the stores backend to create a store for the user who runs the template. The step ends when the request is accepted; follow it with stores:wait.',
    examples,
    supportsDryRun: true,
    schema: {
      input: z =>
        z.object({
          name: z.string({
            description: `Name of the store: lowercase letters, digits and hyphens, starting with a letter and ending with a letter or digit, at most ${STORE_NAME_MAX_LENGTH} characters. It names the store's address, its namespace store-<name> and its catalog entity.`,
          }),
          engine: z.string({
            description:
              'Engine of the store, for example woocommerce or medusa; the stores backend lists its engines at /api/stores/engines',
          }),
          owner: z
            .string({
              description:
                'Entity ref of the user or group that owns the store, for example group:default/team-a. Default: the user who runs the template',
            })
            .optional(),
          plan: z
            .enum(STORE_PLANS as [StorePlan, ...StorePlan[]], {
              description:
                "Size of the store: small or medium. Default: the stores backend's default plan",
            })
            .optional(),
          cluster: z
            .string({
              description:
                'Cluster to run the store in, when the stores backend has more than one. Default: its first cluster',
            })
            .optional(),
        }),
      output: storeOutputSchema,
    },
    async handler(ctx) {
      assertValidStoreName(ctx.input.name);
      const request = toCreateRequest(ctx.input);
      const credentials = await ctx.getInitiatorCredentials();

      if (ctx.isDryRun) {
        const result = await stores.client.dryRunCreateStore(
          request,
          await stores.onBehalfOf(credentials),
        );
        ctx.logger.info(`Dry run, nothing is created: ${result.message}`);
        for (const resource of result.resources) {
          ctx.logger.info(`Would create ${resource.kind} ${resource.name}`);
        }
        outputStore(ctx, summarizeStore(result.store));
        return;
      }

      // The task id is the same when a task is recovered or retried, so the
      // backend answers a repeated request with the store it already made.
      const idempotencyKey = [
        'scaffolder',
        ctx.task.id,
        ctx.step?.id ?? 'stores-create',
        request.name,
      ].join(':');

      // A recovered task gets the stored value and does not ask again.
      const store = await ctx.checkpoint({
        key: `stores.create.${request.name}`,
        fn: async () => {
          const { store: created, created: isNew } =
            await stores.client.createStore(request, {
              ...(await stores.onBehalfOf(credentials)),
              idempotencyKey,
            });
          if (!isNew) {
            ctx.logger.info(
              `The stores backend had already accepted this request; using store '${created.name}'`,
            );
          }
          return summarizeStore(created);
        },
      });

      ctx.logger.info(
        `Store '${store.name}' accepted (${request.engine}${
          request.plan ? `, ${request.plan}` : ''
        }), status ${store.status}, namespace ${
          store.namespace
        }. Follow it at ${storePagePath(store.name)}`,
      );
      outputStore(ctx, store);
    },
  });
}

/** Leaves out optional inputs that templates render as empty strings. */
function toCreateRequest(input: {
  name: string;
  engine: string;
  owner?: string;
  plan?: StorePlan;
  cluster?: string;
}): CreateStoreRequest {
  const engine = input.engine.trim();
  if (!engine) {
    throw new InputError('Engine is required, for example woocommerce');
  }
  const request: CreateStoreRequest = { name: input.name, engine };
  if (input.owner?.trim()) request.owner = input.owner.trim();
  if (input.plan) request.plan = input.plan;
  if (input.cluster?.trim()) request.cluster = input.cluster.trim();
  return request;
}
