/*
 * Signing in to the portal through OpenID Connect, in a real browser: a real provider
 * (startOidcServer) with alice in team-a and bob in team-b, the portal started against the test
 * bed with the `auth` section of app-config.production.yaml as it stands (its ${AUTH_*}
 * variables set here), and the portal's own permission policy.
 *
 * Alice signs in on the provider's login page, creates a store owned by team-a and sees it
 * with its delete button; bob, signed in after her, sees no such store, and the stores API
 * answers him 404 for it, to delete as to read. Alice deletes it at the end.
 *
 * Writes packages/e2e/screenshots/oidc-1..4-*.png (git-ignored): the portal's and the provider's
 * sign-in pages, the Stores page as alice and as bob. On a failure it saves
 * packages/e2e/failure-oidc-<step>.png and failure-portal.log.
 */
import { kubectl, run } from '@internal/testbed';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Page } from 'playwright-core';
import yaml from 'yaml';
import { Browser, launchBrowser } from './browser';
import { OidcTestServer, OidcTestUser, startOidcServer } from './oidc';
import {
  APP_URL,
  BACKEND_URL,
  packageDir,
  Portal,
  repoRoot,
  startPortal,
  stopPortal,
} from './portal';

jest.setTimeout(20 * 60_000);

const SCREENSHOTS = path.join(packageDir, 'screenshots');
const name = `oidc-${randomBytes(3).toString('hex')}`;
const namespace = `store-${name}`;

const alice: OidcTestUser = {
  sub: 'alice',
  email: 'alice@example.com',
  name: 'Alice Example',
  password: randomBytes(9).toString('base64url'),
  groups: ['team-a'],
};
const bob: OidcTestUser = {
  sub: 'bob',
  email: 'bob@example.com',
  name: 'Bob Example',
  password: randomBytes(9).toString('base64url'),
  groups: ['team-b'],
};

/** A static token of this test's own, to ask the catalog whether it has read the users yet. */
const CATALOG_READER_TOKEN = randomBytes(24).toString('base64url');

let oidc: OidcTestServer | undefined;
let portal: Portal | undefined;
let browser: Browser | undefined;
let failed = false;
let aliceToken: string | undefined;
let storeCreated = false;
let storeDeleted = false;
const timings: string[] = [];

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The `auth` section the production config gives the portal, unchanged. */
function productionAuthConfig(): object {
  const production = yaml.parse(
    fs.readFileSync(path.join(repoRoot, 'app-config.production.yaml'), 'utf8'),
  );
  if (!production?.auth?.providers?.oidc?.production) {
    throw new Error(
      'app-config.production.yaml has no auth.providers.oidc.production',
    );
  }
  return { auth: production.auth };
}

beforeAll(async () => {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  for (const f of fs.readdirSync(packageDir)) {
    if (f.startsWith('failure-oidc-')) fs.rmSync(path.join(packageDir, f));
  }
  const t0 = Date.now();
  try {
    oidc = await startOidcServer({
      users: [alice, bob],
      // where the backend's oidc provider receives the provider's answer
      redirectUris: [`${BACKEND_URL}/api/auth/oidc/handler/frame`],
    });
    portal = await startPortal({
      config: {
        ...productionAuthConfig(),
        backend: {
          auth: {
            externalAccess: [
              {
                type: 'static',
                options: { token: CATALOG_READER_TOKEN, subject: 'oidc-e2e' },
                accessRestrictions: [{ plugin: 'catalog' }],
              },
            ],
          },
        },
      },
      env: {
        AUTH_OIDC_METADATA_URL: `${oidc.issuer}/.well-known/openid-configuration`,
        AUTH_OIDC_CLIENT_ID: oidc.clientId,
        AUTH_OIDC_CLIENT_SECRET: oidc.clientSecret,
        AUTH_SESSION_SECRET: randomBytes(24).toString('base64url'),
      },
    });
    timings.push(`portal up: ${seconds(Date.now() - t0)}`);
    await waitForUsersInCatalog();
    timings.push(`alice and bob in the catalog: ${seconds(Date.now() - t0)}`);
    browser = await launchBrowser();
  } catch (error) {
    failed = true;
    throw error;
  }
}, 15 * 60_000);

afterAll(async () => {
  await browser?.close();
  await stopPortal(portal, {
    saveLogAs: failed ? 'failure-portal.log' : undefined,
  });
  await oidc?.stop();
  if (storeCreated && !storeDeleted) {
    // don't leave a half-tested store behind in the shared test bed
    await kubectl([
      'delete',
      'namespace',
      namespace,
      '--ignore-not-found',
      '--wait=false',
    ]).catch(() => {});
  }
  // eslint-disable-next-line no-console
  console.log(`OIDC browser test of ${name}:\n  ${timings.join('\n  ')}`);
}, 2 * 60_000);

/**
 * The catalog reads examples/org.yaml a little after the portal answers; until then the
 * sign-in resolver finds no User for alice and turns her away.
 */
async function waitForUsersInCatalog() {
  const deadline = Date.now() + 3 * 60_000;
  for (;;) {
    const found = await Promise.all(
      [alice, bob].map(async user => {
        const res = await fetch(
          `${BACKEND_URL}/api/catalog/entities/by-name/user/default/${user.sub}`,
          { headers: { authorization: `Bearer ${CATALOG_READER_TOKEN}` } },
        );
        if (res.status !== 200 && res.status !== 404) {
          throw new Error(
            `catalog answered ${res.status}: ${await res.text()}`,
          );
        }
        return res.status === 200;
      }),
    );
    if (found.every(Boolean)) return;
    if (Date.now() > deadline) {
      throw new Error('alice and bob not in the catalog after 3 minutes');
    }
    await new Promise(r => setTimeout(r, 1000));
  }
}

/** Runs one step; on failure saves failure-oidc-<id>.png and names the step in the error. */
async function step<T>(id: string, fn: (page: Page) => Promise<T>) {
  if (!browser) throw new Error('no browser');
  const page = browser.page;
  const t0 = Date.now();
  try {
    const result = await fn(page);
    timings.push(`${id}: ${seconds(Date.now() - t0)}`);
    return result;
  } catch (error) {
    failed = true;
    await page
      .screenshot({
        path: path.join(packageDir, `failure-oidc-${id}.png`),
        fullPage: true,
      })
      .catch(() => {});
    if (error instanceof Error) {
      error.message = `step "${id}" (at ${page.url()}): ${error.message}`;
    }
    throw error;
  }
}

async function screenshot(page: Page, file: string) {
  await page.mouse.move(0, 0);
  await page.screenshot({ path: path.join(SCREENSHOTS, file) });
}

/**
 * Signs in from the portal's sign-in page: the provider's login page opens in the popup
 * Backstage uses for OAuth, takes the user's name and password, and the popup closes.
 */
async function signIn(page: Page, user: OidcTestUser, screenshots = false) {
  await page.goto(APP_URL);
  const card = page.getByText('Single sign-on').first();
  await card.waitFor({ timeout: 60_000 });
  // no guest in the production config, so OpenID Connect is the only way in
  expect(await page.getByRole('button', { name: 'Enter' }).count()).toBe(0);
  if (screenshots) await screenshot(page, 'oidc-1-portal-sign-in.png');
  const popupOpened = page.waitForEvent('popup');
  await page.getByRole('button', { name: 'Sign In' }).click();
  const popup = await popupOpened;
  await popup.getByLabel('Username').waitFor({ timeout: 30_000 });
  expect(new URL(popup.url()).origin).toBe(oidc!.issuer);
  await popup.getByLabel('Username').fill(user.sub);
  await popup.getByLabel('Password').fill(user.password);
  if (screenshots) {
    await popup.screenshot({
      path: path.join(SCREENSHOTS, 'oidc-2-provider-sign-in.png'),
    });
  }
  const closed = popup.waitForEvent('close', { timeout: 60_000 });
  await popup.getByRole('button', { name: 'Sign in' }).click();
  await closed;
  // signed in, or the sign-in page says why not
  const failure = page.getByRole('alert').filter({ hasText: 'Login failed' });
  await page
    .waitForURL(/\/catalog$/, { timeout: 60_000 })
    .catch(async error => {
      if (await failure.isVisible()) {
        throw new Error(`sign-in failed: ${await failure.innerText()}`);
      }
      throw error;
    });
}

/** The signed-in user's Backstage token and identity, from the oidc provider's refresh route. */
async function signedIn(): Promise<{
  token: string;
  userEntityRef: string;
  ownershipEntityRefs: string[];
}> {
  const res = await browser!.context.request.get(
    `${BACKEND_URL}/api/auth/oidc/refresh?optional&env=production`,
    { headers: { 'X-Requested-With': 'XMLHttpRequest' } },
  );
  expect(res.status()).toBe(200);
  const { backstageIdentity } = await res.json();
  return { token: backstageIdentity.token, ...backstageIdentity.identity };
}

const storesApi = (token: string, route: string, init: RequestInit = {}) =>
  fetch(`${BACKEND_URL}/api/stores${route}`, {
    ...init,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...init.headers,
    },
  });

async function waitForStatus(token: string, status: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const res = await storesApi(token, `/stores/${name}`);
    const store = await res.json();
    last = `${res.status} ${store.status ?? JSON.stringify(store)}`;
    if (store.status === status) return;
    if (store.status === 'failed') {
      throw new Error(`the store failed: ${store.statusReason}`);
    }
    await new Promise(r => setTimeout(r, 2000));
  }
  throw new Error(`store ${name} not ${status} in time (last: ${last})`);
}

async function signOut(page: Page) {
  await page.goto(`${APP_URL}/settings`);
  await page.getByRole('button', { name: 'more' }).click();
  await page.getByRole('menuitem', { name: 'Sign Out' }).click();
  await page.getByRole('button', { name: 'Sign In' }).waitFor();
  // Signing out of the portal leaves the provider's own session (a person's single sign-on),
  // which would sign alice in again without a form; bob uses the browser after her.
  await browser!.context.clearCookies({ domain: '127.0.0.1' });
}

it('signs alice and bob in through OpenID Connect; bob cannot delete the store of alice’s team', async () => {
  await step('alice-sign-in', async page => {
    await signIn(page, alice, true);
    const identity = await signedIn();
    aliceToken = identity.token;
    expect(identity.userEntityRef).toBe('user:default/alice');
    // the catalog's groups, through the sign-in resolver
    expect(identity.ownershipEntityRefs).toEqual(
      expect.arrayContaining(['user:default/alice', 'group:default/team-a']),
    );
    expect(identity.ownershipEntityRefs).not.toContain('group:default/team-b');
  });

  await step('alice-create', async () => {
    const res = await storesApi(aliceToken!, '/stores', {
      method: 'POST',
      body: JSON.stringify({
        name,
        engine: 'woocommerce',
        plan: 'small',
        owner: 'group:default/team-a',
      }),
    });
    expect(`${res.status} ${await res.text()}`).toMatch(/^201 /);
    storeCreated = true;
    await waitForStatus(aliceToken!, 'ready', 10 * 60_000);
  });

  await step('alice-stores', async page => {
    // a fresh page load: the portal keeps her signed in through the provider's refresh token
    await page.goto(`${APP_URL}/stores`);
    const row = page.getByRole('row').filter({
      has: page.getByRole('link', { name, exact: true }),
    });
    await row.waitFor({ timeout: 60_000 });
    await row
      .getByRole('button', { name: `Delete store ${name}` })
      .waitFor({ timeout: 30_000 });
    await screenshot(page, 'oidc-3-stores-alice.png');
  });

  await step('alice-sign-out', signOut);

  await step('bob-sign-in', async page => {
    await signIn(page, bob);
    const identity = await signedIn();
    expect(identity.userEntityRef).toBe('user:default/bob');
    expect(identity.ownershipEntityRefs).toContain('group:default/team-b');
    expect(identity.ownershipEntityRefs).not.toContain('group:default/team-a');
  });

  await step('bob-stores', async page => {
    await page.goto(`${APP_URL}/stores`);
    await page
      .getByRole('heading', { name: 'Stores' })
      .first()
      .waitFor({ timeout: 60_000 });
    // the list has loaded once the table or its empty state shows
    await page
      .getByText(/no stores you can see/i)
      .or(page.getByRole('table'))
      .first()
      .waitFor({ timeout: 30_000 });
    expect(await page.getByRole('link', { name, exact: true }).count()).toBe(0);
    expect(
      await page.getByRole('button', { name: `Delete store ${name}` }).count(),
    ).toBe(0);
    await screenshot(page, 'oidc-4-stores-bob.png');
  });

  await step('bob-api', async () => {
    const { token } = await signedIn();
    const del = await storesApi(token, `/stores/${name}`, { method: 'DELETE' });
    expect(del.status).toBe(404);
    const get = await storesApi(token, `/stores/${name}`);
    expect(get.status).toBe(404);
    // and the store is untouched
    const stillThere = await storesApi(aliceToken!, `/stores/${name}`);
    expect((await stillThere.json()).status).toBe('ready');
  });

  await step('alice-delete', async () => {
    const del = await storesApi(aliceToken!, `/stores/${name}`, {
      method: 'DELETE',
    });
    expect(`${del.status} ${await del.text()}`).toMatch(/^202 /);
    const deadline = Date.now() + 5 * 60_000;
    for (;;) {
      const r = await run(portal!.testbed.kubectl, [
        '--kubeconfig',
        portal!.testbed.kubeconfigPath,
        'get',
        'namespace',
        namespace,
        '-o',
        'name',
      ]);
      if (r.code !== 0 && /NotFound/.test(r.stderr)) break;
      if (Date.now() > deadline) {
        throw new Error(`namespace ${namespace} still there`);
      }
      await new Promise(res => setTimeout(res, 2000));
    }
    storeDeleted = true;
  });
});
