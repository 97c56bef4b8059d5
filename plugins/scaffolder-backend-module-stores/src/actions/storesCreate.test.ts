import { registerMswTestHooks } from '@backstage/backend-test-utils';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  createCheckpointState,
  createContext,
  exampleInputs,
  loggedLines,
  undescribedFields,
} from '../__testUtils__/actionContext';
import {
  errorResponse,
  makeStore,
  mockStoresServices,
  storesBaseUrl,
} from '../__testUtils__/storesBackend';
import { createStoresCreateAction } from './storesCreate';

describe('stores:create', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  const action = createStoresCreateAction(mockStoresServices());

  /** Answers creates like the stores backend: 201 first, 200 for a known key. */
  function storesBackend() {
    const creates: Array<{ key: string | null; body: any; dryRun: boolean }> =
      [];
    const keys = new Set<string>();
    server.use(
      http.post(`${storesBaseUrl}/stores`, async ({ request }) => {
        const body = (await request.json()) as any;
        const key = request.headers.get('idempotency-key');
        const dryRun =
          new URL(request.url).searchParams.get('dryRun') === 'true';
        creates.push({ key, body, dryRun });
        const store = makeStore({
          name: body.name,
          engine: body.engine,
          plan: body.plan ?? 'small',
        });
        if (dryRun) {
          return HttpResponse.json({
            store: { ...store, id: '' },
            resources: [
              { kind: 'Namespace', name: store.namespace },
              { kind: 'Deployment', name: `${body.name}-wordpress` },
            ],
            message: `Store ${body.name} can be created`,
          });
        }
        const seen = key !== null && keys.has(key);
        if (key) keys.add(key);
        return HttpResponse.json(store, { status: seen ? 200 : 201 });
      }),
    );
    return { creates };
  }

  it('describes every input and output', () => {
    expect(undescribedFields(action)).toEqual([]);
    expect(action.supportsDryRun).toBe(true);
  });

  it('creates the store with an idempotency key from the task and step', async () => {
    const { creates } = storesBackend();
    const { ctx, logger } = createContext({
      name: 'my-shop',
      engine: 'woocommerce',
      owner: 'group:default/team-a',
      plan: 'medium' as const,
    });

    await action.handler(ctx);

    expect(creates).toEqual([
      {
        key: 'scaffolder:mock-task-id:mock-step-id:my-shop',
        dryRun: false,
        body: {
          name: 'my-shop',
          engine: 'woocommerce',
          owner: 'group:default/team-a',
          plan: 'medium',
        },
      },
    ]);
    expect(ctx.output).toHaveBeenCalledWith('name', 'my-shop');
    expect(ctx.output).toHaveBeenCalledWith('namespace', 'store-my-shop');
    expect(ctx.output).toHaveBeenCalledWith('status', 'requested');
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'component:default/my-shop',
    );
    expect(ctx.output).toHaveBeenCalledWith('storePagePath', '/stores/my-shop');
    expect(loggedLines(logger)).toContainEqual(
      expect.stringMatching(/Store 'my-shop' accepted .* \/stores\/my-shop/),
    );
  });

  it('leaves out optional inputs a template rendered empty', async () => {
    const { creates } = storesBackend();
    const { ctx } = createContext({
      name: 'my-shop',
      engine: 'medusa',
      owner: '',
      cluster: ' ',
    });

    await action.handler(ctx);

    expect(creates[0].body).toEqual({ name: 'my-shop', engine: 'medusa' });
  });

  it('rejects an invalid name before calling the backend', async () => {
    const { creates } = storesBackend();
    const { ctx } = createContext({ name: 'My_Shop', engine: 'woocommerce' });

    await expect(action.handler(ctx)).rejects.toThrow(
      /Store name must use lowercase letters, digits and hyphens/,
    );
    expect(creates).toEqual([]);
  });

  it('in a dry run asks the backend what it would create and creates nothing', async () => {
    const { creates } = storesBackend();
    const { ctx, logger } = createContext(
      { name: 'my-shop', engine: 'woocommerce' },
      { isDryRun: true },
    );

    await action.handler(ctx);

    expect(creates).toEqual([
      expect.objectContaining({ dryRun: true, key: null }),
    ]);
    expect(loggedLines(logger)).toEqual(
      expect.arrayContaining([
        'info: Dry run, nothing is created: Store my-shop can be created',
        'info: Would create Namespace store-my-shop',
        'info: Would create Deployment my-shop-wordpress',
      ]),
    );
    expect(ctx.output).toHaveBeenCalledWith('namespace', 'store-my-shop');
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'component:default/my-shop',
    );
  });

  it('fails a dry run with the reason the backend gives', async () => {
    server.use(
      http.post(`${storesBaseUrl}/stores`, () =>
        errorResponse(
          403,
          'NotAllowedError',
          'You have 5 stores, the most you may have',
        ),
      ),
    );
    const { ctx } = createContext(
      { name: 'my-shop', engine: 'woocommerce' },
      { isDryRun: true },
    );
    await expect(action.handler(ctx)).rejects.toThrow(
      "Could not check store 'my-shop': You have 5 stores, the most you may have",
    );
  });

  it.each([
    [403, 'NotAllowedError', 'You have 5 stores, the most you may have'],
    [409, 'ConflictError', "The name 'my-shop' is taken"],
    [400, 'InputError', "Unknown engine 'shopify'"],
    [429, 'ServiceUnavailableError', 'Too many stores created this hour'],
  ])('fails with the message of a %s answer', async (status, name, message) => {
    server.use(
      http.post(`${storesBaseUrl}/stores`, () =>
        errorResponse(status, name, message),
      ),
    );
    const { ctx } = createContext({ name: 'my-shop', engine: 'woocommerce' });

    await expect(action.handler(ctx)).rejects.toMatchObject({
      name,
      message: expect.stringContaining(
        `Could not create store 'my-shop': ${message}`,
      ),
    });
    expect(ctx.output).not.toHaveBeenCalled();
  });

  it('does not ask again when a recovered task runs the step again', async () => {
    const { creates } = storesBackend();
    const checkpoints = createCheckpointState();
    const input = { name: 'my-shop', engine: 'woocommerce' };

    const first = createContext(input, {
      checkpoint: checkpoints.checkpoint,
    });
    await action.handler(first.ctx);
    const second = createContext(input, {
      checkpoint: checkpoints.checkpoint,
    });
    await action.handler(second.ctx);

    expect(creates).toHaveLength(1);
    expect([...checkpoints.values.keys()]).toEqual(['stores.create.my-shop']);
    expect(second.ctx.output).toHaveBeenCalledWith('name', 'my-shop');
    expect(second.ctx.output).toHaveBeenCalledWith(
      'namespace',
      'store-my-shop',
    );
  });

  it('sends the same idempotency key when the step runs again without its checkpoint', async () => {
    // For example when the backend crashed after the POST but before the checkpoint was saved.
    const { creates } = storesBackend();
    const input = { name: 'my-shop', engine: 'woocommerce' };

    await action.handler(createContext(input).ctx);
    const again = createContext(input);
    await action.handler(again.ctx);

    expect(creates.map(c => c.key)).toEqual([
      'scaffolder:mock-task-id:mock-step-id:my-shop',
      'scaffolder:mock-task-id:mock-step-id:my-shop',
    ]);
    expect(loggedLines(again.logger)).toContainEqual(
      expect.stringContaining('had already accepted this request'),
    );
  });

  it('uses a new idempotency key for another task', async () => {
    const { creates } = storesBackend();
    const input = { name: 'my-shop', engine: 'woocommerce' };

    await action.handler(createContext(input).ctx);
    await action.handler(createContext(input, { task: { id: 'task-2' } }).ctx);

    expect(creates.map(c => c.key)).toEqual([
      'scaffolder:mock-task-id:mock-step-id:my-shop',
      'scaffolder:task-2:mock-step-id:my-shop',
    ]);
  });

  describe('examples', () => {
    it.each(exampleInputs(action))('$description', async ({ input }) => {
      const { creates } = storesBackend();
      const { ctx } = createContext(input);
      await action.handler(ctx);
      expect(creates).toEqual([
        expect.objectContaining({ body: expect.objectContaining(input) }),
      ]);
    });
  });
});
