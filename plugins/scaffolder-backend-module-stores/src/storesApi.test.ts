import {
  mockCredentials,
  registerMswTestHooks,
} from '@backstage/backend-test-utils';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { createStoresApiAccess } from './storesApi';
import {
  errorResponse,
  makeStore,
  mockStoresServices,
  storesBaseUrl,
} from './__testUtils__/storesBackend';

describe('createStoresApiAccess', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  const credentials = mockCredentials.user('user:default/amy');
  const stores = createStoresApiAccess(mockStoresServices());

  it("calls with a plugin-to-plugin token on the user's behalf", async () => {
    let authorization: string | null = null;
    server.use(
      http.delete(`${storesBaseUrl}/stores/my-shop`, ({ request }) => {
        authorization = request.headers.get('authorization');
        return HttpResponse.json(makeStore({ status: 'deleting' }), {
          status: 202,
        });
      }),
    );
    await stores.client.deleteStore(
      'my-shop',
      await stores.onBehalfOf(credentials),
    );
    // What the mock auth service issues for a call to the stores plugin on Amy's behalf.
    expect(authorization).toBe(
      `Bearer ${mockCredentials.service.token({
        onBehalfOf: credentials,
        targetPluginId: 'stores',
      })}`,
    );
  });

  it('says in each error what was asked, for the task log', async () => {
    server.use(
      http.get(`${storesBaseUrl}/stores/my-shop`, () =>
        errorResponse(404, 'NotFoundError', "No store named 'my-shop'"),
      ),
    );
    await expect(
      stores.client.getStore('my-shop', await stores.onBehalfOf(credentials)),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: "Could not get store 'my-shop': No store named 'my-shop'",
    });
  });
});
