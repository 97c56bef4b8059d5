/*
 * The test identity provider speaks OpenID Connect the way the portal's backend uses it:
 * discovery, the authorization code flow through the login form, tokens, userinfo with the
 * email the sign-in resolver matches, refresh and revocation. Plain fetch, no browser.
 */
import { OidcTestServer, startOidcServer } from './oidc';

const REDIRECT_URI = 'http://localhost:7007/api/auth/oidc/handler/frame';

/** A cookie jar just big enough for one user agent talking to one host. */
class Agent {
  private cookies = new Map<string, string>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) {
      headers.set(
        'cookie',
        [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      );
    }
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return res;
  }

  /** Follows redirects on the provider's own host; returns the first one that leaves it. */
  async follow(start: string, init?: RequestInit): Promise<Response> {
    let url = start;
    let res = await this.fetch(url, init);
    while (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get('location')!, url).toString();
      if (!next.startsWith(new URL(url).origin)) return res;
      url = next;
      res = await this.fetch(url);
    }
    return res;
  }
}

describe('startOidcServer', () => {
  let server: OidcTestServer;
  let discovery: Record<string, any>;

  beforeAll(async () => {
    server = await startOidcServer({
      users: [
        {
          sub: 'alice',
          email: 'alice@example.com',
          name: 'Alice Example',
          password: 'alice-password',
          groups: ['team-a'],
        },
      ],
      redirectUris: [REDIRECT_URI],
    });
    const res = await fetch(
      `${server.issuer}/.well-known/openid-configuration`,
    );
    if (!res.ok) throw new Error(`discovery answered ${res.status}`);
    discovery = await res.json();
  });

  afterAll(async () => {
    await server?.stop();
  });

  /** Starts a sign-in and returns the login form's action and the agent holding its cookie. */
  async function startSignIn(state: string) {
    const agent = new Agent();
    const authorize = new URL(discovery.authorization_endpoint);
    authorize.search = new URLSearchParams({
      client_id: server.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid profile email',
      state,
      nonce: 'n-0S6_WzA2Mj',
    }).toString();
    const res = await agent.follow(authorize.toString());
    expect(res.status).toBe(200);
    const html = await res.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    expect(action).toBeDefined();
    return { agent, action: new URL(action!, server.issuer).toString() };
  }

  const login = (
    agent: Agent,
    action: string,
    username: string,
    password: string,
  ) =>
    agent.follow(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username, password }).toString(),
    });

  it('publishes its endpoints under the issuer', () => {
    expect(server.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(discovery.issuer).toBe(server.issuer);
    expect(discovery.userinfo_endpoint).toBeDefined();
    expect(discovery.revocation_endpoint).toBeDefined();
    expect(discovery.id_token_signing_alg_values_supported).toContain('RS256');
  });

  it('refuses a wrong password on the login form', async () => {
    const { agent, action } = await startSignIn('s1');
    const res = await login(agent, action, 'alice', 'not-her-password');
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('Unknown username or wrong password.');
  });

  it('signs a user in and tells the client her verified email, name and refresh token', async () => {
    const { agent, action } = await startSignIn('s2');
    const done = await login(
      agent,
      action,
      'alice@example.com',
      'alice-password',
    );
    expect(done.status).toBe(303);
    const callback = new URL(done.headers.get('location')!);
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('state')).toBe('s2');
    const code = callback.searchParams.get('code');
    expect(code).toBeTruthy();

    const basic = `Basic ${Buffer.from(
      `${server.clientId}:${server.clientSecret}`,
    ).toString('base64')}`;
    const tokenRes = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: {
        authorization: basic,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: code!,
        redirect_uri: REDIRECT_URI,
      }).toString(),
    });
    expect(tokenRes.status).toBe(200);
    const tokens = await tokenRes.json();
    expect(tokens.id_token).toBeDefined();
    expect(tokens.refresh_token).toBeDefined();

    const userinfo = await fetch(discovery.userinfo_endpoint, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    }).then(r => r.json());
    expect(userinfo).toEqual({
      sub: 'alice',
      email: 'alice@example.com',
      email_verified: true,
      name: 'Alice Example',
    });

    const refreshed = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: {
        authorization: basic,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
      }).toString(),
    });
    expect(refreshed.status).toBe(200);

    const wrongSecret = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(
          `${server.clientId}:wrong`,
        ).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
      }).toString(),
    });
    expect(wrongSecret.status).toBe(401);
  });
});
