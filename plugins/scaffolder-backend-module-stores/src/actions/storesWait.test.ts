import { registerMswTestHooks } from '@backstage/backend-test-utils';
import { setupServer } from 'msw/node';
import {
  createContext,
  exampleInputs,
  loggedLines,
  undescribedFields,
} from '../__testUtils__/actionContext';
import {
  makeEvent,
  makeStore,
  mockStoresServices,
  storeTimeline,
} from '../__testUtils__/storesBackend';
import { StoreChanges } from '../storeChanges';
import { createStoresWaitAction } from './storesWait';

describe('stores:wait', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  const action = createStoresWaitAction(mockStoresServices());
  // Poll every millisecond so the tests run fast.
  const fast = { pollIntervalSeconds: 0.001 };

  const accepted = makeEvent('accepted', 'Store accepted');
  const namespaceCreated = makeEvent(
    'namespace-created',
    'Namespace store-my-shop created',
    { durationMs: 120 },
  );
  const releaseInstalled = makeEvent(
    'release-installed',
    'Release my-shop installed (woocommerce 1.2.0)',
    { durationMs: 41500 },
  );
  const workloadsReady = makeEvent('workloads-ready', 'Workloads ready', {
    durationMs: 62000,
  });
  const storefrontAnswered = makeEvent(
    'storefront-answered',
    'Storefront answered with 200',
  );
  const ready = makeEvent('ready', 'Store is ready');
  const readyStore = makeStore({
    status: 'ready',
    storefrontUrl: 'http://my-shop.shops.test',
    adminUrl: 'http://my-shop.shops.test/wp-admin',
  });

  it('describes every input and output', () => {
    expect(undescribedFields(action)).toEqual([]);
  });

  it('writes each event to the log once and outputs the ready store', async () => {
    const timeline = storeTimeline('my-shop', [
      { store: makeStore(), events: [accepted] },
      {
        store: makeStore({ status: 'provisioning' }),
        events: [accepted, namespaceCreated],
      },
      {
        store: makeStore({ status: 'provisioning' }),
        events: [accepted, namespaceCreated, releaseInstalled],
      },
      {
        store: makeStore({ status: 'provisioning' }),
        events: [accepted, namespaceCreated, releaseInstalled, workloadsReady],
      },
      {
        store: readyStore,
        events: [
          accepted,
          namespaceCreated,
          releaseInstalled,
          workloadsReady,
          storefrontAnswered,
          ready,
        ],
      },
    ]);
    server.use(...timeline.handlers);
    const { ctx, logger } = createContext({ name: 'my-shop', ...fast });

    await action.handler(ctx);

    expect(timeline.polls.count).toBe(5);
    expect(loggedLines(logger)).toEqual([
      "info: Waiting for store 'my-shop' to be ready",
      'info: accepted: Store accepted',
      'info: namespace-created: Namespace store-my-shop created (0.1s)',
      'info: release-installed: Release my-shop installed (woocommerce 1.2.0) (41.5s)',
      'info: workloads-ready: Workloads ready (62.0s)',
      'info: storefront-answered: Storefront answered with 200',
      'info: ready: Store is ready',
      "info: Store 'my-shop' is ready: http://my-shop.shops.test, admin http://my-shop.shops.test/wp-admin",
    ]);
    expect(ctx.output).toHaveBeenCalledWith('status', 'ready');
    expect(ctx.output).toHaveBeenCalledWith(
      'storefrontUrl',
      'http://my-shop.shops.test',
    );
    expect(ctx.output).toHaveBeenCalledWith(
      'adminUrl',
      'http://my-shop.shops.test/wp-admin',
    );
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'component:default/my-shop',
    );
    expect(ctx.output).toHaveBeenCalledWith('namespace', 'store-my-shop');
  });

  it("fails with the store's reason and a hint, and logs the failure detail", async () => {
    const failed = makeEvent('failed', 'Release my-shop failed to install', {
      detail: 'Error: timed out waiting for the condition',
    });
    server.use(
      ...storeTimeline('my-shop', [
        {
          store: makeStore({ status: 'provisioning' }),
          events: [accepted, namespaceCreated],
        },
        {
          store: makeStore({
            status: 'failed',
            statusReason: 'Helm timed out after 10 minutes',
          }),
          events: [accepted, namespaceCreated, failed],
        },
      ]).handlers,
    );
    const { ctx, logger } = createContext({ name: 'my-shop', ...fast });

    await expect(action.handler(ctx)).rejects.toThrow(
      "Store 'my-shop' failed: Helm timed out after 10 minutes. Open /stores/my-shop to see the timeline and retry.",
    );
    expect(loggedLines(logger)).toEqual(
      expect.arrayContaining([
        'error: failed: Release my-shop failed to install',
        'error: Error: timed out waiting for the condition',
      ]),
    );
    expect(ctx.output).not.toHaveBeenCalled();
  });

  it('fails when the store is being deleted', async () => {
    server.use(
      ...storeTimeline('my-shop', [
        { store: makeStore({ status: 'deleting' }), events: [] },
      ]).handlers,
    );
    const { ctx } = createContext({ name: 'my-shop', ...fast });
    await expect(action.handler(ctx)).rejects.toThrow(
      "Store 'my-shop' is deleting and will not become ready",
    );
  });

  it('gives up after the timeout, saying the store may still become ready', async () => {
    const timeline = storeTimeline('my-shop', [
      { store: makeStore({ status: 'provisioning' }), events: [accepted] },
    ]);
    server.use(...timeline.handlers);
    const { ctx, logger } = createContext({
      name: 'my-shop',
      timeoutMinutes: 0.001,
      ...fast,
    });

    await expect(action.handler(ctx)).rejects.toThrow(
      "Store 'my-shop' is not ready after 0.1 seconds (status provisioning). It may still become ready. Open /stores/my-shop to see the timeline and retry.",
    );
    expect(timeline.polls.count).toBeGreaterThan(1);
    // Polled many times, logged once.
    expect(
      loggedLines(logger).filter(l => l.includes('Store accepted')),
    ).toHaveLength(1);
  });

  it('keeps polling through errors worth retrying', async () => {
    const unavailable = {
      error: {
        status: 503,
        name: 'ServiceUnavailableError',
        message: 'Database unavailable',
      },
    };
    server.use(
      ...storeTimeline('my-shop', [
        { store: makeStore({ status: 'provisioning' }), events: [accepted] },
        unavailable,
        unavailable,
        { store: readyStore, events: [accepted, ready] },
      ]).handlers,
    );
    const { ctx, logger } = createContext({ name: 'my-shop', ...fast });

    await action.handler(ctx);

    const warnings = loggedLines(logger).filter(l => l.startsWith('warn'));
    expect(warnings).toEqual([
      "warn: Could not get store 'my-shop': Database unavailable (HTTP 503); trying again",
    ]);
    expect(ctx.output).toHaveBeenCalledWith('status', 'ready');
  });

  it('stops at once when the user may not see the store', async () => {
    const timeline = storeTimeline('my-shop', [
      {
        error: {
          status: 403,
          name: 'NotAllowedError',
          message: 'You may not see this store',
        },
      },
    ]);
    server.use(...timeline.handlers);
    const { ctx } = createContext({ name: 'my-shop', ...fast });

    await expect(action.handler(ctx)).rejects.toThrow(
      "Could not get store 'my-shop': You may not see this store",
    );
    expect(timeline.polls.count).toBe(1);
  });

  it('stops at once when there is no such store', async () => {
    server.use(
      ...storeTimeline('my-shop', [
        {
          error: {
            status: 404,
            name: 'NotFoundError',
            message: "No store named 'my-shop'",
          },
        },
      ]).handlers,
    );
    const { ctx } = createContext({ name: 'my-shop', ...fast });
    await expect(action.handler(ctx)).rejects.toThrow(
      "Could not get store 'my-shop': No store named 'my-shop'",
    );
  });

  it('logs only the events of the current store of that name', async () => {
    const old = makeEvent('failed', 'An older store of this name failed', {
      storeId: 'store-0',
    });
    server.use(
      ...storeTimeline('my-shop', [
        { store: readyStore, events: [old, accepted, ready] },
      ]).handlers,
    );
    const { ctx, logger } = createContext({ name: 'my-shop', ...fast });

    await action.handler(ctx);

    expect(loggedLines(logger).join('\n')).not.toContain('older store');
  });

  it('stops when the task is cancelled', async () => {
    const controller = new AbortController();
    server.use(
      ...storeTimeline('my-shop', [
        { store: makeStore({ status: 'provisioning' }), events: [] },
      ]).handlers,
    );
    const { ctx } = createContext(
      { name: 'my-shop', pollIntervalSeconds: 60 },
      { signal: controller.signal },
    );

    const running = action.handler(ctx);
    setTimeout(() => controller.abort(), 50);

    await expect(running).rejects.toThrow(
      "Stopped waiting for store 'my-shop': the task was cancelled",
    );
  });

  it('polls at once when the stores backend announces a change of the store', async () => {
    const changes = new StoreChanges();
    const following = createStoresWaitAction({
      ...mockStoresServices(),
      changes,
    });
    const timeline = storeTimeline('my-shop', [
      { store: makeStore({ status: 'provisioning' }), events: [accepted] },
      { store: readyStore, events: [accepted, ready] },
    ]);
    server.use(...timeline.handlers);
    // A poll interval the test would time out on: only the change ends the pause.
    const { ctx } = createContext({
      name: 'my-shop',
      pollIntervalSeconds: 600,
    });

    const started = Date.now();
    const waiting = following.handler(ctx);
    await waitFor(() => timeline.polls.count === 1);
    changes.changed('another-shop');
    changes.changed('my-shop');
    await waiting;

    expect(Date.now() - started).toBeLessThan(2000);
    expect(timeline.polls.count).toBe(2);
    expect(ctx.output).toHaveBeenCalledWith('status', 'ready');
  });

  it('does nothing in a dry run', async () => {
    // No handlers: any request would fail the test.
    const { ctx, logger } = createContext(
      { name: 'my-shop' },
      { isDryRun: true },
    );

    await action.handler(ctx);

    expect(loggedLines(logger)).toEqual([
      "info: Dry run: would wait up to 20 minutes for store 'my-shop' to be ready",
    ]);
    expect(ctx.output).toHaveBeenCalledWith('name', 'my-shop');
    expect(ctx.output).toHaveBeenCalledWith('namespace', 'store-my-shop');
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'component:default/my-shop',
    );
  });

  it('rejects an invalid name', async () => {
    const { ctx } = createContext({ name: '-shop' });
    await expect(action.handler(ctx)).rejects.toThrow(/start with a letter/);
  });

  describe('examples', () => {
    it.each(exampleInputs(action))('$description', async ({ input }) => {
      server.use(
        ...storeTimeline(String(input.name), [
          { store: readyStore, events: [accepted, ready] },
        ]).handlers,
      );
      const { ctx } = createContext(input);
      await action.handler(ctx);
      expect(ctx.output).toHaveBeenCalledWith('status', 'ready');
    });
  });
});

async function waitFor(condition: () => boolean) {
  while (!condition()) await new Promise(r => setTimeout(r, 5));
}
