import {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import {
  StoresClient,
  StoresRequestOptions,
} from '@stores-for-backstage/plugin-stores-common';

/**
 * How the actions call the stores API: through the one client of that API,
 * each call on behalf of the user who runs the template, so the stores backend
 * applies that user's permissions and quota.
 */
export interface StoresApiAccess {
  /** Its errors say what was asked, since the task log shows only the error. */
  client: StoresClient;
  /** A plugin-to-plugin token for a call to the stores backend on the user's behalf. */
  onBehalfOf(credentials: BackstageCredentials): Promise<StoresRequestOptions>;
}

export function createStoresApiAccess(options: {
  discovery: DiscoveryService;
  auth: AuthService;
}): StoresApiAccess {
  const { discovery, auth } = options;
  return {
    client: new StoresClient({
      discoveryApi: discovery,
      describeRequestsInErrors: true,
    }),
    async onBehalfOf(credentials) {
      const { token } = await auth.getPluginRequestToken({
        onBehalfOf: credentials,
        targetPluginId: 'stores',
      });
      return { token };
    },
  };
}
