/*
 * The system's Chromium driven by playwright-core: no browser download, a fresh profile per
 * run, and the flags that keep it quiet and offline apart from the portal.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';

/** Debian's Chromium; CHROMIUM_PATH points elsewhere. */
export const chromiumPath = (): string =>
  process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!fs.existsSync(executablePath)) {
    throw new Error(
      `No Chromium at ${executablePath}: install Debian's chromium package, or set CHROMIUM_PATH to a Chromium or Chrome binary.`,
    );
  }
  // A fresh profile each run. Playwright passes it as --user-data-dir (it refuses that flag
  // in args), so this is a persistent context on a temp dir that close() removes.
  const userDataDir = fs.mkdtempSync(
    path.join(os.tmpdir(), 'stores-e2e-chromium-'),
  );
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1440, height: 900 },
      deviceScaleFactor: 1,
      locale: 'en-US',
      timezoneId: 'UTC',
    });
  } catch (error) {
    fs.rmSync(userDataDir, { recursive: true, force: true });
    throw error;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
