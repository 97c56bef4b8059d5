/*
 * The newcomer's path: a clean clone, one command (`scripts/start`), then a store that becomes
 * ready on the local test bed through the portal's REST API. Then TERM to scripts/start stops
 * the portal and the test bed it started.
 *
 * By default the test bed's binary cache is the usual one (warm in CI, as scripts/test builds
 * it first), so the run takes a few minutes, most of it `yarn install` in the clone.
 * STORES_FIRST_RUN_COLD=1 empties it instead (a temp STORES_CACHE_DIR and GOCACHE): the cold
 * path, 15 minutes or more on 2 cores; run that by hand.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, runOk } from './index';

const cold = process.env.STORES_FIRST_RUN_COLD === '1';
// eslint-disable-next-line no-restricted-syntax
const repo = path.resolve(__dirname, '..', '..', '..');

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

async function until<T>(
  what: string,
  timeoutMs: number,
  fn: () => Promise<T | undefined>,
  log: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}; scripts/start said:\n${log()}`,
      );
    }
    await sleep(2000);
  }
}

describe('scripts/start on a clean clone', () => {
  let dir: string;
  let start: ChildProcess | undefined;
  let output = '';
  const tail = () => output.split('\n').slice(-60).join('\n');

  afterAll(async () => {
    // whatever happened, nothing of the run stays: its process group, then the clone
    if (start?.pid && start.exitCode === null) {
      try {
        process.kill(-start.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await sleep(20_000);
    }
    if (
      dir &&
      fs.existsSync(path.join(dir, 'clone', '.testbed', 'testbed.json'))
    ) {
      await runOk('bash', [
        path.join(dir, 'clone', 'packages/testbed/scripts/stop.sh'),
      ]);
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it(
    'ends with a portal that creates a store which becomes ready, and stops what it started, twice',
    async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stores-first-run-'));
      const clone = path.join(dir, 'clone');
      await runOk('git', ['clone', '--quiet', repo, clone]);
      // ports of its own, so it cannot meet a developer's portal or the browser tests
      const [app, backend] = [await freePort(), await freePort()];
      fs.writeFileSync(
        path.join(clone, 'app-config.local.yaml'),
        [
          `app: { baseUrl: 'http://localhost:${app}' }`,
          `backend:`,
          `  baseUrl: 'http://localhost:${backend}'`,
          `  listen: { port: ${backend} }`,
          `  cors: { origin: 'http://localhost:${app}' }`,
          '',
        ].join('\n'),
      );
      const env: NodeJS.ProcessEnv = { ...process.env };
      // the clone's own test bed state (.testbed in the clone), not the developer's
      delete env.STORES_TESTBED_STATE_DIR;
      delete env.KUBECONFIG;
      // jest's test environment would refuse guest sign-in in the backend
      delete env.NODE_ENV;
      if (cold) {
        env.STORES_CACHE_DIR = path.join(dir, 'cache');
        env.GOCACHE = path.join(dir, 'gocache');
      }

      /**
       * One scripts/start: the backend comes up, a store becomes ready, and TERM stops
       * the portal and the test bed it started. Resolves the seconds to each.
       */
      const firstStore = async (label: string, budgetMs: number) => {
        const t0 = Date.now();
        const seconds = () => Math.round((Date.now() - t0) / 1000);
        output = '';
        start = spawn('bash', [path.join(clone, 'scripts/start')], {
          cwd: clone,
          env,
          detached: true, // its own process group, for the clean-up above
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const collect = (d: Buffer) => {
          output += d;
          if (process.env.STORES_TESTBED_VERBOSE === '1') {
            process.stderr.write(d);
          }
        };
        start.stdout!.on('data', collect);
        start.stderr!.on('data', collect);
        const running = start;
        const exited = new Promise<number | null>(resolve =>
          running.on('exit', code => resolve(code)),
        );

        const base = `http://localhost:${backend}/api`;
        await until(
          'the backend',
          budgetMs,
          async () =>
            (await fetch(`${base}/stores/health`)).ok ? true : undefined,
          tail,
        );
        const backendUp = seconds();

        const { backstageIdentity } = await until(
          'guest sign-in',
          60_000,
          async () => {
            const res = await fetch(`${base}/auth/guest/refresh`, {
              headers: { 'X-Requested-With': 'XMLHttpRequest' },
            });
            return res.ok ? res.json() : undefined;
          },
          tail,
        );
        const headers = {
          Authorization: `Bearer ${backstageIdentity.token}`,
          'Content-Type': 'application/json',
        };

        const clusters = await (
          await fetch(`${base}/stores/clusters`, { headers })
        ).json();
        expect(clusters.items).toEqual([
          expect.objectContaining({ name: 'testbed', reachable: true }),
        ]);

        const name = `${label}-${Date.now().toString(36)}`;
        const created = await fetch(`${base}/stores/stores`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ name, engine: 'woocommerce' }),
        });
        expect({ status: created.status, body: await created.json() }).toEqual({
          status: 201,
          body: expect.objectContaining({ name, cluster: 'testbed' }),
        });

        const store = await until(
          `the store ${name} to become ready`,
          10 * 60_000,
          async () => {
            const s = await (
              await fetch(`${base}/stores/stores/${name}`, { headers })
            ).json();
            return ['ready', 'failed'].includes(s.status) ? s : undefined;
          },
          tail,
        );
        // on failure this prints the store, its statusReason included
        expect(store).toMatchObject({ status: 'ready' });
        const storeReady = seconds();

        // TERM stops the portal and the test bed scripts/start started
        process.kill(running.pid!, 'SIGTERM');
        const code = await Promise.race([
          exited,
          sleep(60_000).then(() => 'hung'),
        ]);
        expect(code).not.toBe('hung');
        expect(
          fs.existsSync(path.join(clone, '.testbed', 'testbed.json')),
        ).toBe(false);
        await expect(fetch(`${base}/stores/health`)).rejects.toThrow();
        expect(tail()).toContain('Stopping the test bed this script started');
        return { backendUp, storeReady };
      };

      // the figures for the notes: the first command on a clean clone, then the next
      // start in the same clone (dependencies installed, binaries cached)
      const first = await firstStore('first', cold ? 60 * 60_000 : 20 * 60_000);
      const again = await firstStore('again', 5 * 60_000);
      process.stderr.write(
        `scripts/start on a clean clone (${
          cold ? 'cold' : 'warm'
        } cache): backend up after ${first.backendUp} s, store ready after ${
          first.storeReady
        } s; started again: backend up after ${
          again.backendUp
        } s, store ready after ${again.storeReady} s\n`,
      );
    },
    90 * 60_000,
  );
});
