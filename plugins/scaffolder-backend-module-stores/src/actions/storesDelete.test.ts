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
  makeEvent,
  makeStore,
  mockStoresServices,
  storeTimeline,
  storesBaseUrl,
} from '../__testUtils__/storesBackend';
import { createStoresDeleteAction } from './storesDelete';

describe('stores:delete', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  const action = createStoresDeleteAction(mockStoresServices());
  const fast = { pollIntervalSeconds: 0.001 };

  const history = [
    makeEvent('accepted', 'Store accepted'),
    makeEvent('ready', 'Store is ready'),
  ];
  const deletionRequested = makeEvent(
    'deletion-requested',
    'Deletion requested by user:default/mock',
  );
  const releaseUninstalled = makeEvent(
    'release-uninstalled',
    'Release my-shop uninstalled',
    { durationMs: 3000 },
  );
  const namespaceDeleted = makeEvent(
    'namespace-deleted',
    'Namespace store-my-shop deleted',
  );
  const deleted = makeEvent('deleted', 'Store deleted');
  const deletingStore = makeStore({ status: 'deleting' });

  /** Answers DELETE like the stores backend and counts the calls. */
  function deleteHandler() {
    const deletes = { count: 0 };
    server.use(
      http.delete(`${storesBaseUrl}/stores/my-shop`, () => {
        deletes.count++;
        return HttpResponse.json(deletingStore, { status: 202 });
      }),
    );
    return deletes;
  }

  it('describes every input and output', () => {
    expect(undescribedFields(action)).toEqual([]);
  });

  it('asks for the deletion and ends without waiting by default', async () => {
    const deletes = deleteHandler();
    const { ctx, logger } = createContext({ name: 'my-shop' });

    await action.handler(ctx);

    expect(deletes.count).toBe(1);
    expect(ctx.output).toHaveBeenCalledWith('status', 'deleting');
    expect(ctx.output).toHaveBeenCalledWith('namespace', 'store-my-shop');
    expect(loggedLines(logger)).toEqual([
      "info: Deletion of store 'my-shop' accepted, status deleting",
      'info: Follow it at /stores/my-shop',
    ]);
  });

  it('with wait, follows the teardown until the store is deleted', async () => {
    deleteHandler();
    server.use(
      ...storeTimeline('my-shop', [
        {
          store: deletingStore,
          events: [...history, deletionRequested, releaseUninstalled],
        },
        {
          store: makeStore({ status: 'deleted' }),
          events: [
            ...history,
            deletionRequested,
            releaseUninstalled,
            namespaceDeleted,
            deleted,
          ],
        },
      ]).handlers,
    );
    const { ctx, logger } = createContext({
      name: 'my-shop',
      wait: true,
      ...fast,
    });

    await action.handler(ctx);

    expect(loggedLines(logger)).toEqual([
      "info: Deletion of store 'my-shop' accepted, status deleting",
      'info: deletion-requested: Deletion requested by user:default/mock',
      'info: release-uninstalled: Release my-shop uninstalled (3.0s)',
      'info: namespace-deleted: Namespace store-my-shop deleted',
      'info: deleted: Store deleted',
      "info: Store 'my-shop' is deleted",
    ]);
    expect(ctx.output).toHaveBeenLastCalledWith(
      'storePagePath',
      '/stores/my-shop',
    );
    expect(ctx.output).toHaveBeenCalledWith('status', 'deleted');
  });

  it('with wait, counts a store that is gone (404) as deleted', async () => {
    deleteHandler();
    server.use(
      ...storeTimeline('my-shop', [
        { store: deletingStore, events: [deletionRequested] },
        {
          error: {
            status: 404,
            name: 'NotFoundError',
            message: "No store named 'my-shop'",
          },
        },
      ]).handlers,
    );
    const { ctx } = createContext({ name: 'my-shop', wait: true, ...fast });

    await action.handler(ctx);

    expect(ctx.output).toHaveBeenCalledWith('status', 'deleted');
  });

  it('with wait, counts a new store of the same name as the old one deleted', async () => {
    deleteHandler();
    server.use(
      ...storeTimeline('my-shop', [
        {
          store: makeStore({ id: 'store-2', status: 'requested' }),
          events: [],
        },
      ]).handlers,
    );
    const { ctx } = createContext({ name: 'my-shop', wait: true, ...fast });

    await action.handler(ctx);

    expect(ctx.output).toHaveBeenCalledWith('status', 'deleted');
  });

  it('with wait, fails with the reason when the deletion fails', async () => {
    deleteHandler();
    server.use(
      ...storeTimeline('my-shop', [
        {
          store: makeStore({
            status: 'failed',
            statusReason: 'Namespace store-my-shop is stuck terminating',
          }),
          events: [deletionRequested],
        },
      ]).handlers,
    );
    const { ctx } = createContext({ name: 'my-shop', wait: true, ...fast });

    await expect(action.handler(ctx)).rejects.toThrow(
      "Deleting store 'my-shop' failed: Namespace store-my-shop is stuck terminating. Open /stores/my-shop to see the timeline and retry.",
    );
  });

  it('with wait, gives up after the timeout', async () => {
    deleteHandler();
    server.use(
      ...storeTimeline('my-shop', [
        { store: deletingStore, events: [deletionRequested] },
      ]).handlers,
    );
    const { ctx } = createContext({
      name: 'my-shop',
      wait: true,
      timeoutMinutes: 0.001,
      ...fast,
    });

    await expect(action.handler(ctx)).rejects.toThrow(
      "Store 'my-shop' is not deleted after 0.1 seconds (status deleting). The deletion goes on; open /stores/my-shop to follow it.",
    );
  });

  it.each([
    [
      403,
      'NotAllowedError',
      'Only the owner of my-shop or an admin may delete it',
    ],
    [404, 'NotFoundError', "No store named 'my-shop'"],
  ])('fails with the message of a %s answer', async (status, name, message) => {
    server.use(
      http.delete(`${storesBaseUrl}/stores/my-shop`, () =>
        errorResponse(status, name, message),
      ),
    );
    const { ctx } = createContext({ name: 'my-shop', wait: true });

    await expect(action.handler(ctx)).rejects.toMatchObject({
      name,
      message: `Could not delete store 'my-shop': ${message}`,
    });
  });

  it('in a dry run says what would be deleted and deletes nothing', async () => {
    // No DELETE handler: a DELETE would fail the test.
    server.use(
      http.get(`${storesBaseUrl}/stores/my-shop`, () =>
        HttpResponse.json(makeStore({ status: 'ready' })),
      ),
    );
    const { ctx, logger } = createContext(
      { name: 'my-shop', wait: true },
      { isDryRun: true },
    );

    await action.handler(ctx);

    expect(loggedLines(logger)).toEqual([
      "info: Dry run, nothing is deleted: would delete store 'my-shop' (woocommerce, status ready, owner user:default/mock) and its namespace store-my-shop",
    ]);
    expect(ctx.output).toHaveBeenCalledWith('status', 'ready');
  });

  it('fails a dry run for a store the user cannot see', async () => {
    server.use(
      http.get(`${storesBaseUrl}/stores/my-shop`, () =>
        errorResponse(404, 'NotFoundError', "No store named 'my-shop'"),
      ),
    );
    const { ctx } = createContext({ name: 'my-shop' }, { isDryRun: true });
    await expect(action.handler(ctx)).rejects.toThrow(
      "Could not get store 'my-shop': No store named 'my-shop'",
    );
  });

  it('does not delete again when a recovered task runs the step again', async () => {
    const deletes = deleteHandler();
    server.use(
      ...storeTimeline('my-shop', [
        { store: makeStore({ status: 'deleted' }), events: [deleted] },
      ]).handlers,
    );
    const checkpoints = createCheckpointState();
    const input = { name: 'my-shop', wait: true, ...fast };

    await action.handler(
      createContext(input, { checkpoint: checkpoints.checkpoint }).ctx,
    );
    const second = createContext(input, { checkpoint: checkpoints.checkpoint });
    await action.handler(second.ctx);

    expect(deletes.count).toBe(1);
    expect([...checkpoints.values.keys()]).toEqual(['stores.delete.my-shop']);
    expect(second.ctx.output).toHaveBeenCalledWith('status', 'deleted');
  });

  describe('examples', () => {
    it.each(exampleInputs(action))('$description', async ({ input }) => {
      const deletes = deleteHandler();
      server.use(
        ...storeTimeline('my-shop', [
          { store: makeStore({ status: 'deleted' }), events: [deleted] },
        ]).handlers,
      );
      const { ctx } = createContext(input);
      await action.handler(ctx);
      expect(deletes.count).toBe(1);
    });
  });
});
