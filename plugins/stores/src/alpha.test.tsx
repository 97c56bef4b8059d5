import { Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { createApp } from '@backstage/frontend-defaults';
import {
  registerMswTestHooks,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import scaffolderPlugin from '@backstage/plugin-scaffolder/alpha';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { STORE_ANNOTATION } from '@stores-for-backstage/plugin-stores-common';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import storesPlugin from './alpha';
import { storesHandlers } from './__testUtils__/render';
import { makeStore, readyTimeline } from './__testUtils__/stores';

jest.setTimeout(60_000);
/** A whole app's first render takes seconds on a small machine. */
const FIRST_RENDER = { timeout: 30_000 };

const server = setupServer();
registerMswTestHooks(server);
beforeEach(() =>
  server.use(
    // The catalog's entity presentation asks the catalog backend for the
    // owner's title; it knows no such group, so the owner shows as its ref.
    http.post('http://example.com/api/catalog/entities/by-refs', () =>
      HttpResponse.json({ items: [null] }),
    ),
  ),
);

const storeEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'shop',
    namespace: 'default',
    annotations: { [STORE_ANNOTATION]: 'shop' },
  },
  spec: {
    type: 'store',
    owner: 'group:default/team-a',
    lifecycle: 'production',
  },
};

const blogEntity: Entity = {
  ...storeEntity,
  metadata: { name: 'blog', namespace: 'default' },
  spec: { ...storeEntity.spec, type: 'website' },
};

/** The catalog's entity pages in a test app, with the stores plugin beside them. */
function renderCatalog(path: string) {
  return renderTestApp({
    features: [catalogPlugin, storesPlugin],
    apis: [
      [catalogApiRef, catalogApiMock({ entities: [storeEntity, blogEntity] })],
    ],
    config: {
      app: { baseUrl: 'http://localhost' },
      backend: { baseUrl: 'http://example.com' },
    },
    initialRouteEntries: [path],
  });
}

describe('stores plugin on the new frontend system', () => {
  it('names its extensions the way app-config refers to them', () => {
    // These ids are what `app.extensions` in app-config enables, disables
    // and configures; the README lists them.
    const ids = [
      'api:stores',
      'page:stores',
      'entity-content:stores/store',
      'entity-card:stores/store',
    ] as const;
    for (const id of ids) {
      expect(storesPlugin.getExtension(id)).toBeDefined();
    }
  });

  it('serves the stores list at /stores in an app made with createApp', async () => {
    server.use(...storesHandlers({ stores: [makeStore()] }));
    // The app's own discovery, fetch and permission APIs reach the stores
    // backend at backend.baseUrl, which msw answers; without a permission
    // backend every button is allowed.
    const app = createApp({
      features: [catalogPlugin, scaffolderPlugin, storesPlugin],
      advanced: {
        configLoader: async () => ({
          config: new ConfigReader({
            app: {
              baseUrl: 'http://localhost',
              // No sign-in in a unit test: the app runs as guest.
              extensions: [{ 'sign-in-page:app': false }],
            },
            backend: { baseUrl: 'http://example.com' },
          }),
        }),
      },
    });
    window.history.pushState({}, '', '/stores');
    render(app.createRoot());

    const table = await screen.findByRole('table', {}, FIRST_RENDER);
    expect(await within(table).findByText('shop')).toBeInTheDocument();
    expect(within(table).getByText('Ready')).toBeInTheDocument();
    // createStore binds itself to the scaffolder's template page.
    expect(
      await screen.findByRole('button', { name: 'Create store' }),
    ).toHaveAttribute('href', '/create/templates/default/create-store');
    // The page's title and icon are the app's navigation item.
    expect(screen.getByRole('link', { name: /Stores/ })).toHaveAttribute(
      'href',
      '/stores',
    );
  });

  it("shows a store's card and Store tab on its entity page", async () => {
    server.use(
      ...storesHandlers({
        stores: [makeStore()],
        events: { shop: readyTimeline() },
      }),
    );
    renderCatalog('/catalog/default/component/shop');

    // The card on the overview, with its link to the store's page
    expect(
      await screen.findByRole('link', { name: /View store/ }, FIRST_RENDER),
    ).toHaveAttribute('href', '/stores/shop');
    const tab = screen.getByRole('link', { name: 'Store' });
    expect(tab).toHaveAttribute(
      'href',
      '/catalog/default/component/shop/store',
    );

    await userEvent.click(tab);
    expect(
      await screen.findByRole('list', { name: 'Provisioning steps' }),
    ).toBeInTheDocument();
    expect(screen.getAllByTestId('store-event')).toHaveLength(6);
  });

  it('leaves entities that are not stores alone', async () => {
    renderCatalog('/catalog/default/component/blog');

    // The catalog's own card loads like ours would; once it is there, ours
    // would be too.
    expect(
      await screen.findByRole('heading', { name: 'About' }, FIRST_RENDER),
    ).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Overview' })).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Store' })).toBeNull();
    expect(screen.queryByRole('link', { name: /View store/ })).toBeNull();
  });
});
