import { identityApiRef } from '@backstage/core-plugin-api';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import {
  AuthorizeResult,
  EvaluatePermissionRequest,
} from '@backstage/plugin-permission-common';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { SignalApi, signalApiRef } from '@backstage/plugin-signals-react';
import {
  MockFetchApi,
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import {
  Store,
  StoreEngineInfo,
  StoreEvent,
} from '@stores-for-backstage/plugin-stores-common';
import { http, HttpResponse } from 'msw';
import { ReactNode } from 'react';
import { SWRConfig } from 'swr';
import { ClusterStatus } from '@stores-for-backstage/plugin-stores-common';
import { storesApiRef, StoresClient } from '../api';
import { createStoreTemplateRouteRef, rootRouteRef } from '../routes';

/** Where `mockApis.discovery()` puts the stores backend. */
export const STORES_URL = 'http://example.com/api/stores';

export const ENGINES: StoreEngineInfo[] = [
  { id: 'woocommerce', title: 'WooCommerce', description: 'WordPress shop' },
  { id: 'medusa', title: 'Medusa', description: 'Headless commerce' },
];

/** msw handlers answering like the stores backend, from the given data. */
export function storesHandlers(data: {
  stores: Store[];
  events?: Record<string, StoreEvent[]>;
  /** What GET /clusters answers; by default one cluster that answers. */
  clusters?: ClusterStatus[];
}) {
  const notFound = (name: string) =>
    HttpResponse.json(
      {
        error: { name: 'NotFoundError', message: `No store named '${name}'` },
        response: { statusCode: 404 },
      },
      { status: 404 },
    );
  return [
    http.get(`${STORES_URL}/clusters`, () =>
      HttpResponse.json({
        items: data.clusters ?? [
          {
            name: 'local',
            reachable: true,
            checkedAt: '2026-01-01T00:00:00Z',
            version: 'v1.34.10',
          },
        ],
      }),
    ),
    http.get(`${STORES_URL}/engines`, () =>
      HttpResponse.json({ items: ENGINES }),
    ),
    http.get(`${STORES_URL}/stores`, () =>
      HttpResponse.json({
        items: data.stores,
        totalCount: data.stores.length,
      }),
    ),
    http.get(`${STORES_URL}/stores/:name`, ({ params }) => {
      const store = data.stores.find(s => s.name === params.name);
      return store ? HttpResponse.json(store) : notFound(String(params.name));
    }),
    http.get(`${STORES_URL}/stores/:name/events`, ({ params }) => {
      const name = String(params.name);
      return data.stores.some(s => s.name === name)
        ? HttpResponse.json({ items: data.events?.[name] ?? [] })
        : notFound(name);
    }),
  ];
}

/** The backend's answer to a caller who can see a store but not its timeline. */
export function timelineForbidden(name: string) {
  return http.get(`${STORES_URL}/stores/${name}/events`, () =>
    HttpResponse.json(
      {
        error: {
          name: 'NotAllowedError',
          message: `Only the owners of store '${name}' and admins can see its timeline`,
        },
        response: { statusCode: 403 },
      },
      { status: 403 },
    ),
  );
}

export interface RenderOptions {
  /** What the permission framework answers, for every request or per request. */
  permission?:
    | AuthorizeResult.ALLOW
    | AuthorizeResult.DENY
    | ((
        request: EvaluatePermissionRequest,
      ) => AuthorizeResult.ALLOW | AuthorizeResult.DENY);
  routeEntries?: string[];
  /** The app's signal API; without it the app has no signals plugin. */
  signals?: SignalApi;
}

/**
 * Renders in a test app with the real stores client (answered by msw), mocked
 * permissions and identity, and the plugin's routes mounted as the app does.
 */
export function renderWithStores(
  element: ReactNode,
  options: RenderOptions = {},
) {
  const { permission = AuthorizeResult.ALLOW, routeEntries, signals } = options;
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [
          storesApiRef,
          new StoresClient({
            discoveryApi: mockApis.discovery(),
            fetchApi: new MockFetchApi(),
          }),
        ],
        [permissionApiRef, mockApis.permission({ authorize: permission })],
        [
          identityApiRef,
          mockApis.identity({
            userEntityRef: 'user:default/jane',
            ownershipEntityRefs: ['user:default/jane', 'group:default/team-a'],
          }),
        ],
        ...(signals ? [[signalApiRef, signals] as const] : []),
      ]}
    >
      {/* usePermission caches decisions in SWR; each render decides anew. */}
      <SWRConfig value={{ provider: () => new Map() }}>{element}</SWRConfig>
    </TestApiProvider>,
    {
      routeEntries,
      mountedRoutes: {
        '/stores': rootRouteRef,
        '/catalog/:namespace/:kind/:name': entityRouteRef,
        '/create/templates/:namespace/:templateName':
          createStoreTemplateRouteRef,
      },
    },
  );
}
