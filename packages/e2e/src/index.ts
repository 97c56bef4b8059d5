/*
 * Helpers of the browser tests: start the portal against the local test bed, drive the
 * system's Chromium. The tests themselves are src/*.browser.test.ts.
 */
export { launchBrowser, chromiumPath, CHROMIUM_ARGS } from './browser';
export type { Browser } from './browser';
export {
  startPortal,
  stopPortal,
  writePortalConfig,
  assertPortsFree,
  APP_URL,
  BACKEND_URL,
} from './portal';
export type { Portal } from './portal';
