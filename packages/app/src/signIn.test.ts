import { MockConfigApi } from '@backstage/test-utils';
import { signInProviders } from './signIn';

const offered = (data: object) =>
  signInProviders(new MockConfigApi(data)).map(p => (p === 'guest' ? p : p.id));
const oidc = {
  metadataUrl: 'https://sso.example.com/.well-known/openid-configuration',
};

describe('signInProviders', () => {
  it('offers guest in the development auth environment', () => {
    expect(offered({})).toEqual(['guest']);
  });

  it('offers OpenID Connect beside guest where development configures it', () => {
    expect(
      offered({ auth: { providers: { oidc: { development: oidc } } } }),
    ).toEqual(['oidc-auth-provider', 'guest']);
  });

  it('offers only OpenID Connect in production', () => {
    expect(
      offered({
        auth: {
          environment: 'production',
          providers: { oidc: { production: oidc } },
        },
      }),
    ).toEqual(['oidc-auth-provider']);
  });

  it("offers nothing from another environment's OpenID Connect block", () => {
    expect(
      offered({
        auth: {
          environment: 'production',
          providers: { oidc: { development: oidc } },
        },
      }),
    ).toEqual([]);
  });
});
