/*
 * Starts the whole portal (app on :3000, backend on :7007) the way `scripts/start` does, but
 * against the local test bed, with a fresh SQLite database in a temp dir and a quick catalog
 * refresh, as a child process group that stopPortal ends completely.
 */
import { ensureTestbed, runOk, Testbed } from '@internal/testbed';
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { endGroup, killGroupNow, tailLog } from './processGroup';

// this package is only ever run from source (jest), so __dirname is src/
// eslint-disable-next-line no-restricted-syntax
export const packageDir = path.resolve(__dirname, '..');
export const repoRoot = path.resolve(packageDir, '..', '..');

export const APP_URL = 'http://localhost:3000';
export const BACKEND_URL = 'http://localhost:7007';
const PORTS = [3000, 7007];

export interface Portal {
  testbed: Testbed;
  /** temp dir with the generated configs, the SQLite files and portal.log */
  dir: string;
  logPath: string;
  child: ChildProcess;
  /** the last lines the portal printed, for error messages */
  tail(lines?: number): string;
  /** SIGKILLs the process group; runs on this process's exit unless stopPortal ran */
  killGroup(): void;
}

/** Resolves true when something accepts connections on the port (IPv4 or IPv6 loopback). */
async function portTaken(port: number): Promise<boolean> {
  const tryConnect = (host: string) =>
    new Promise<boolean>(resolve => {
      const socket = net.connect({ port, host });
      socket.setTimeout(2000);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(false));
    });
  const canListen = () =>
    new Promise<boolean>(resolve => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, () => server.close(() => resolve(true)));
    });
  return (
    (await tryConnect('127.0.0.1')) ||
    (await tryConnect('::1')) ||
    !(await canListen())
  );
}

export async function assertPortsFree(): Promise<void> {
  for (const port of PORTS) {
    if (await portTaken(port)) {
      throw new Error(
        `Port ${port} is in use, so the browser test can't start the portal on it. ` +
          `Stop whatever listens there (another "yarn start"? check: ss -ltnp "sport = :${port}") and run the test again.`,
      );
    }
  }
}

/** The yarn release committed in .yarn/releases, run with this Node: no yarn on PATH needed. */
function yarnRelease(): string {
  const dir = path.join(repoRoot, '.yarn', 'releases');
  const release = fs.readdirSync(dir).find(f => /^yarn-.*\.cjs$/.test(f));
  if (!release) throw new Error(`No yarn release in ${dir}`);
  return path.join(dir, release);
}

/**
 * Writes what `scripts/start` writes to app-config.testbed.local.yaml (the test bed as the
 * Kubernetes plugin's and the stores backend's cluster, with the chart's two identities)
 * into `dir`, and returns its path.
 */
export async function writeTestbedConfig(
  dir: string,
  /** Another test bed than the default one: its STORES_TESTBED_STATE_DIR. */
  testbedStateDir?: string,
): Promise<string> {
  const testbedYaml = await runOk(
    'bash',
    [path.join(repoRoot, 'scripts', 'testbed-app-config')],
    testbedStateDir
      ? { env: { STORES_TESTBED_STATE_DIR: testbedStateDir } }
      : {},
  );
  if (!/name: testbed/.test(testbedYaml)) {
    throw new Error(
      `scripts/testbed-app-config printed no testbed cluster:\n${testbedYaml}`,
    );
  }
  const testbedConfig = path.join(dir, 'app-config.testbed.yaml');
  fs.writeFileSync(testbedConfig, testbedYaml, { mode: 0o600 });
  return testbedConfig;
}

/**
 * Writes the portal's extra config into `dir`: the test bed's (what `scripts/start` writes to
 * app-config.testbed.local.yaml) and this test's own. Returns the --config paths to add.
 */
export async function writePortalConfig(dir: string): Promise<string[]> {
  const testbedConfig = await writeTestbedConfig(dir);
  const e2eConfig = path.join(dir, 'app-config.e2e.yaml');
  const sqliteDir = path.join(dir, 'sqlite');
  fs.mkdirSync(sqliteDir);
  fs.writeFileSync(
    e2eConfig,
    `${JSON.stringify(
      {
        backend: {
          // a fresh database: nothing from a developer's .data, nothing left for the next run
          database: { connection: { directory: sqliteDir } },
        },
        catalog: {
          providers: {
            stores: {
              schedule: {
                frequency: { seconds: 5 },
                timeout: { seconds: 30 },
              },
            },
          },
        },
      },
      null,
      2,
    )}\n`,
  );
  return [testbedConfig, e2eConfig];
}

async function waitForHttp(
  url: string,
  ok: (status: number, body: string) => boolean,
  deadline: number,
  child: ChildProcess,
  tail: () => string,
): Promise<void> {
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `The portal exited (${
          child.exitCode ?? child.signalCode
        }) before ${url} answered. Its last output:\n${tail()}`,
      );
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      const body = await res.text();
      if (ok(res.status, body)) return;
      last = `HTTP ${res.status}: ${body.slice(0, 200)}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise(r => setTimeout(r, 2000));
  }
  throw new Error(
    `${url} did not answer in time (last: ${last}). The portal's last output:\n${tail()}`,
  );
}

/**
 * The portal runs on fixed ports, so two test files (jest workers) that start it take
 * turns: the first holds this lock from start to stop, the others wait for it. A lock
 * left by a process that died is taken over.
 */
const PORTAL_LOCK = path.join(os.tmpdir(), 'stores-e2e-portal.lock');

function lockHolder(): number | undefined {
  try {
    return Number(fs.readFileSync(path.join(PORTAL_LOCK, 'pid'), 'utf8'));
  } catch {
    return undefined;
  }
}

function lockHolderAlive(): boolean {
  const pid = lockHolder();
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function acquirePortalLock(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(PORTAL_LOCK);
      fs.writeFileSync(path.join(PORTAL_LOCK, 'pid'), String(process.pid));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    // this process's own lock, left by a start that failed before it had a portal
    if (lockHolder() === process.pid) return;
    // a holder that is gone, or one still writing its pid a moment ago
    if (!lockHolderAlive()) {
      await new Promise(r => setTimeout(r, 1000));
      if (!lockHolderAlive()) {
        fs.rmSync(PORTAL_LOCK, { recursive: true, force: true });
        continue;
      }
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Another test's portal held ${PORTAL_LOCK} for too long; is a test stuck?`,
      );
    }
    await new Promise(r => setTimeout(r, 2000));
  }
}

function releasePortalLock() {
  if (lockHolder() === process.pid) {
    fs.rmSync(PORTAL_LOCK, { recursive: true, force: true });
  }
}

/**
 * Starts the portal against the test bed and waits until the app and the stores backend
 * answer. Fails at once when :3000 or :7007 is taken.
 */
export async function startPortal(
  options: {
    timeoutMs?: number;
    /** one more config, over the test bed's and this harness's */
    config?: object;
    /** added to the portal's environment, e.g. for the config's ${VAR} references */
    env?: Record<string, string>;
  } = {},
): Promise<Portal> {
  await acquirePortalLock(20 * 60_000);
  try {
    await assertPortsFree();
  } catch (error) {
    releasePortalLock();
    throw error;
  }
  const testbed = await ensureTestbed();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stores-e2e-'));
  const extraConfigs = await writePortalConfig(dir);
  if (options.config) {
    const testConfig = path.join(dir, 'app-config.test.yaml');
    // JSON is YAML
    fs.writeFileSync(
      testConfig,
      `${JSON.stringify(options.config, null, 2)}\n`,
      {
        mode: 0o600,
      },
    );
    extraConfigs.push(testConfig);
  }

  const logPath = path.join(dir, 'portal.log');
  const log = fs.openSync(logPath, 'a');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    BROWSER: 'none',
  };
  // jest sets NODE_ENV=test; the backend would then refuse guest sign-in
  delete env.NODE_ENV;
  delete env.JEST_WORKER_ID;
  const child = spawn(
    process.execPath,
    [
      yarnRelease(),
      'backstage-cli',
      'repo',
      'start',
      // absolute: backstage-cli resolves relative --config paths against packages/backend
      '--config',
      path.join(repoRoot, 'app-config.yaml'),
      ...extraConfigs.flatMap(c => ['--config', c]),
    ],
    {
      cwd: repoRoot,
      env,
      // its own process group, so stopPortal ends the app, the backend and their children
      detached: true,
      stdio: ['ignore', log, log],
    },
  );
  fs.closeSync(log);
  // should this process end without stopPortal (a killed test run), take the portal along
  const killGroup = () => killGroupNow(child.pid);
  process.once('exit', killGroup);
  const tail = (lines = 60) => tailLog(logPath, lines);
  const portal: Portal = { testbed, dir, logPath, child, tail, killGroup };

  try {
    const deadline = Date.now() + (options.timeoutMs ?? 8 * 60_000);
    await waitForHttp(
      `${BACKEND_URL}/api/stores/health`,
      status => status === 200,
      deadline,
      child,
      tail,
    );
    await waitForHttp(
      APP_URL,
      (status, body) => status === 200 && body.includes('id="root"'),
      deadline,
      child,
      tail,
    );
  } catch (error) {
    await stopPortal(portal, { saveLogAs: 'failure-portal.log' });
    throw error;
  }
  return portal;
}

/**
 * Ends the portal's whole process group (TERM, then KILL after 15 s) and removes its temp dir,
 * after copying its log into this package when `saveLogAs` names a file.
 */
export async function stopPortal(
  portal: Portal | undefined,
  options: { saveLogAs?: string } = {},
): Promise<void> {
  if (!portal) return;
  await endGroup(portal.child.pid);
  process.off('exit', portal.killGroup);
  releasePortalLock();
  if (options.saveLogAs && fs.existsSync(portal.logPath)) {
    fs.copyFileSync(portal.logPath, path.join(packageDir, options.saveLogAs));
  }
  fs.rmSync(portal.dir, { recursive: true, force: true });
}
