import { Entity } from '@backstage/catalog-model';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { registerMswTestHooks } from '@backstage/test-utils';
import { screen, waitFor } from '@testing-library/react';
import { STORE_ANNOTATION } from '@stores-for-backstage/plugin-stores-common';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  renderWithStores,
  storesHandlers,
  timelineForbidden,
  STORES_URL,
} from '../../__testUtils__/render';
import { fakeSignals } from '../../__testUtils__/signals';
import {
  makeEvent,
  makeStore,
  readyTimeline,
} from '../../__testUtils__/stores';
import { EntityStoreCard } from './EntityStoreCard';
import { EntityStoreContent } from './EntityStoreContent';
import { isStoreEntity } from './isStoreEntity';

jest.setTimeout(30_000);

const server = setupServer();
registerMswTestHooks(server);

function storeEntity(annotations: Record<string, string> = {}): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'shop', annotations },
    spec: {
      type: 'store',
      owner: 'group:default/team-a',
      lifecycle: 'production',
    },
  };
}

const annotated = storeEntity({
  [STORE_ANNOTATION]: 'shop',
  'backstage.io/kubernetes-id': 'shop',
  'backstage.io/kubernetes-namespace': 'store-shop',
});

describe('isStoreEntity', () => {
  it('recognizes entities with the store annotation', () => {
    expect(isStoreEntity(annotated)).toBe(true);
    expect(isStoreEntity(storeEntity())).toBe(false);
    expect(isStoreEntity(storeEntity({ [STORE_ANNOTATION]: '' }))).toBe(false);
  });
});

describe('EntityStoreContent', () => {
  it("shows the annotated store's steps and timeline", async () => {
    server.use(
      ...storesHandlers({
        stores: [makeStore()],
        events: { shop: readyTimeline() },
      }),
    );
    await renderWithStores(
      <EntityProvider entity={annotated}>
        <EntityStoreContent />
      </EntityProvider>,
    );

    expect(
      await screen.findByRole('list', { name: 'Provisioning steps' }),
    ).toBeInTheDocument();
    expect(screen.getAllByTestId('store-event')).toHaveLength(6);
    expect(screen.getByText('store-shop')).toBeInTheDocument();
  });

  it('explains the missing annotation', async () => {
    await renderWithStores(
      <EntityProvider entity={storeEntity()}>
        <EntityStoreContent />
      </EntityProvider>,
    );
    expect(screen.getAllByText(STORE_ANNOTATION).length).toBeGreaterThan(0);
  });
});

describe('EntityStoreCard', () => {
  it('shows status, steps and links to the store page', async () => {
    server.use(
      ...storesHandlers({
        stores: [makeStore()],
        events: { shop: readyTimeline() },
      }),
    );
    await renderWithStores(
      <EntityProvider entity={annotated}>
        <EntityStoreCard />
      </EntityProvider>,
    );

    expect(await screen.findByText('Ready')).toBeInTheDocument();
    expect(
      screen.getByRole('list', { name: 'Provisioning steps' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: /Storefront of shop/ }),
    ).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /View store/ })).toHaveAttribute(
      'href',
      '/stores/shop',
    );
  });

  it("shows the store's new status on its signal", async () => {
    const signals = fakeSignals();
    let store = makeStore();
    server.use(
      http.get(`${STORES_URL}/stores/shop`, () => HttpResponse.json(store)),
      ...storesHandlers({
        stores: [makeStore()],
        events: { shop: readyTimeline() },
      }),
    );
    await renderWithStores(
      <EntityProvider entity={annotated}>
        <EntityStoreCard />
      </EntityProvider>,
      { signals: signals.api },
    );
    expect(await screen.findByText('Ready')).toBeInTheDocument();

    store = makeStore({ status: 'failed', statusReason: 'Drifted' });
    signals.send({ name: 'shop', status: 'failed', eventType: 'drift' });
    await waitFor(
      () =>
        expect(screen.getByTestId('store-status')).toHaveTextContent('Failed'),
      { timeout: 1000 },
    );
  });

  it('shows why a store failed and offers a retry', async () => {
    server.use(
      ...storesHandlers({
        stores: [
          makeStore({
            status: 'failed',
            statusReason: 'Pods did not become ready within 10 minutes',
          }),
        ],
        events: {
          shop: [
            makeEvent('accepted'),
            makeEvent('namespace-created'),
            makeEvent('release-installed'),
            makeEvent('failed'),
          ],
        },
      }),
    );
    await renderWithStores(
      <EntityProvider entity={annotated}>
        <EntityStoreCard />
      </EntityProvider>,
    );

    expect(
      await screen.findByText('Pods did not become ready within 10 minutes'),
    ).toBeInTheDocument();
    expect(screen.getByText(/Kubernetes tab/)).toBeInTheDocument();
    expect(
      await screen.findByRole('button', { name: 'Retry' }),
    ).toBeInTheDocument();
  });

  it('shows a failed store whose detail and timeline the backend withholds', async () => {
    server.use(
      timelineForbidden('shop'),
      ...storesHandlers({
        stores: [makeStore({ status: 'failed', statusReason: undefined })],
      }),
    );
    await renderWithStores(
      <EntityProvider entity={annotated}>
        <EntityStoreCard />
      </EntityProvider>,
    );

    expect(
      await screen.findByText(
        "Only the store's owners and admins can see the detail of this failure.",
      ),
    ).toBeInTheDocument();
    expect(screen.queryByText(/Could not load the store/)).toBeNull();
    expect(screen.queryByTestId('step-accepted')).toBeNull();
  });

  it('says so when the backend has no such store', async () => {
    server.use(...storesHandlers({ stores: [] }));
    await renderWithStores(
      <EntityProvider entity={annotated}>
        <EntityStoreCard />
      </EntityProvider>,
    );
    expect(await screen.findByText(/has no store named/)).toBeInTheDocument();
  });
});
