/*
 * The portal end to end in a real browser: the app and backend started as `yarn start` does,
 * against the local Kubernetes test bed (packages/testbed), driven by the system's Chromium.
 *
 * Creates a store through the "Create store" template, follows it to ready on its page, opens
 * its catalog entity (Store and Kubernetes tabs, with the pods kwok runs), deletes it from the
 * stores list and checks that it is gone, from the list and from the cluster.
 *
 * With STORES_E2E_SCREENSHOTS=1 it writes the plugin README's screenshots to
 * plugins/stores/docs/screenshots/. On a failure it saves
 * packages/e2e/failure-<step>.png and failure-portal.log.
 */
import { kubectl, run } from '@internal/testbed';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Locator, Page } from 'playwright-core';
import { Browser, launchBrowser } from './browser';
import {
  APP_URL,
  packageDir,
  Portal,
  repoRoot,
  startPortal,
  stopPortal,
} from './portal';

jest.setTimeout(20 * 60_000);

const SCREENSHOTS = path.join(repoRoot, 'plugins/stores/docs/screenshots');
/** Unique per run; within the template's name pattern and the 30 characters. */
const name = `e2e-${randomBytes(3).toString('hex')}`;
const namespace = `store-${name}`;
/** The steps of a store that came up, and their state: the local portal does not check the storefront. */
const PROVISIONING_STEPS = {
  accepted: 'done',
  namespace: 'done',
  release: 'done',
  workloads: 'done',
  storefront: 'skipped',
};

/** The timeline's events of a store that came up, in order. */
const TIMELINE = [
  'Accepted',
  'Namespace created',
  'Release installed',
  'Workloads ready',
  'Ready',
];

let portal: Portal | undefined;
let browser: Browser | undefined;
let failed = false;
let storeCreated = false;
let storeDeleted = false;
const timings: string[] = [];

beforeAll(async () => {
  for (const f of fs.readdirSync(packageDir)) {
    if (f.startsWith('failure-')) fs.rmSync(path.join(packageDir, f));
  }
  const t0 = Date.now();
  try {
    portal = await startPortal();
    timings.push(`portal up: ${seconds(Date.now() - t0)}`);
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
  console.log(`browser test of ${name}:\n  ${timings.join('\n  ')}`);
}, 2 * 60_000);

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Runs one step; on failure saves failure-<id>.png and names the step in the error. */
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
        path: path.join(packageDir, `failure-${id}.png`),
        fullPage: true,
      })
      .catch(() => {});
    // what a screen reader would get: the roles and names the selectors look for
    await page
      .locator('body')
      .ariaSnapshot({ timeout: 5000 })
      .then(aria =>
        fs.writeFileSync(
          path.join(packageDir, `failure-${id}.aria.yaml`),
          aria,
        ),
      )
      .catch(() => {});
    if (error instanceof Error) {
      error.message = `step "${id}" (at ${page.url()}): ${error.message}`;
    }
    throw error;
  }
}

async function screenshot(page: Page, file: string) {
  // Only when asked, so a test run leaves the committed pictures alone.
  if (!process.env.STORES_E2E_SCREENSHOTS) return;
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  // no blinking caret or hover state in the committed pictures
  await page.mouse.move(0, 0);
  await page.screenshot({ path: path.join(SCREENSHOTS, file) });
}

/** Polls `check` until it returns a value; `check` may throw to fail at once. */
async function waitUntil<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  intervalMs = 1000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${seconds(timeoutMs)}: ${what}`);
    }
    await new Promise(r => setTimeout(r, intervalMs));
  }
}

async function visible(locator: Locator, timeout = 30_000) {
  await locator.waitFor({ state: 'visible', timeout });
  return locator;
}

/** The store's status chip inside `scope`, once it shows `status`; fails early on Failed. */
async function waitForStatus(
  scope: Locator | Page,
  status: string,
  timeoutMs: number,
) {
  const chip = scope.getByTestId('store-status').first();
  await visible(chip, 60_000);
  await waitUntil(`status ${status}`, timeoutMs, async () => {
    const text = (await chip.textContent())?.trim();
    if (text === status) return true;
    if (text === 'Failed' && status !== 'Failed') {
      throw new Error(`the store failed: ${await chip.getAttribute('title')}`);
    }
    return undefined;
  });
}

async function expectStepsDone(scope: Locator | Page) {
  for (const [id, state] of Object.entries(PROVISIONING_STEPS)) {
    const item = scope.getByTestId(`step-${id}`);
    await visible(item);
    expect(`${id}: ${await item.getAttribute('data-state')}`).toBe(
      `${id}: ${state}`,
    );
  }
}

async function namespaceExists(): Promise<boolean> {
  const r = await run(portal!.testbed.kubectl, [
    '--kubeconfig',
    portal!.testbed.kubeconfigPath,
    'get',
    'namespace',
    namespace,
    '-o',
    'name',
  ]);
  if (r.code === 0) return true;
  if (/NotFound/.test(r.stderr)) return false;
  throw new Error(`kubectl get namespace ${namespace}: ${r.stderr}`);
}

it('creates a store from the template, follows it to ready, shows its entity and pods, and deletes it', async () => {
  await step('sign-in', async page => {
    await page.goto(APP_URL);
    await (await visible(page.getByRole('button', { name: 'Enter' }))).click();
    await page.waitForURL(/\/catalog$/);
    await visible(page.getByRole('link', { name: 'Stores' }));
  });

  await step('create-form', async page => {
    await page.goto(`${APP_URL}/create`);
    const card = page.locator('[class*="MuiCard-root"]').filter({
      has: page.getByRole('heading', { name: 'Create store', exact: true }),
    });
    await (await visible(card.getByRole('button', { name: 'Choose' }))).click();
    await page.waitForURL(/\/create\/templates\/default\/create-store$/);

    await (
      await visible(page.getByRole('textbox', { name: 'Store name' }))
    ).fill(name);
    await page.getByRole('radio', { name: /^WooCommerce/ }).check();
    const owner = page.getByRole('textbox', { name: 'Owner' });
    await owner.click();
    await owner.fill('guests');
    await (
      await visible(page.getByRole('option', { name: 'guests', exact: true }))
    ).click();
    expect(await owner.inputValue()).toBe('group:default/guests');
    await owner.blur();
    await screenshot(page, 'create-store-form.png');

    await page.getByRole('button', { name: 'Next' }).click();
    await (await visible(page.getByRole('radio', { name: /^Small/ }))).check();
    await page.getByRole('button', { name: 'Review' }).click();
    await visible(page.getByRole('row', { name: `Store name ${name}` }));
    await visible(
      page.getByRole('row', { name: 'Owner group:default/guests' }),
    );
    await visible(
      page.getByRole('row', { name: /^WooCommerce.* woocommerce$/ }),
    );
    await visible(page.getByRole('row', { name: /^Small.* small$/ }));
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.waitForURL(/\/create\/tasks\/[^/]+$/);
    storeCreated = true;
  });

  await step('task', async page => {
    // the output links show once both steps (stores:create, stores:wait) are done; a failed
    // step shows an alert instead
    const done = page.getByRole('link', { name: 'Open store page' });
    const error = page.getByRole('main').getByRole('alert');
    await visible(done.or(error), 12 * 60_000);
    if (await error.isVisible()) {
      throw new Error(`the task failed: ${await error.innerText()}`);
    }
    // stores:wait wrote the store's timeline into the task log
    const showLogs = page.getByRole('button', { name: 'Show Logs' });
    if (await showLogs.isVisible()) await showLogs.click();
    await visible(page.getByText(/workloads-ready: /).first());
    await visible(page.getByText(/ ready: /).first());
  });

  await step('detail', async page => {
    await page.getByRole('link', { name: 'Open store page' }).click();
    await page.waitForURL(new RegExp(`/stores/${name}$`));
    await visible(page.getByRole('heading', { name, exact: true }));
    await waitForStatus(page, 'Ready', 60_000);
    await expectStepsDone(page);
    // the timeline: each step's event, in order
    const timeline = page.getByRole('list', { name: 'Store timeline' });
    await visible(timeline.getByRole('heading', { name: /^Ready( ·|$)/ }));
    const events = await timeline.getByRole('heading').allInnerTexts();
    expect(events.map(e => e.replace(/\s*·.*$/s, '').trim())).toEqual(TIMELINE);
    await visible(page.getByText(namespace, { exact: true }));
    await screenshot(page, 'store-detail.png');
  });

  await step('list', async page => {
    await page.goto(`${APP_URL}/stores`);
    const row = page.getByRole('row').filter({
      has: page.getByRole('link', { name, exact: true }),
    });
    await visible(row);
    await waitForStatus(row, 'Ready', 30_000);
    await visible(row.getByRole('button', { name: `Delete store ${name}` }));
    await screenshot(page, 'stores-list.png');
  });

  const { pods, workloads } = await step('cluster', async () => {
    const out = await kubectl([
      'get',
      'pods',
      '-n',
      namespace,
      '-o',
      'jsonpath={range .items[*]}{.metadata.name} {.status.phase}{"\\n"}{end}',
    ]);
    const lines = out.trim().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/ Running$/);
    const kinds = { deployment: 'Deployment', statefulset: 'Stateful Set' };
    const names = await kubectl([
      'get',
      'deployments,statefulsets',
      '-n',
      namespace,
      '-o',
      'name',
    ]);
    return {
      pods: lines.map(line => line.split(' ')[0]),
      /** [kind as the Kubernetes tab calls it, name] */
      workloads: names
        .trim()
        .split('\n')
        .map(n => n.split('/'))
        .map(([kind, n]): [string, string] => [
          kinds[kind.split('.')[0] as keyof typeof kinds],
          n,
        ]),
    };
  });

  await step('entity', async page => {
    const url = `${APP_URL}/catalog/default/component/${name}`;
    await page.goto(url);
    // the catalog module makes the entity within seconds of the store's creation
    const storeTab = page.getByRole('tab', { name: 'Store', exact: true });
    await waitUntil(
      `the catalog entity of ${name}`,
      90_000,
      async () => {
        if (await storeTab.isVisible()) return true;
        await page.reload();
        await page.waitForTimeout(3000);
        return undefined;
      },
      0,
    );
    await visible(page.getByRole('tab', { name: 'Kubernetes', exact: true }));

    await storeTab.click();
    await page.waitForURL(`${url}/store`);
    await waitForStatus(page, 'Ready', 30_000);
    await expectStepsDone(page);
    await screenshot(page, 'entity-store-tab.png');
  });

  await step('kubernetes', async page => {
    await page.getByRole('tab', { name: 'Kubernetes', exact: true }).click();
    await page.waitForURL(/\/kubernetes$/);
    const cluster = await visible(
      page.getByRole('button', { name: 'testbed Cluster' }),
      60_000,
    );
    const warning = page
      .getByRole('main')
      .getByRole('alert')
      .filter({ hasText: 'There was a problem retrieving Kubernetes objects' });
    if (await warning.isVisible()) {
      await warning.click();
      await page.waitForTimeout(500);
      throw new Error(`the Kubernetes tab warns: ${await warning.innerText()}`);
    }
    const podCount = pods.length === 1 ? '1 pod' : `${pods.length} pods`;
    await visible(cluster.getByText(podCount, { exact: true }));
    await visible(cluster.getByText('No pods with errors', { exact: true }));
    await cluster.click();
    // each workload's accordion lists its pods
    for (const [kind, workload] of workloads) {
      await (
        await visible(
          page
            .getByRole('button', {
              name: `${workload} ${kind} namespace: ${namespace}`,
              exact: true,
            })
            .first(),
        )
      ).click();
    }
    // every pod of the store, running as kwok reports it
    for (const pod of pods) {
      const row = page
        .getByRole('row')
        .filter({ has: page.getByText(pod, { exact: true }) });
      await visible(row, 60_000);
      await visible(row.getByText('Running', { exact: true }));
      await visible(row.getByText('OK', { exact: true }));
    }
    // back to the top: the entity's header and tabs, the cluster, the first workload's pods
    await page.mouse.move(800, 500);
    await page.mouse.wheel(0, -20_000);
    await page.waitForTimeout(500);
    await screenshot(page, 'entity-kubernetes-tab.png');
  });

  await step('delete', async page => {
    expect(await namespaceExists()).toBe(true);
    await page.goto(`${APP_URL}/stores`);
    const link = page.getByRole('link', { name, exact: true });
    await visible(link);
    await page.getByRole('button', { name: `Delete store ${name}` }).click();
    const dialog = await visible(
      page.getByRole('dialog', { name: `Delete store ${name}?` }),
    );
    const confirm = dialog.getByRole('button', { name: 'Delete store' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog
      .getByRole('textbox', { name: `Type ${name} to confirm` })
      .fill(name);
    expect(await confirm.isEnabled()).toBe(true);
    await confirm.click();
    await dialog.waitFor({ state: 'hidden', timeout: 30_000 });
    // the list polls while the store is being deleted; deleted stores are not listed
    await link.waitFor({ state: 'detached', timeout: 5 * 60_000 });
    await visible(page.getByText('No stores you can see'));
    await screenshot(page, 'stores-list-empty.png');
  });

  await step('gone', async page => {
    await waitUntil(
      `namespace ${namespace} deleted`,
      2 * 60_000,
      async () => ((await namespaceExists()) ? undefined : true),
      2000,
    );
    storeDeleted = true;
    await page.goto(`${APP_URL}/stores/${name}`);
    await visible(
      page.getByText(/This store was deleted|No store named/).first(),
    );
  });
});
