import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { registerMswTestHooks } from '@backstage/test-utils';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  Store,
  StoreEvent,
  storeDeletePermission,
} from '@stores-for-backstage/plugin-stores-common';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { Route, Routes } from 'react-router-dom';
import {
  renderWithStores,
  RenderOptions,
  STORES_URL,
  storesHandlers,
  timelineForbidden,
} from '../../__testUtils__/render';
import {
  makeEvent,
  makeStore,
  readyTimeline,
} from '../../__testUtils__/stores';
import { fakeSignals } from '../../__testUtils__/signals';
import { Router } from '../Router';

jest.mock('../../lib/status', () => ({
  ...jest.requireActual('../../lib/status'),
  POLL_INTERVAL_MS: 100,
}));

jest.setTimeout(30_000);

const server = setupServer();
registerMswTestHooks(server);

/** Renders the plugin's pages as the app mounts them, at a store's page. */
function renderStorePage(name: string, options: RenderOptions = {}) {
  return renderWithStores(
    <Routes>
      <Route path="/stores/*" element={<Router />} />
    </Routes>,
    { routeEntries: [`/stores/${name}`], ...options },
  );
}

function stepState(id: string): string | null {
  return screen.getByTestId(`step-${id}`).getAttribute('data-state');
}

const failedTimeline = (): StoreEvent[] => [
  makeEvent('accepted', { message: 'Store requested' }),
  makeEvent('namespace-created', { message: 'Created namespace store-shop' }),
  makeEvent('failed', {
    message: 'helm install failed: chart not found',
    detail: 'Error: INSTALLATION FAILED: chart "woocommerce" not found',
  }),
];

describe('StoreDetailPage', () => {
  it('shows the steps, facts and links of a ready store', async () => {
    server.use(
      ...storesHandlers({
        stores: [makeStore()],
        events: { shop: readyTimeline() },
      }),
    );
    await renderStorePage('shop');

    expect(
      await screen.findByRole('heading', { name: 'shop', level: 1 }),
    ).toBeInTheDocument();
    expect(await screen.findByText('Provisioning')).toBeInTheDocument();
    for (const step of [
      'accepted',
      'namespace',
      'release',
      'workloads',
      'storefront',
    ]) {
      expect(stepState(step)).toBe('done');
    }
    expect(
      screen.getByRole('list', { name: 'Provisioning steps' }),
    ).toBeInTheDocument();

    expect(await screen.findByText('WooCommerce')).toBeInTheDocument();
    expect(screen.getByText('store-shop')).toBeInTheDocument();
    expect(screen.getByText('small')).toBeInTheDocument();
    expect(screen.getByText('team-a')).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: /Storefront of shop/ }),
    ).toHaveAttribute('href', 'http://shop.stores.example.com');
    expect(screen.getByRole('link', { name: /Admin of shop/ })).toHaveAttribute(
      'href',
      'http://shop.stores.example.com/wp-admin',
    );
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();
  });

  it('shows a degraded store with the reason, and the storefront step not checked', async () => {
    const reason =
      'Pod shop-web-1 container web keeps crashing (4 restarts, last exit code 1): CrashLoopBackOff.';
    server.use(
      ...storesHandlers({
        stores: [
          makeStore({
            degradedReason: reason,
            degradedSince: new Date(Date.now() - 120_000).toISOString(),
          }),
        ],
        events: {
          shop: [
            ...readyTimeline().filter(e => e.type !== 'storefront-answered'),
            makeEvent('degraded', { message: reason }),
          ],
        },
      }),
    );
    await renderStorePage('shop');

    const alert = await screen.findByTestId('degraded-reason');
    expect(alert).toHaveTextContent('Degraded since 2 minutes ago');
    expect(alert).toHaveTextContent(reason);
    for (const chip of screen.getAllByTestId('store-status')) {
      expect(chip).toHaveTextContent('Degraded');
    }
    expect(stepState('workloads')).toBe('done');
    // the backend ran without the storefront check: that step did not run
    expect(stepState('storefront')).toBe('skipped');
    expect(
      within(screen.getByTestId('step-storefront')).getByText('not checked'),
    ).toBeInTheDocument();
  });

  it('shows the timeline with durations and expandable detail', async () => {
    server.use(
      ...storesHandlers({
        stores: [makeStore()],
        events: { shop: readyTimeline() },
      }),
    );
    await renderStorePage('shop');

    const timeline = await screen.findByRole('list', {
      name: 'Store timeline',
    });
    const items = within(timeline).getAllByTestId('store-event');
    expect(items).toHaveLength(6);
    expect(items[0]).toHaveTextContent('Store requested');
    expect(items[2]).toHaveTextContent('Release installed');
    expect(items[2]).toHaveTextContent('took 12 s');
    expect(items[3]).toHaveTextContent('took 1 min 35 s');
    expect(items[2].querySelector('time')).toHaveAttribute(
      'dateTime',
      '2025-01-01T10:00:00.000Z',
    );

    const toggle = within(items[2]).getByRole('button', {
      name: 'Show details of Release installed',
    });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByText(/STATUS: deployed/)).toBeNull();
    await userEvent.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByText(/STATUS: deployed/)).toBeInTheDocument();
  });

  it('explains a failure and retries the store', async () => {
    let store: Store = makeStore({
      status: 'failed',
      statusReason: 'Helm could not install the chart',
      storefrontUrl: undefined,
      adminUrl: undefined,
      readyAt: undefined,
    });
    const events = failedTimeline();
    let retried = false;
    server.use(
      http.post(`${STORES_URL}/stores/shop/retry`, () => {
        retried = true;
        store = { ...store, status: 'requested', statusReason: undefined };
        events.push(makeEvent('retry', { message: 'Retry requested' }));
        return HttpResponse.json(store, { status: 202 });
      }),
      http.get(`${STORES_URL}/stores/shop`, () => HttpResponse.json(store)),
      http.get(`${STORES_URL}/stores/shop/events`, () =>
        HttpResponse.json({ items: events }),
      ),
      ...storesHandlers({ stores: [] }),
    );
    await renderStorePage('shop');

    expect(
      await screen.findByText('Failed at step Release'),
    ).toBeInTheDocument();
    expect(screen.getByTestId('failure-reason')).toHaveTextContent(
      'Helm could not install the chart',
    );
    expect(screen.getByTestId('failure-hint')).toHaveTextContent(
      "Expand the failed event in the timeline for Helm's output",
    );
    expect(stepState('namespace')).toBe('done');
    expect(stepState('release')).toBe('failed');
    expect(stepState('workloads')).toBe('pending');

    await userEvent.click(await screen.findByRole('button', { name: 'Retry' }));

    await waitFor(() => expect(retried).toBe(true));
    // The page follows the store into its next attempt without a reload.
    await waitFor(() =>
      expect(screen.getAllByTestId('store-status')[0]).toHaveTextContent(
        'Requested',
      ),
    );
    expect(screen.queryByText('Failed at step Release')).toBeNull();
    expect(screen.getAllByTestId('store-event')).toHaveLength(4);
  });

  it('names an unreachable cluster as the cause, not a quota or permissions', async () => {
    const reason =
      'Could not create the namespace store-shop: connect ECONNREFUSED 127.0.0.1:6443. Retry the store once the cause is fixed.';
    const store = makeStore({
      status: 'failed',
      statusReason: reason,
      storefrontUrl: undefined,
      adminUrl: undefined,
      readyAt: undefined,
    });
    server.use(
      ...storesHandlers({
        stores: [store],
        events: {
          shop: [
            makeEvent('accepted'),
            makeEvent('failed', { message: reason }),
          ],
        },
      }),
    );
    await renderStorePage('shop');

    expect(
      await screen.findByText('Failed at step Namespace'),
    ).toBeInTheDocument();
    const hint = screen.getByTestId('failure-hint');
    expect(hint).toHaveTextContent(
      "The stores backend could not reach the cluster 'local'; nothing is wrong with the store.",
    );
    expect(hint).toHaveTextContent(/scripts\/start starts the local test bed/);
    expect(hint).not.toHaveTextContent(/quota|permission/i);
  });

  it("shows the server's reason when a retry is refused", async () => {
    const store = makeStore({ status: 'failed', statusReason: 'Timed out' });
    server.use(
      http.post(`${STORES_URL}/stores/shop/retry`, () =>
        HttpResponse.json(
          {
            error: {
              name: 'ConflictError',
              message: "Store 'shop' is being retried already",
            },
            response: { statusCode: 409 },
          },
          { status: 409 },
        ),
      ),
      ...storesHandlers({
        stores: [store],
        events: { shop: failedTimeline() },
      }),
    );
    await renderStorePage('shop');

    await userEvent.click(await screen.findByRole('button', { name: 'Retry' }));
    expect(
      await screen.findByText(
        "Could not retry: Store 'shop' is being retried already",
      ),
    ).toHaveAttribute('role', 'alert');
  });

  it('offers no retry to those who may not change the store', async () => {
    const authorize = jest.fn((): AuthorizeResult.DENY => AuthorizeResult.DENY);
    const store = makeStore({
      status: 'failed',
      statusReason: 'Helm could not install the chart',
    });
    server.use(
      ...storesHandlers({
        stores: [store],
        events: { shop: failedTimeline() },
      }),
    );
    await renderStorePage('shop', { permission: authorize });

    expect(
      await screen.findByText('Failed at step Release'),
    ).toBeInTheDocument();
    await waitFor(() =>
      expect(authorize).toHaveBeenCalledWith(
        expect.objectContaining({
          permission: storeDeletePermission,
          resourceRef: store.id,
        }),
      ),
    );
    await act(() => new Promise(resolve => setTimeout(resolve, 100)));
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete store' })).toBeNull();
  });

  it('follows a store being provisioned until it is ready', async () => {
    let store = makeStore({ status: 'provisioning', readyAt: undefined });
    const events = readyTimeline().slice(0, 3);
    server.use(
      http.get(`${STORES_URL}/stores/shop`, () => HttpResponse.json(store)),
      http.get(`${STORES_URL}/stores/shop/events`, () =>
        HttpResponse.json({ items: events }),
      ),
      ...storesHandlers({ stores: [] }),
    );
    await renderStorePage('shop');

    await waitFor(() => expect(stepState('workloads')).toBe('active'));
    expect(screen.getByTestId('step-workloads')).toHaveAttribute(
      'aria-current',
      'step',
    );

    store = makeStore({ status: 'ready' });
    events.push(...readyTimeline().slice(3));
    await waitFor(() => expect(stepState('storefront')).toBe('done'));
    expect(screen.getAllByTestId('store-event')).toHaveLength(6);
  });

  it('shows a change of the store within a second of its signal, and polls no more', async () => {
    const signals = fakeSignals();
    let store = makeStore();
    let loads = 0;
    server.use(
      http.get(`${STORES_URL}/stores/shop`, () => {
        loads++;
        return HttpResponse.json(store);
      }),
      http.get(`${STORES_URL}/stores/shop/events`, () =>
        HttpResponse.json({ items: readyTimeline() }),
      ),
      ...storesHandlers({ stores: [] }),
    );
    await renderStorePage('shop', { signals: signals.api });
    const status = () => screen.getAllByTestId('store-status')[0];
    await waitFor(() => expect(status()).toHaveTextContent('Ready'));
    const loaded = loads;

    // another store's signal is not this page's news
    store = makeStore({ status: 'deleting' });
    signals.send({ name: 'other-shop', status: 'deleting' });
    await act(() => new Promise(resolve => setTimeout(resolve, 200)));
    expect(loads).toBe(loaded);
    expect(status()).toHaveTextContent('Ready');

    signals.send({
      name: 'shop',
      status: 'deleting',
      eventType: 'deletion-requested',
    });
    await waitFor(() => expect(status()).toHaveTextContent('Deleting'), {
      timeout: 1000,
    });
    // deleting is in flight, yet the signals bring the news: no polls every
    // POLL_INTERVAL_MS (a tenth of a second here)
    const signalled = loads;
    await act(() => new Promise(resolve => setTimeout(resolve, 400)));
    expect(loads).toBe(signalled);
  });

  it('shows the deletion steps and deletes from the page', async () => {
    let store = makeStore();
    const events = readyTimeline();
    server.use(
      http.delete(`${STORES_URL}/stores/shop`, () => {
        store = { ...store, status: 'deleting' };
        events.push(makeEvent('deletion-requested'));
        return HttpResponse.json(store, { status: 202 });
      }),
      http.get(`${STORES_URL}/stores/shop`, () => HttpResponse.json(store)),
      http.get(`${STORES_URL}/stores/shop/events`, () =>
        HttpResponse.json({ items: events }),
      ),
      ...storesHandlers({ stores: [] }),
    );
    await renderStorePage('shop');

    await userEvent.click(
      await screen.findByRole('button', { name: 'Delete store' }),
    );
    const dialog = screen.getByRole('dialog', { name: 'Delete store shop?' });
    await userEvent.type(within(dialog).getByRole('textbox'), 'shop');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Delete store' }),
    );

    expect(
      await screen.findByRole('list', { name: 'Deletion steps' }),
    ).toBeInTheDocument();
    expect(stepState('deletion-requested')).toBe('done');
    expect(stepState('release-uninstalled')).toBe('active');
  });

  it('shows a store without its timeline, and why, to those who may not see it', async () => {
    server.use(
      timelineForbidden('shop'),
      ...storesHandlers({ stores: [makeStore()] }),
    );
    await renderStorePage('shop');

    expect(await screen.findByTestId('timeline-hidden')).toHaveTextContent(
      "Only the owners of store 'shop' and admins can see its timeline",
    );
    expect(screen.queryByText(/Could not load store/)).toBeNull();
    expect(screen.queryByRole('list', { name: 'Store timeline' })).toBeNull();
    expect(screen.getByText('WooCommerce')).toBeInTheDocument();
    // A ready store's steps are all done, timeline or not.
    for (const step of ['accepted', 'release', 'storefront']) {
      expect(stepState(step)).toBe('done');
    }
    expect(
      await screen.findByRole('button', { name: 'Show admin credentials' }),
    ).toBeInTheDocument();
  });

  it('says that only owners see the detail of a failure the backend left out', async () => {
    server.use(
      timelineForbidden('shop'),
      ...storesHandlers({
        stores: [
          makeStore({
            status: 'failed',
            statusReason: undefined,
            readyAt: undefined,
          }),
        ],
      }),
    );
    await renderStorePage('shop');

    expect(await screen.findByTestId('failure-reason')).toHaveTextContent(
      "Only the store's owners and admins can see the detail of this failure.",
    );
    // Without the timeline the failed step is unknown: no step is named, none is marked.
    expect(screen.getByText('Provisioning failed')).toBeInTheDocument();
    expect(screen.queryByText(/Failed at step/)).toBeNull();
    expect(screen.getByTestId('failure-hint')).toHaveTextContent(
      "The store's owners can see its timeline",
    );
    expect(screen.queryByTestId('step-accepted')).toBeNull();
    expect(
      screen.getByText(/The steps come from the store's timeline/),
    ).toBeInTheDocument();
    expect(screen.getByTestId('timeline-hidden')).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Show admin credentials' }),
    ).toBeNull();
  });

  it('says that only owners see the detail when the failure has none', async () => {
    server.use(
      ...storesHandlers({
        stores: [makeStore({ status: 'failed', statusReason: undefined })],
        events: { shop: [makeEvent('accepted')] },
      }),
    );
    await renderStorePage('shop');

    expect(await screen.findByTestId('failure-reason')).toHaveTextContent(
      "Only the store's owners and admins can see the detail of this failure.",
    );
  });

  it('still fails loudly when the timeline fails for another reason', async () => {
    server.use(
      http.get(`${STORES_URL}/stores/shop/events`, () =>
        HttpResponse.json(
          { error: { name: 'Error', message: 'Database is not reachable' } },
          { status: 500 },
        ),
      ),
      ...storesHandlers({ stores: [makeStore()] }),
    );
    await renderStorePage('shop');

    expect(
      await screen.findByText(/Could not load store shop/),
    ).toBeInTheDocument();
    expect(
      screen.getAllByText(/Database is not reachable/).length,
    ).toBeGreaterThan(0);
  });

  it('says so when there is no store of that name', async () => {
    server.use(...storesHandlers({ stores: [] }));
    await renderStorePage('nope');

    expect(await screen.findByText('No store named nope')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'All stores' })).toHaveAttribute(
      'href',
      '/stores',
    );
  });
});
