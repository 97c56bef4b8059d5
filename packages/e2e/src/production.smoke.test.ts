/*
 * Production smoke test: the portal image and the stores-portal chart, run as a cluster would
 * run them, with no container engine.
 *
 * 1. `yarn build:backend`, then packages/backend/Dockerfile reproduced into a temp dir
 *    (production.ts: its COPY lines with .dockerignore, its tar and `yarn workspaces focus
 *    --all --production` steps; helm is the test bed's, of the Dockerfile's major version).
 * 2. `helm template` of charts/stores-portal with values-prod.yaml and what an operator sets
 *    for this installation (the identity provider, the release's namespace); the backend
 *    container's command, environment and mounted app-config.helm.yaml are taken from it, and
 *    the Secrets it references hold this test's values: a throwaway PostgreSQL
 *    (scripts/postgres.sh), the test OIDC server's client, the viewer token.
 * 3. The backend runs with NODE_ENV=production against the test bed as the chart's stores
 *    ServiceAccount (the token scripts/testbed-identities mints). In a pod, client-node's
 *    default loading finds the ServiceAccount; here KUBECONFIG holds the same identity's token,
 *    the one input the pod gets from its mount rather than its environment.
 * 4. Alice signs in through the test OIDC server in Chromium, creates a WooCommerce store
 *    through /api/stores/stores, sees it ready, deletes it and sees its namespace gone.
 *
 * What differs from the pod, because this machine is not one (app-config.smoke.yaml): the
 * URL (localhost on a free port instead of the Ingress), the helm path (the image's
 * /usr/local/bin/helm under the temp dir), and no storefront check (kwok runs no containers,
 * so no store answers over HTTP). Prints the time of each phase. On a failure it keeps the
 * backend's log as packages/e2e/failure-production.log.
 */
import {
  ensureTestbed,
  freePort,
  kubectl,
  portalIdentities,
  PortalIdentities,
  run,
  runOk,
  Testbed,
} from '@internal/testbed';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { Browser, launchBrowser } from './browser';
import { OidcTestServer, startOidcServer } from './oidc';
import { packageDir, repoRoot } from './portal';
import {
  backendContainer,
  childEnv,
  configVariables,
  containerProcess,
  inImage,
  K8sObject,
  parseDockerfile,
  parseManifests,
  ReproducedImage,
  reproduceImage,
  runIn,
  RunningBackend,
  stageArgs,
  startProcess,
} from './production';

jest.setTimeout(30 * 60_000);

const DOCKERFILE = path.join(repoRoot, 'packages/backend/Dockerfile');
const CHART = path.join(repoRoot, 'charts/stores-portal');
const STORE = `smoke-${randomBytes(3).toString('hex')}`;
const ALICE = {
  sub: 'alice',
  email: 'alice@example.com',
  name: 'Alice Example',
  password: randomBytes(12).toString('base64url'),
  groups: ['team-a'],
};

const timings: string[] = [];
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
async function phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await fn();
  timings.push(`${name}: ${seconds(Date.now() - started)}`);
  return result;
}

let work: string;
let testbed: Testbed;
let ids: PortalIdentities;
let image: ReproducedImage;
/** HELM_VERSION of the Dockerfile's helm stage */
let imageHelmVersion: string;
let postgresDir: string | undefined;
let oidc: OidcTestServer | undefined;
let backend: RunningBackend | undefined;
let browser: Browser | undefined;
let baseUrl: string;
let objects: K8sObject[];
let token: string;
/** set by the last test when it succeeds; otherwise afterAll keeps the backend's log */
let completed = false;
let storeCreated = false;

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** An error that ends waitFor at once: waiting longer cannot help. */
class GiveUp extends Error {}

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    if (backend && backend.child.exitCode !== null) {
      throw new Error(
        `The backend exited (${
          backend.child.exitCode
        }) while waiting for ${what}:\n${backend.tail()}`,
      );
    }
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      last = ` (last: ${error})`;
    }
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for ${what}${last}`);
    await sleep(1000);
  }
}

async function api(method: string, route: string, body?: unknown) {
  const res = await fetch(`${baseUrl}/api/stores${route}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    body: text ? JSON.parse(text) : undefined,
  };
}

beforeAll(async () => {
  for (const f of fs.readdirSync(packageDir)) {
    if (f === 'failure-production.log') fs.rmSync(path.join(packageDir, f));
  }
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'stores-production-'));
  testbed = await ensureTestbed();
  ids = await portalIdentities();

  await phase('bundle build (yarn build:backend)', async () => {
    const r = await runIn(
      repoRoot,
      process.execPath,
      [yarnRelease(repoRoot), 'build:backend'],
      { env: childEnv(), timeoutMs: 15 * 60_000 },
    );
    if (r.code !== 0) {
      throw new Error(`yarn build:backend failed:\n${r.output.slice(-4000)}`);
    }
  });

  const helmStage = parseDockerfile(fs.readFileSync(DOCKERFILE, 'utf8')).find(
    s => s.name === 'helm',
  )!;
  image = await phase('image (COPY, tar, yarn workspaces focus)', () =>
    reproduceImage({
      contextDir: repoRoot,
      dockerfile: DOCKERFILE,
      rootfs: path.join(work, 'rootfs'),
      // the image's helm is built in the stage `helm`; the test bed's of the same major stands in
      stageFiles: { '/usr/local/bin/helm': testbed.helm.v4 },
    }),
  );
  imageHelmVersion = stageArgs(helmStage).HELM_VERSION;
}, 25 * 60_000);

afterAll(async () => {
  await browser?.close();
  if (backend) {
    await backend.stop();
    if (!completed) {
      fs.copyFileSync(
        backend.logPath,
        path.join(packageDir, 'failure-production.log'),
      );
    }
  }
  await oidc?.stop();
  if (postgresDir) {
    await run('bash', [
      path.join(repoRoot, 'scripts/postgres.sh'),
      'stop',
      postgresDir,
    ]);
  }
  if (storeCreated) {
    // never leave a store of this test behind in the shared test bed
    await kubectl([
      'delete',
      'namespace',
      `store-${STORE}`,
      '--ignore-not-found',
      '--wait=false',
    ]).catch(() => {});
  }
  if (work) fs.rmSync(work, { recursive: true, force: true });
  // eslint-disable-next-line no-console
  console.log(
    `production smoke test (store ${STORE}):\n  ${timings.join('\n  ')}${
      image ? `\nimage steps:\n  ${image.log.join('\n  ')}` : ''
    }`,
  );
});

function yarnRelease(dir: string): string {
  const yarnrc = parse(fs.readFileSync(path.join(dir, '.yarnrc.yml'), 'utf8'));
  return path.join(dir, yarnrc.yarnPath);
}

it('the image holds what the production config names, at the paths it names', async () => {
  const production = parse(
    fs.readFileSync(
      inImage(image, `${image.workdir}/app-config.production.yaml`),
      'utf8',
    ),
  );
  const appPath = (p: string) =>
    inImage(image, path.posix.resolve(image.workdir, p));
  expect(production.stores.helm.binary).toBe('/usr/local/bin/helm');
  // the stand-in helm is of the image's major version
  const testbedHelm = await runOk(testbed.helm.v4, [
    'version',
    '--template',
    '{{.Version}}',
  ]);
  expect(testbedHelm.split('.')[0]).toBe(imageHelmVersion.split('.')[0]);
  expect(fs.existsSync(appPath(production.stores.helm.binary))).toBe(true);
  for (const [engine, e] of Object.entries<any>(production.stores.engines)) {
    expect({
      engine,
      chart: fs.existsSync(path.join(appPath(e.chart), 'Chart.yaml')),
    }).toEqual({
      engine,
      chart: true,
    });
    for (const f of e.valuesFiles ?? []) {
      expect({ engine, f, exists: fs.existsSync(appPath(f)) }).toEqual({
        engine,
        f,
        exists: true,
      });
    }
  }
  for (const location of production.catalog.locations) {
    expect({
      target: location.target,
      exists: fs.existsSync(appPath(location.target)),
    }).toEqual({
      target: location.target,
      exists: true,
    });
  }
  // the bundle serves the app, and runs as an unprivileged user like the chart's pod
  expect(fs.existsSync(appPath('packages/app/dist/index.html'))).toBe(true);
  expect(image.user).toBe('node');
  expect(image.env.NODE_ENV).toBe('production');
  // no local-only config or test sources in the image
  expect(
    fs
      .readdirSync(inImage(image, image.workdir))
      .filter(f => f.endsWith('.local.yaml')),
  ).toEqual([]);
  expect(fs.existsSync(appPath('charts/src'))).toBe(false);
});

it('starts with the chart-rendered environment and config against PostgreSQL and the test bed', async () => {
  const pg = await runOk('bash', [
    path.join(repoRoot, 'scripts/postgres.sh'),
    'start',
  ]);
  postgresDir = /STORES_TEST_POSTGRES_DIR=(\S+)/.exec(pg)?.[1];
  const connection = new URL(
    /CONNECTION_STRING=(\S+)/.exec(pg)?.[1] ?? 'postgresql://missing',
  );

  const port = await freePort();
  baseUrl = `http://localhost:${port}`;
  oidc = await startOidcServer({
    users: [ALICE],
    redirectUris: [`${baseUrl}/api/auth/oidc/handler/frame`],
  });

  // the release as the test bed has its identities: scripts/testbed-identities
  const release = ids.stores.username.split(':').pop()!;
  const operatorValues = path.join(work, 'values-operator.yaml');
  fs.writeFileSync(
    operatorValues,
    stringify({
      auth: {
        oidc: {
          metadataUrl: `${oidc.issuer}/.well-known/openid-configuration`,
          clientId: oidc.clientId,
        },
      },
    }),
  );
  objects = parseManifests(
    await runOk(testbed.helm.v4, [
      'template',
      release,
      CHART,
      '--namespace',
      ids.namespace,
      '-f',
      path.join(CHART, 'values-prod.yaml'),
      '-f',
      operatorValues,
    ]),
  );
  const values = parse(
    fs.readFileSync(path.join(CHART, 'values-prod.yaml'), 'utf8'),
  );
  const proc = containerProcess({
    objects,
    image,
    secrets: {
      [values.database.existingSecret]: {
        POSTGRES_HOST: connection.hostname,
        POSTGRES_PORT: connection.port,
        POSTGRES_USER: decodeURIComponent(connection.username),
        // the throwaway server trusts loopback connections; any password is accepted
        POSTGRES_PASSWORD: randomBytes(12).toString('hex'),
      },
      [values.auth.oidc.clientSecret.existingSecret]: {
        [values.auth.oidc.clientSecret.key]: oidc.clientSecret,
      },
      [`${release}-kubernetes-viewer-token`]: { token: ids.viewer.token },
    },
  });

  // every variable the image's production config and the chart's config read is set
  const helmConfig = parse(
    fs.readFileSync(inImage(image, '/config/app-config.helm.yaml'), 'utf8'),
  );
  const production = parse(
    fs.readFileSync(path.join(proc.cwd, 'app-config.production.yaml'), 'utf8'),
  );
  expect(
    [...configVariables(production), ...configVariables(helmConfig)].filter(
      v => !(v in proc.env),
    ),
  ).toEqual([]);
  expect(proc.env.NODE_ENV).toBe('production');

  // the pod's ServiceAccount: the chart's stores identity, as a kubeconfig
  const kubeconfig = path.join(work, 'serviceaccount.kubeconfig');
  fs.writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'in-cluster',
          cluster: {
            server: ids.url,
            'certificate-authority-data': ids.caData,
          },
        },
      ],
      users: [{ name: 'serviceaccount', user: { token: ids.stores.token } }],
      contexts: [
        {
          name: 'in-cluster',
          context: { cluster: 'in-cluster', user: 'serviceaccount' },
        },
      ],
      'current-context': 'in-cluster',
    }),
    { mode: 0o600 },
  );
  expect(helmConfig.stores.clusters).toEqual([
    expect.not.objectContaining({ url: expect.anything() }),
  ]);

  const smokeConfig = path.join(work, 'app-config.smoke.yaml');
  fs.writeFileSync(
    smokeConfig,
    stringify({
      app: { baseUrl },
      backend: { baseUrl, listen: `:${port}` },
      stores: {
        helm: { binary: inImage(image, production.stores.helm.binary) },
        provisioning: { checkStorefront: false },
      },
    }),
  );

  const { container } = backendContainer(objects);
  const readiness = container.readinessProbe.httpGet.path;
  backend = startProcess(
    {
      ...proc,
      args: [...proc.args, '--config', smokeConfig],
      env: { ...proc.env, KUBECONFIG: kubeconfig },
    },
    path.join(work, 'backend.log'),
  );
  await phase('backend start (to readiness)', () =>
    waitFor(
      `${readiness}`,
      async () => {
        const res = await fetch(`${baseUrl}${readiness}`, {
          signal: AbortSignal.timeout(5000),
        });
        return res.status === 200 ? true : undefined;
      },
      5 * 60_000,
    ),
  );
});

it('signs Alice in through the OpenID Connect provider', async () => {
  browser = await launchBrowser();
  const page = browser.page;
  token = await phase('sign-in (OIDC, Chromium)', async () => {
    // the catalog reads examples/org.yaml shortly after start; until then Alice is unknown
    return waitFor(
      'a signed-in Alice',
      async () => {
        await page.goto(baseUrl);
        const popupPromise = page.waitForEvent('popup', { timeout: 60_000 });
        await page
          .getByRole('button', { name: /sign in/i })
          .click({ timeout: 60_000 });
        const popup = await popupPromise;
        await popup.locator('#username').fill(ALICE.email);
        await popup.locator('#password').fill(ALICE.password);
        await popup.getByRole('button', { name: 'Sign in' }).click();
        await popup.waitForEvent('close', { timeout: 60_000 });
        const identity = await page.evaluate(async () => {
          const res = await fetch(
            '/api/auth/oidc/refresh?optional&env=production',
            {
              headers: { 'X-Requested-With': 'XMLHttpRequest' },
            },
          );
          return res.ok ? res.json() : undefined;
        });
        return identity?.backstageIdentity?.token as string | undefined;
      },
      3 * 60_000,
    );
  });
  const me = await fetch(`${baseUrl}/api/auth/v1/userinfo`, {
    headers: { Authorization: `Bearer ${token}` },
  }).then(r => r.json());
  expect(me.claims.sub).toBe('user:default/alice');
});

it('creates a WooCommerce store that becomes ready, deletes it, and its namespace is gone', async () => {
  const created = await api('POST', '/stores', {
    name: STORE,
    engine: 'woocommerce',
  });
  expect({ status: created.status, text: created.text }).toEqual({
    status: 201,
    text: expect.any(String),
  });
  storeCreated = true;
  expect(created.body.owner).toBe('user:default/alice');

  const ready = await phase('store ready', () =>
    waitFor(
      `store ${STORE} ready`,
      async () => {
        const r = await api('GET', `/stores/${STORE}`);
        if (r.body?.status === 'failed') {
          const events = await api('GET', `/stores/${STORE}/events`);
          throw new GiveUp(`store ${STORE} failed: ${r.text}\n${events.text}`);
        }
        if (r.body?.status === 'ready') return r.body;
        // kept by waitFor as the last state, for the message should it time out
        throw new Error(`${r.status} ${r.text}`);
      },
      10 * 60_000,
    ),
  );
  expect(ready.storefrontUrl).toBe(`https://${STORE}.stores.example.com/`);
  const namespace = JSON.parse(
    await kubectl(['get', 'namespace', `store-${STORE}`, '-o', 'json']),
  );
  expect(namespace.metadata.labels).toMatchObject({
    'app.kubernetes.io/managed-by': 'backstage-stores',
    'pod-security.kubernetes.io/enforce': 'restricted',
  });
  // helm ran as the stores identity: the release record is in the store's namespace
  expect(
    await kubectl([
      'get',
      'secrets',
      '-n',
      `store-${STORE}`,
      '-l',
      `owner=helm,name=${STORE}`,
      '-o',
      'name',
    ]),
  ).toContain(`sh.helm.release.v1.${STORE}.v1`);

  const deleted = await api('DELETE', `/stores/${STORE}`);
  expect(deleted.status).toBe(202);
  await phase('store deleted, namespace gone', () =>
    waitFor(
      `namespace store-${STORE} gone`,
      async () => {
        const r = await api('GET', `/stores/${STORE}`);
        if (r.status !== 404 && r.body?.status !== 'deleted') return undefined;
        const ns = await run(testbed.kubectl, [
          '--kubeconfig',
          testbed.kubeconfigPath,
          'get',
          'namespace',
          `store-${STORE}`,
        ]);
        return ns.code !== 0 && /NotFound/.test(ns.stderr) ? true : undefined;
      },
      5 * 60_000,
    ),
  );
  storeCreated = false;
  completed = true;
});
