import { StoreEngineContext } from '@stores-for-backstage/plugin-stores-node';
import { isOwnAnswer } from '../provisioning/StoreProvisioner';
import { medusaEngine, wooCommerceEngine } from './engineModules';

const store: StoreEngineContext = {
  name: 'shop',
  namespace: 'store-shop',
  plan: 'small',
  owner: 'group:default/team-a',
  baseDomain: 'stores.example.com',
  scheme: 'https',
};

describe('the storefront check', () => {
  const url = wooCommerceEngine.urls(store).storefrontUrl;

  it('counts a 2xx or a redirect on the store host as the store answering', () => {
    expect(isOwnAnswer(url, { status: 200 })).toBe(true);
    expect(isOwnAnswer(url, { status: 301, location: '/shop/' })).toBe(true);
    expect(
      isOwnAnswer(url, {
        status: 302,
        location: 'https://shop.stores.example.com/my-account/',
      }),
    ).toBe(true);
  });

  it('does not count an ingress default page or a redirect elsewhere', () => {
    expect(isOwnAnswer(url, { status: 404 })).toBe(false);
    expect(isOwnAnswer(url, { status: 503 })).toBe(false);
    expect(isOwnAnswer(url, { status: 302 })).toBe(false);
    expect(
      isOwnAnswer(url, {
        status: 302,
        location: 'https://login.example.com/?next=shop',
      }),
    ).toBe(false);
  });

  it("asks Medusa's store API, which names the key it wants", () => {
    const check = medusaEngine.storefrontCheck!(store);
    expect(check.url).toBe('https://shop.stores.example.com/store/regions');
    const medusaRefusal = JSON.stringify({
      type: 'not_allowed',
      message:
        'Publishable API key required in the request header: x-publishable-api-key. You can manage your keys in settings in the dashboard.',
    });
    expect(check.isStoreAnswer({ status: 400, body: medusaRefusal })).toBe(
      true,
    );
    expect(check.isStoreAnswer({ status: 200, body: '{"regions":[]}' })).toBe(
      true,
    );
    // an ingress's default backend, or a server whose store API is not mounted
    expect(
      check.isStoreAnswer({ status: 404, body: 'default backend - 404' }),
    ).toBe(false);
    expect(check.isStoreAnswer({ status: 400, body: 'Bad Request' })).toBe(
      false,
    );
  });
});
