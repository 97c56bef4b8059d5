import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { registerMswTestHooks } from '@backstage/test-utils';
import {
  act,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  Store,
  storeCreatePermission,
  storeDeletePermission,
} from '@stores-for-backstage/plugin-stores-common';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { makeStore } from '../../__testUtils__/stores';
import {
  renderWithStores,
  STORES_URL,
  storesHandlers,
} from '../../__testUtils__/render';
import { fakeSignals } from '../../__testUtils__/signals';
import { StoreListPage } from './StoreListPage';

// Polls every few seconds in the app; a tenth of a second keeps the tests quick.
jest.mock('../../lib/status', () => ({
  ...jest.requireActual('../../lib/status'),
  POLL_INTERVAL_MS: 100,
}));

// Rendering material-table is slow on small CI machines.
jest.setTimeout(30_000);

const server = setupServer();
registerMswTestHooks(server);

function rowOf(name: string): HTMLElement {
  return screen.getByRole('link', { name }).closest('tr') as HTMLElement;
}

describe('StoreListPage', () => {
  const shop = makeStore({ name: 'shop' });
  const broken = makeStore({
    name: 'broken',
    engine: 'medusa',
    status: 'failed',
    statusReason: 'Helm could not install the chart: timed out',
    owner: 'user:default/jane',
    storefrontUrl: undefined,
    adminUrl: undefined,
  });

  it("shows a banner with the backend's words for a cluster that does not answer, until it does", async () => {
    const message =
      "The cluster 'testbed' (https://127.0.0.1:6443) cannot be reached: connect ECONNREFUSED 127.0.0.1:6443. To run stores on this machine, start the portal with scripts/start.";
    let reachable = false;
    server.use(...storesHandlers({ stores: [shop] }));
    // later handlers come first
    server.use(
      http.get(`${STORES_URL}/clusters`, () =>
        HttpResponse.json({
          items: [
            {
              name: 'testbed',
              reachable,
              checkedAt: '2026-01-01T00:00:00Z',
              ...(reachable ? { version: 'v1.34.10' } : { message }),
            },
          ],
        }),
      ),
    );
    await renderWithStores(<StoreListPage />);

    const banner = await screen.findByTestId('cluster-banner');
    expect(banner).toHaveTextContent(
      "Stores cannot be created in the cluster 'testbed'",
    );
    expect(banner).toHaveTextContent(message);
    reachable = true;
    await waitFor(() =>
      expect(screen.queryByTestId('cluster-banner')).not.toBeInTheDocument(),
    );
  });

  it('shows no banner while every cluster answers', async () => {
    server.use(...storesHandlers({ stores: [shop] }));
    await renderWithStores(<StoreListPage />);
    expect(await screen.findByText('Stores (1)')).toBeInTheDocument();
    expect(screen.queryByTestId('cluster-banner')).not.toBeInTheDocument();
  });

  it('lists stores with engine, status, owner, links and age', async () => {
    server.use(...storesHandlers({ stores: [shop, broken] }));
    await renderWithStores(<StoreListPage />);

    expect(await screen.findByText('Stores (2)')).toBeInTheDocument();
    const row = rowOf('shop');
    expect(within(row).getByRole('link', { name: 'shop' })).toHaveAttribute(
      'href',
      '/stores/shop',
    );
    expect(within(row).getByText('WooCommerce')).toBeInTheDocument();
    expect(within(row).getByText('Ready')).toBeInTheDocument();
    expect(within(row).getByText('team-a')).toBeInTheDocument();
    expect(
      within(row).getByRole('link', { name: /Storefront of shop/ }),
    ).toHaveAttribute('href', 'http://shop.stores.example.com');
    expect(
      within(row).getByRole('link', { name: /Admin of shop/ }),
    ).toHaveAttribute('href', 'http://shop.stores.example.com/wp-admin');
    expect(row.querySelector('time')).toHaveAttribute(
      'dateTime',
      shop.createdAt,
    );

    const brokenRow = rowOf('broken');
    expect(within(brokenRow).getByText('Medusa')).toBeInTheDocument();
    expect(within(brokenRow).getByText('None yet')).toBeInTheDocument();
  });

  it("shows a failed store's reason on hover", async () => {
    server.use(...storesHandlers({ stores: [broken] }));
    await renderWithStores(<StoreListPage />);

    const chip = within(await screen.findByRole('row', { name: /broken/ }))
      .getByText('Failed')
      .closest('[data-testid="store-status"]') as HTMLElement;
    await userEvent.hover(chip);
    expect(await screen.findByRole('tooltip')).toHaveTextContent(
      'Helm could not install the chart: timed out',
    );
  });

  it('hides the delete and create buttons when the permission is denied', async () => {
    const authorize = jest.fn((): AuthorizeResult.DENY => AuthorizeResult.DENY);
    server.use(...storesHandlers({ stores: [shop] }));
    await renderWithStores(<StoreListPage />, { permission: authorize });

    await screen.findByText('Stores (1)');
    // Hidden while the decision loads too, so wait for it to be made.
    await waitFor(() =>
      expect(authorize).toHaveBeenCalledWith(
        expect.objectContaining({
          permission: storeDeletePermission,
          resourceRef: shop.id,
        }),
      ),
    );
    await waitFor(() =>
      expect(authorize).toHaveBeenCalledWith(
        expect.objectContaining({ permission: storeCreatePermission }),
      ),
    );
    await act(() => new Promise(resolve => setTimeout(resolve, 100)));
    expect(
      screen.queryByRole('button', { name: 'Delete store shop' }),
    ).not.toBeInTheDocument();
    expect(screen.queryByText('Create store')).not.toBeInTheDocument();
  });

  it('shows the delete button when the permission allows', async () => {
    server.use(...storesHandlers({ stores: [shop] }));
    await renderWithStores(<StoreListPage />, {
      permission: AuthorizeResult.ALLOW,
    });
    expect(
      await screen.findByRole('button', { name: 'Delete store shop' }),
    ).toBeInTheDocument();
  });

  it('deletes a store after the name is typed into the confirm dialog', async () => {
    let deleted: string | undefined;
    server.use(
      http.delete(`${STORES_URL}/stores/:name`, ({ params }) => {
        deleted = String(params.name);
        return HttpResponse.json(makeStore({ status: 'deleting' }), {
          status: 202,
        });
      }),
      ...storesHandlers({ stores: [shop] }),
    );
    await renderWithStores(<StoreListPage />);

    await userEvent.click(
      await screen.findByRole('button', { name: 'Delete store shop' }),
    );
    const dialog = screen.getByRole('dialog', { name: 'Delete store shop?' });
    const confirm = within(dialog).getByRole('button', {
      name: 'Delete store',
    });
    expect(confirm).toBeDisabled();

    await userEvent.type(
      within(dialog).getByLabelText('Type shop to confirm'),
      'shop',
    );
    await userEvent.click(confirm);

    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    expect(deleted).toBe('shop');
  });

  it("shows the server's reason when a delete is refused", async () => {
    server.use(
      http.delete(`${STORES_URL}/stores/:name`, () =>
        HttpResponse.json(
          {
            error: {
              name: 'NotAllowedError',
              message: 'Only the owners of shop may delete it',
            },
            response: { statusCode: 403 },
          },
          { status: 403 },
        ),
      ),
      ...storesHandlers({ stores: [shop] }),
    );
    await renderWithStores(<StoreListPage />);

    await userEvent.click(
      await screen.findByRole('button', { name: 'Delete store shop' }),
    );
    const dialog = screen.getByRole('dialog');
    await userEvent.type(within(dialog).getByRole('textbox'), 'shop');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Delete store' }),
    );

    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'Only the owners of shop may delete it',
    );
  });

  it('asks the backend for the filtered stores and keeps filters in the URL', async () => {
    const queries: URLSearchParams[] = [];
    server.use(
      http.get(`${STORES_URL}/stores`, ({ request }) => {
        queries.push(new URL(request.url).searchParams);
        return HttpResponse.json({ items: [shop], totalCount: 1 });
      }),
      ...storesHandlers({ stores: [shop] }),
    );
    await renderWithStores(<StoreListPage />, {
      routeEntries: ['/stores?status=failed,ready&engine=medusa'],
    });

    await screen.findByText('Stores (1)');
    expect(queries[0].get('status')).toBe('failed,ready');
    expect(queries[0].get('engine')).toBe('medusa');

    fireEvent.mouseDown(
      screen.getByRole('button', { name: 'Owner Any owner' }),
    );
    await userEvent.click(
      await screen.findByRole('option', { name: 'Owned by me or my groups' }),
    );

    await waitFor(() =>
      expect(queries[queries.length - 1].get('owner')).toBe(
        'user:default/jane,group:default/team-a',
      ),
    );
    expect(queries[queries.length - 1].get('engine')).toBe('medusa');

    await userEvent.click(
      screen.getAllByRole('button', { name: 'Clear filters' })[0],
    );
    await waitFor(() =>
      expect(Array.from(queries[queries.length - 1].keys())).toEqual(['limit']),
    );
  });

  it('says how to create a first store when there is none', async () => {
    server.use(...storesHandlers({ stores: [] }));
    await renderWithStores(<StoreListPage />);

    expect(
      await screen.findByText('No stores you can see'),
    ).toBeInTheDocument();
    // Others' stores may be hidden from this user, so "none exist" would be wrong.
    expect(screen.queryByText(/No stores yet/)).toBeNull();
    // A link styled as a button, which MUI gives the button role.
    const create = screen.getAllByRole('button', { name: 'Create store' });
    expect(create).toHaveLength(2);
    expect(create[1]).toHaveAttribute(
      'href',
      '/create/templates/default/create-store',
    );
  });

  it('offers to clear filters that match no store', async () => {
    server.use(...storesHandlers({ stores: [] }));
    await renderWithStores(<StoreListPage />, {
      routeEntries: ['/stores?status=failed'],
    });

    expect(
      await screen.findByText('No stores match these filters.'),
    ).toBeInTheDocument();
  });

  it("says what went wrong when the stores can't be loaded", async () => {
    server.use(
      http.get(`${STORES_URL}/stores`, () =>
        HttpResponse.json(
          {
            error: { name: 'Error', message: 'Database is not reachable' },
            response: { statusCode: 500 },
          },
          { status: 500 },
        ),
      ),
      ...storesHandlers({ stores: [] }),
    );
    await renderWithStores(<StoreListPage />);

    expect(
      await screen.findByText(/Could not load the stores/),
    ).toBeInTheDocument();
    expect(
      screen.getAllByText(/Database is not reachable/).length,
    ).toBeGreaterThan(0);
    expect(screen.getByRole('button', { name: 'Try again' })).toBeEnabled();
  });

  it('shows status changes without a reload and without flicker', async () => {
    let current: Store = makeStore({
      name: 'shop',
      status: 'provisioning',
      storefrontUrl: undefined,
      adminUrl: undefined,
    });
    let polls = 0;
    server.use(
      http.get(`${STORES_URL}/stores`, () => {
        polls++;
        return HttpResponse.json({ items: [current], totalCount: 1 });
      }),
      ...storesHandlers({ stores: [] }),
    );
    await renderWithStores(<StoreListPage />);

    expect(
      within(await screen.findByRole('row', { name: /shop/ })).getByText(
        'Provisioning',
      ),
    ).toBeInTheDocument();
    const table = screen.getByRole('table');

    current = makeStore({ name: 'shop', status: 'ready' });
    expect(
      await within(table).findByText('Ready', {}, { timeout: 3000 }),
    ).toBeInTheDocument();
    // The same table throughout: no spinner replaced it while polling.
    expect(screen.getByRole('table')).toBe(table);
    expect(screen.queryByTestId('progress')).not.toBeInTheDocument();

    // Polling stops once every store is in a final status.
    const settled = polls;
    await new Promise(resolve => setTimeout(resolve, 400));
    expect(polls).toBe(settled);
  });

  it("loads again on any store's signal, once for a burst, and polls no more", async () => {
    const signals = fakeSignals();
    let items = [makeStore({ name: 'shop', status: 'provisioning' })];
    let loads = 0;
    server.use(
      http.get(`${STORES_URL}/stores`, () => {
        loads++;
        return HttpResponse.json({ items, totalCount: items.length });
      }),
      ...storesHandlers({ stores: [] }),
    );
    await renderWithStores(<StoreListPage />, { signals: signals.api });
    await screen.findByRole('link', { name: 'shop' });
    // a store in flight, yet no polls every POLL_INTERVAL_MS (a tenth of a second here)
    await act(() => new Promise(resolve => setTimeout(resolve, 400)));
    const settled = loads;
    await act(() => new Promise(resolve => setTimeout(resolve, 400)));
    expect(loads).toBe(settled);

    items = [makeStore({ name: 'new-shop', status: 'requested' }), ...items];
    for (let i = 0; i < 5; i++) {
      signals.send({ name: 'new-shop', status: 'requested' });
    }
    expect(
      await screen.findByRole('link', { name: 'new-shop' }, { timeout: 1000 }),
    ).toBeInTheDocument();
    await act(() => new Promise(resolve => setTimeout(resolve, 200)));
    // the load the first signal started, and one more for those that came during it
    expect(loads - settled).toBeLessThanOrEqual(2);
  });

  it('keeps showing the stores when a refresh fails', async () => {
    let fail = false;
    const store = makeStore({ status: 'provisioning' });
    server.use(
      http.get(`${STORES_URL}/stores`, () =>
        fail
          ? HttpResponse.json(
              {
                error: { name: 'Error', message: 'Backend restarting' },
                response: { statusCode: 503 },
              },
              { status: 503 },
            )
          : HttpResponse.json({ items: [store], totalCount: 1 }),
      ),
      ...storesHandlers({ stores: [] }),
    );
    await renderWithStores(<StoreListPage />);

    const table = await screen.findByRole('table');
    fail = true;
    expect(
      await screen.findByText(
        /Could not refresh the stores: Backend restarting/,
      ),
    ).toBeInTheDocument();
    expect(screen.getByRole('table')).toBe(table);
    expect(within(table).getByText('Provisioning')).toBeInTheDocument();
  });
});
