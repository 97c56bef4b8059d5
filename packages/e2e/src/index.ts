/*
 * The harness that starts a whole portal against the local test bed: the backend alone
 * (TestbedBackend, for API-level tests) or backend and app (startPortal, for the browser),
 * the system's Chromium, a real OpenID Connect provider to sign in through (startOidcServer),
 * and process groups for the programs a test starts (startGroup, runGroup, endGroup).
 * Its own tests are src/*.test.ts, src/*.browser.test.ts and src/*.testbed.test.ts.
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
export {
  TestbedBackend,
  writeSlowHelm,
  stripAnsi,
  formatTaskLog,
} from './backend';
export type { TaskEvent, ApiResponse, GuestIdentity } from './backend';
export { startOidcServer } from './oidc';
export type { OidcTestServer, OidcTestUser } from './oidc';
export { configVariables } from './production';
export {
  groupAlive,
  killGroupNow,
  signalGroup,
  endGroup,
  endAllGroups,
  startGroup,
  runGroup,
  groupRssBytes,
  tailLog,
} from './processGroup';
export type { StartedGroup, FinishedGroup } from './processGroup';
