/*
 * A real OpenID Connect provider for tests (the oidc-provider package) on 127.0.0.1: one
 * confidential client, a fixed set of users and a plain username + password form, so a
 * browser signs in the way it would at a company's identity provider. Nothing is stored:
 * sessions, grants and tokens live in memory and end with stop().
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';

export interface OidcTestUser {
  /** the subject, and the username the login form takes (the email works too) */
  sub: string;
  email: string;
  name: string;
  password: string;
  /** sent as the `groups` claim when the client asks for the `groups` scope */
  groups?: string[];
}

export interface OidcTestServer {
  /** e.g. http://127.0.0.1:41234; the discovery document is at `${issuer}/.well-known/openid-configuration` */
  issuer: string;
  clientId: string;
  clientSecret: string;
  stop(): Promise<void>;
}

const CLIENT_ID = 'stores-portal';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    c =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[
        c
      ]!),
  );

function page(title: string, body: string): string {
  // no external stylesheet or font: the test browser runs offline
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: sans-serif; background: #eef1f5; margin: 0; }
  main { max-width: 22rem; margin: 6rem auto; background: #fff; padding: 2rem; border-radius: 6px; box-shadow: 0 1px 4px rgba(0,0,0,.2); }
  h1 { font-size: 1.3rem; margin-top: 0; }
  label { display: block; margin: 1rem 0 .3rem; }
  input { width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; }
  button { margin-top: 1.5rem; width: 100%; padding: .6rem; font-size: 1rem; background: #2a5db0; color: #fff; border: 0; border-radius: 4px; }
  .error { color: #b00020; }
  .hint { color: #555; font-size: .85rem; }
</style>
</head>
<body><main>${body}</main></body>
</html>`;
}

function loginPage(options: {
  uid: string;
  clientId: string;
  username?: string;
  error?: string;
}): string {
  const { uid, clientId, username = '', error } = options;
  return page(
    'Sign in',
    `<h1>Sign in</h1>
<p class="hint">Test identity provider; the application <b>${escapeHtml(
      clientId,
    )}</b> asks who you are.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${encodeURIComponent(
      uid,
    )}/login" autocomplete="off">
  <label for="username">Username</label>
  <input id="username" name="username" value="${escapeHtml(
    username,
  )}" autofocus required>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" required>
  <button type="submit">Sign in</button>
</form>`,
  );
}

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sameSecret(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

/**
 * Starts the provider on 127.0.0.1 (`port`, or a free one) with one client whose secret is
 * made here and whose redirect URIs are exactly `redirectUris`.
 */
export async function startOidcServer(options: {
  users: OidcTestUser[];
  redirectUris: string[];
  port?: number;
}): Promise<OidcTestServer> {
  const { users, redirectUris } = options;
  const findUser = (username: string) =>
    users.find(u => u.sub === username || u.email === username);

  // listen first: the issuer URL holds the port, and the provider needs the issuer
  let handler: http.RequestListener = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const clientSecret = crypto.randomBytes(24).toString('base64url');

  const signingKey = crypto
    .generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ format: 'jwk' });

  const configuration: Configuration = {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    // RS256 is what Backstage's oidc provider expects for ID tokens unless told otherwise
    jwks: { keys: [{ ...signingKey, kid: 'test', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
    async findAccount(_ctx, sub) {
      const user = users.find(u => u.sub === sub);
      if (!user) return undefined;
      return {
        accountId: user.sub,
        async claims() {
          return {
            sub: user.sub,
            email: user.email,
            // Backstage's oidc provider only takes an email the provider vouches for
            email_verified: true,
            name: user.name,
            groups: user.groups ?? [],
          };
        },
      };
    },
    // The portal is this provider's own (first-party) client: it gets the scopes it asks
    // for without a consent screen, as a company's provider is set up for its own portal.
    async loadExistingGrant(ctx) {
      const { client, session, params, provider } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grantId =
        ctx.oidc.result?.consent?.grantId ||
        session.grantIdFor(client.clientId);
      const grant =
        (grantId && (await provider.Grant.find(grantId))) ||
        new provider.Grant({
          clientId: client.clientId,
          accountId: session.accountId,
        });
      grant.addOIDCScope(String(params?.scope ?? 'openid'));
      await grant.save();
      return grant;
    },
    // Backstage keeps the session by its refresh token and does not ask for offline_access;
    // like Keycloak's default, this provider gives the portal a refresh token anyway.
    async issueRefreshToken(_ctx, client) {
      return client.grantTypeAllowed('refresh_token');
    },
    // Only the backend calls the token and userinfo endpoints; no browser origin needs CORS.
    clientBasedCORS: () => false,
    features: {
      devInteractions: { enabled: false },
      // Backstage revokes the refresh token when a user signs out; a client revokes its own
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) =>
          token.clientId === client.clientId,
      },
    },
    interactions: {
      url: (_ctx, { uid }) => `/interaction/${uid}`,
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page(
        'Sign-in error',
        `<h1>Sign-in error</h1>${Object.entries(out)
          .map(
            ([k, v]) =>
              `<p><b>${escapeHtml(k)}</b>: ${escapeHtml(String(v))}</p>`,
          )
          .join('')}`,
      );
    },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      RefreshToken: 24 * 3600,
      Session: 24 * 3600,
      Grant: 24 * 3600,
    },
  };
  const provider = new Provider(issuer, configuration);
  provider.on('server_error', (_ctx, error) => {
    // a fault of this test server, not of the client: make it visible in the test output
    console.error(`OIDC test server error: ${error.stack ?? error}`);
  });
  const oidcCallback = provider.callback();

  async function interact(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    uid: string,
    action: string | undefined,
  ) {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) {
      throw new Error('this sign-in has expired; start again from the portal');
    }
    const clientId = String(details.params.client_id);
    if (details.prompt.name !== 'login') {
      // consent is granted by loadExistingGrant, so login is the only prompt left
      throw new Error(`unexpected prompt ${details.prompt.name}`);
    }
    const send = (status: number, html: string) => {
      res.writeHead(status, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
      });
      res.end(html);
    };
    if (req.method === 'GET' && action === undefined) {
      send(200, loginPage({ uid, clientId }));
      return;
    }
    if (req.method === 'POST' && action === 'login') {
      const form = await readForm(req);
      const username = form.get('username')?.trim() ?? '';
      const user = findUser(username);
      if (!user || !sameSecret(form.get('password') ?? '', user.password)) {
        send(
          401,
          loginPage({
            uid,
            clientId,
            username,
            error: 'Unknown username or wrong password.',
          }),
        );
        return;
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: user.sub } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    send(405, page('Not allowed', '<p>Not allowed.</p>'));
  }

  handler = (req, res) => {
    const match = /^\/interaction\/([^/?]+)(?:\/([a-z]+))?(?:\?.*)?$/.exec(
      req.url ?? '',
    );
    if (!match) {
      oidcCallback(req, res);
      return;
    }
    interact(req, res, decodeURIComponent(match[1]), match[2]).catch(error => {
      if (res.headersSent) {
        res.end();
        return;
      }
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        page(
          'Sign-in error',
          `<p class="error">${escapeHtml(String(error))}</p>`,
        ),
      );
    });
  };

  return {
    issuer,
    clientId: CLIENT_ID,
    clientSecret,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close(error => (error ? reject(error) : resolve()));
        // keep-alive connections from the backend's HTTP client would hold close() open
        server.closeAllConnections();
      }),
  };
}
