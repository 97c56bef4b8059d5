/*
 * The live Store page (issue 13) in a real browser against the real portal: a page open on a
 * ready store (which does not poll) shows changes made elsewhere within a second or two,
 * through Backstage signals, without a reload. The changes: a DELETE through the REST API,
 * then the reconciler's timeline entries and the store's end as it tears the store down.
 *
 * Prints each change's time from the event (the API call, or the entry's createdAt) to the
 * page showing it: issue 13's P6, "store event → visible in an open Store page".
 * On a failure it saves packages/e2e/failure-signals.png and failure-signals-portal.log.
 */
import { kubectl } from '@internal/testbed';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Page } from 'playwright-core';
import { GuestIdentity } from './backend';
import { Browser, launchBrowser } from './browser';
import {
  APP_URL,
  BACKEND_URL,
  packageDir,
  Portal,
  startPortal,
  stopPortal,
} from './portal';

jest.setTimeout(20 * 60_000);

/** Unique per run; within the name pattern of stores. */
const name = `sig-${randomBytes(3).toString('hex')}`;
/** The most a change may take to show: a signal takes a load of the store, not a poll. */
const VISIBLE_WITHIN_MS = 2000;

let portal: Portal | undefined;
let browser: Browser | undefined;
let guest: GuestIdentity | undefined;
let failed = false;
let storeLeft = false;
const figures: string[] = [];

beforeAll(async () => {
  try {
    portal = await startPortal();
    browser = await launchBrowser();
    guest = await guestSignIn();
  } catch (error) {
    failed = true;
    throw error;
  }
}, 15 * 60_000);

afterAll(async () => {
  await browser?.close();
  await stopPortal(portal, {
    saveLogAs: failed ? 'failure-signals-portal.log' : undefined,
  });
  if (storeLeft) {
    // don't leave a half-tested store behind in the shared test bed
    await kubectl([
      'delete',
      'namespace',
      `store-${name}`,
      '--ignore-not-found',
      '--wait=false',
    ]).catch(() => {});
  }
  // eslint-disable-next-line no-console
  console.log(
    `P6, store event → visible in an open Store page (${name}):\n  ${figures.join(
      '\n  ',
    )}`,
  );
}, 2 * 60_000);

/** The guest's token and identity, as the app gets them on sign-in. */
async function guestSignIn(): Promise<GuestIdentity> {
  const res = await fetch(`${BACKEND_URL}/api/auth/guest/refresh`, {
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
  const { token, identity } = (await res.json()).backstageIdentity;
  return { token, ...identity };
}

async function storesApi(route: string, init: RequestInit = {}) {
  const res = await fetch(`${BACKEND_URL}/api/stores${route}`, {
    ...init,
    headers: {
      authorization: `Bearer ${guest!.token}`,
      'content-type': 'application/json',
    },
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function waitForStore(status: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const { body } = await storesApi(`/stores/${name}`);
    last = body?.status ?? JSON.stringify(body);
    if (last === status) return;
    if (last === 'failed') {
      throw new Error(`the store failed: ${body.statusReason}`);
    }
    await new Promise(r => setTimeout(r, 2000));
  }
  throw new Error(`store ${name} not ${status} in time (last: ${last})`);
}

/** What the page showed, each time it changed: the status chip and the timeline's length. */
interface Seen {
  at: number;
  status: string;
  events: number;
}

/**
 * Records in the page, at each change of the DOM, the store's status and how many timeline
 * entries it shows, with the time; a reload would lose the record.
 */
async function recordPage(page: Page) {
  await page.evaluate(() => {
    const seen: Seen[] = [];
    const look = () => {
      const status =
        document
          .querySelector('[data-testid="store-status"]')
          ?.textContent?.trim() ?? '';
      const events = document.querySelectorAll(
        '[data-testid="store-event"]',
      ).length;
      const last = seen[seen.length - 1];
      if (!last || last.status !== status || last.events !== events) {
        seen.push({ at: Date.now(), status, events });
      }
    };
    look();
    new MutationObserver(look).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
    });
    (window as unknown as { storeSeen: Seen[] }).storeSeen = seen;
  });
  return async (): Promise<Seen[]> =>
    page.evaluate(
      () => (window as unknown as { storeSeen?: Seen[] }).storeSeen ?? [],
    );
}

/** Polls `check` every 20 ms until it returns a value, or fails after `timeoutMs`. */
async function within<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`not within ${timeoutMs} ms: ${what}`);
    }
    await new Promise(r => setTimeout(r, 20));
  }
}

const ms = (n: number) => `${Math.round(n)} ms`;

it('shows the changes of a store in its open page within 2 s, through signals', async () => {
  const page = browser!.page;
  try {
    const created = await storesApi('/stores', {
      method: 'POST',
      body: JSON.stringify({
        name,
        engine: 'woocommerce',
        plan: 'small',
        // the guest's own: the catalog may not have read its groups yet
        owner: guest!.userEntityRef,
      }),
    });
    expect(`${created.status} ${JSON.stringify(created.body)}`).toMatch(
      /^201 /,
    );
    storeLeft = true;
    await waitForStore('ready', 10 * 60_000);

    // The signal client subscribes once the page mounts; a signal sent before the backend
    // has the subscription reaches no one.
    const subscribed = new Promise<void>(resolve => {
      page.on('websocket', ws => {
        ws.on('framesent', frame => {
          if (
            /"action":"subscribe".*"channel":"stores"/.test(`${frame.payload}`)
          ) {
            resolve();
          }
        });
      });
    });
    await page.goto(APP_URL);
    await page.getByRole('button', { name: 'Enter' }).click();
    await page.waitForURL(/\/catalog$/);
    await page.goto(`${APP_URL}/stores/${name}`);
    await page
      .getByTestId('store-status')
      .first()
      .filter({ hasText: 'Ready' })
      .waitFor({ timeout: 60_000 });
    await subscribed;
    await page.waitForTimeout(500);
    const seen = await recordPage(page);
    const shownAtStart = (await seen())[0];
    expect(shownAtStart.status).toBe('Ready');

    // A change through the API: the page learns of it from the signal alone, as a page on a
    // ready store does not poll.
    const sent = Date.now();
    const deleted = await storesApi(`/stores/${name}`, { method: 'DELETE' });
    const answered = Date.now();
    expect(deleted.status).toBe(202);
    const deleting = await within(
      'the page shows Deleting',
      VISIBLE_WITHIN_MS,
      async () => (await seen()).find(s => s.status === 'Deleting'),
    );
    figures.push(
      `DELETE through the API → "Deleting" on the page: ${ms(
        deleting.at - sent,
      )} (the API answered in ${ms(answered - sent)})`,
    );

    // The reconciler's work, signalled as it goes: each timeline entry and the end.
    await waitForStore('deleted', 5 * 60_000);
    const { body: store } = await storesApi(`/stores/${name}`);
    storeLeft = false;
    const gone = await within(
      'the page shows Deleted',
      VISIBLE_WITHIN_MS,
      async () => (await seen()).find(s => s.status === 'Deleted'),
    );
    const { body: timeline } = await storesApi(`/stores/${name}/events`);
    const events: Array<{ type: string; createdAt: string }> = timeline.items;
    const log = await seen();
    const lags: number[] = [];
    events.forEach((event, index) => {
      const at = new Date(event.createdAt).getTime();
      if (at < sent) return; // shown when the page opened
      const shown = log.find(s => s.events > index);
      if (!shown) throw new Error(`the page never showed ${event.type}`);
      lags.push(shown.at - at);
      figures.push(
        `timeline entry ${event.type} → shown: ${ms(shown.at - at)}`,
      );
    });
    const statusLag = gone.at - new Date(store.statusChangedAt).getTime();
    figures.push(`status deleted → "Deleted" on the page: ${ms(statusLag)}`);
    for (const lag of [...lags, statusLag]) {
      expect(lag).toBeLessThan(VISIBLE_WITHIN_MS);
    }
    // one page throughout: the record made at its start is still there
    expect(log[0]).toEqual(shownAtStart);
  } catch (error) {
    failed = true;
    await page
      .screenshot({
        path: path.join(packageDir, 'failure-signals.png'),
        fullPage: true,
      })
      .catch(() => {});
    throw error;
  }
});
