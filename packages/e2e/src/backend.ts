/*
 * The portal's real backend (packages/backend, `yarn workspace backend start`) against the
 * local test bed, for tests that drive it over HTTP the way the app does: on a free port
 * (never 7007), with its own SQLite files in a temp dir so that it can be killed and started
 * again on the same data, as a child process group that `kill` ends at once, like a crash.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { freePort, kubectl } from '@internal/testbed';
import { repoRoot, writeTestbedConfig } from './portal';
import { endGroup, groupAlive, signalGroup, tailLog } from './processGroup';

/** One event of a scaffolder task, as `/v2/tasks/:id/eventstream` sends it. */
export interface TaskEvent {
  id: number;
  taskId: string;
  type: 'log' | 'completion' | 'cancelled' | 'recovered' | string;
  createdAt: string;
  body: {
    message?: string;
    stepId?: string;
    status?: string;
    output?: {
      links?: Array<{
        title?: string;
        icon?: string;
        url?: string;
        entityRef?: string;
      }>;
      [key: string]: unknown;
    };
    error?: { name: string; message: string };
    recoverStrategy?: string;
    [key: string]: unknown;
  };
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  text: string;
}

/** The yarn release committed in .yarn/releases, run with this Node: no yarn on PATH needed. */
function yarnRelease(): string {
  const dir = path.join(repoRoot, '.yarn', 'releases');
  const release = fs.readdirSync(dir).find(f => /^yarn-.*\.cjs$/.test(f));
  if (!release) throw new Error(`No yarn release in ${dir}`);
  return path.join(dir, release);
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** What the guest provider's refresh route gives the app on sign-in. */
export interface GuestIdentity {
  token: string;
  userEntityRef: string;
  ownershipEntityRefs: string[];
}

export class TestbedBackend {
  /** temp dir: the generated configs, the SQLite files and backend.log */
  readonly dir: string;
  readonly baseUrl: string;
  readonly logPath: string;
  private readonly configPaths: string[];
  /** The stores-only backend (packages/backend/src/storesOnly.ts) instead of the portal's. */
  private readonly storesOnly: boolean;
  private child?: ChildProcess;
  private starts = 0;

  private constructor(options: {
    dir: string;
    port: number;
    configPaths: string[];
    storesOnly: boolean;
  }) {
    this.dir = options.dir;
    this.storesOnly = options.storesOnly;
    this.baseUrl = `http://localhost:${options.port}`;
    this.logPath = path.join(options.dir, 'backend.log');
    this.configPaths = options.configPaths;
  }

  /**
   * Writes the config into a new temp dir: what `scripts/testbed-app-config` prints (the
   * test bed as the Kubernetes plugin's and the stores backend's cluster), then this
   * backend's own port and SQLite directory, and `extraConfig` on top.
   */
  static async create(
    options: {
      extraConfig?: (backend: { dir: string }) => object;
      /** Another test bed than the default one: its STORES_TESTBED_STATE_DIR. */
      testbedStateDir?: string;
      /**
       * Start only the stores plugin (with guest sign-in and no permission policy: every
       * signed-in user may do everything), which is up in seconds instead of a minute.
       */
      storesOnly?: boolean;
    } = {},
  ): Promise<TestbedBackend> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stores-template-'));
    const port = await freePort();

    const testbedConfig = await writeTestbedConfig(
      dir,
      options.testbedStateDir,
    );

    const sqliteDir = path.join(dir, 'sqlite');
    fs.mkdirSync(sqliteDir);
    const baseUrl = `http://localhost:${port}`;
    const ownConfig = {
      backend: {
        baseUrl,
        listen: { port },
        cors: { origin: baseUrl },
        // fresh SQLite files that outlive a restart of the backend
        database: { connection: { directory: sqliteDir } },
      },
    };
    const ownConfigPath = path.join(dir, 'app-config.test.yaml');
    // JSON is YAML; the config loader reads it as such.
    fs.writeFileSync(ownConfigPath, `${JSON.stringify(ownConfig, null, 2)}\n`);
    const configPaths = [
      path.join(repoRoot, 'app-config.yaml'),
      testbedConfig,
      ownConfigPath,
    ];
    if (options.storesOnly) {
      const storesOnlyPath = path.join(dir, 'app-config.stores-only.yaml');
      fs.writeFileSync(
        storesOnlyPath,
        `${JSON.stringify(
          {
            auth: {
              providers: {
                guest: { dangerouslyAllowOutsideDevelopment: true },
              },
            },
            permission: { enabled: false },
          },
          null,
          2,
        )}\n`,
      );
      configPaths.push(storesOnlyPath);
    }
    if (options.extraConfig) {
      const extraPath = path.join(dir, 'app-config.extra.yaml');
      fs.writeFileSync(
        extraPath,
        `${JSON.stringify(options.extraConfig({ dir }), null, 2)}\n`,
      );
      configPaths.push(extraPath);
    }
    return new TestbedBackend({
      dir,
      port,
      configPaths,
      storesOnly: Boolean(options.storesOnly),
    });
  }

  get running(): boolean {
    const pid = this.child?.pid;
    return Boolean(pid && groupAlive(pid));
  }

  /** The last lines the backend printed, for error messages. */
  tail(lines = 80): string {
    return tailLog(this.logPath, lines);
  }

  /** Starts the backend and waits until the stores backend answers its health route. */
  async start(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.running) throw new Error('The backend is already running');
    this.starts += 1;
    const log = fs.openSync(this.logPath, 'a');
    fs.writeSync(log, `\n===== start ${this.starts} =====\n`);
    const env: NodeJS.ProcessEnv = { ...process.env };
    // jest sets NODE_ENV=test; the backend would then refuse guest sign-in
    delete env.NODE_ENV;
    delete env.JEST_WORKER_ID;
    const configArgs = this.configPaths.flatMap(c => ['--config', c]);
    const command = this.storesOnly
      ? [
          '--require',
          '@backstage/cli/config/nodeTransform.cjs',
          path.join(repoRoot, 'packages', 'backend', 'src', 'storesOnly.ts'),
          ...configArgs,
        ]
      : [yarnRelease(), 'workspace', 'backend', 'start', ...configArgs];
    const child = spawn(process.execPath, command, {
      // where the portal's backend runs: app-config.yaml's chart paths are relative to it
      cwd: this.storesOnly
        ? path.join(repoRoot, 'packages', 'backend')
        : repoRoot,
      env,
      // its own process group, so kill and stop end yarn, backstage-cli, the backend and helm
      detached: true,
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    this.child = child;

    const deadline = Date.now() + (options.timeoutMs ?? 8 * 60_000);
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `The backend exited (${
            child.exitCode ?? child.signalCode
          }) before it answered. Its last output:\n${this.tail()}`,
        );
      }
      try {
        const res = await fetch(`${this.baseUrl}/api/stores/health`, {
          signal: AbortSignal.timeout(10_000),
        });
        if (res.status === 200) return;
        last = `HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`;
      } catch (error) {
        last = String(error);
      }
      await sleep(this.storesOnly ? 300 : 2000);
    }
    await this.stop();
    throw new Error(
      `The backend did not answer in time (last: ${last}). Its last output:\n${this.tail()}`,
    );
  }

  /** SIGKILL to the whole process group, as a crash would end it; resolves once it is gone. */
  async kill(): Promise<void> {
    await signalGroup(this.child?.pid, 'SIGKILL', 30_000);
  }

  /** TERM, then KILL after 15 s. */
  async stop(): Promise<void> {
    await endGroup(this.child?.pid);
  }

  /** Removes the temp dir; the backend must be stopped. */
  remove() {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Signs in with the guest provider, as the app does: a user token and who it is. */
  async guestSignIn(): Promise<GuestIdentity> {
    const res = await fetch(`${this.baseUrl}/api/auth/guest/refresh`, {
      headers: { 'X-Requested-With': 'XMLHttpRequest' },
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (res.status !== 200) {
      throw new Error(`Guest sign-in answered ${res.status}: ${text}`);
    }
    const { token, identity } = JSON.parse(text).backstageIdentity ?? {};
    if (!token) throw new Error(`Guest sign-in gave no token: ${text}`);
    return {
      token,
      userEntityRef: identity?.userEntityRef,
      ownershipEntityRefs: identity?.ownershipEntityRefs ?? [],
    };
  }

  /** Calls the backend's REST API with a user token; resolves any HTTP status. */
  async api<T = any>(
    method: string,
    route: string,
    options: { token: string; body?: unknown },
  ): Promise<ApiResponse<T>> {
    const res = await fetch(`${this.baseUrl}${route}`, {
      method,
      headers: {
        Authorization: `Bearer ${options.token}`,
        ...(options.body !== undefined
          ? { 'Content-Type': 'application/json' }
          : {}),
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : null,
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let body: any = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    return { status: res.status, body, text };
  }

  /** Polls until `check` resolves a value other than undefined. */
  async waitFor<T>(
    what: string,
    check: () => Promise<T | undefined>,
    options: { timeoutMs: number; intervalMs?: number },
  ): Promise<T> {
    const deadline = Date.now() + options.timeoutMs;
    let last = '';
    for (;;) {
      try {
        const value = await check();
        if (value !== undefined) return value;
      } catch (error) {
        last = ` (last error: ${error})`;
      }
      if (Date.now() > deadline) {
        throw new Error(`Timed out waiting for ${what}${last}`);
      }
      await sleep(options.intervalMs ?? 2000);
    }
  }

  /** Waits until the namespace no longer exists in the test bed's cluster. */
  async waitForNamespaceGone(namespace: string, timeoutMs = 4 * 60_000) {
    await this.waitFor(
      `namespace ${namespace} gone`,
      async () => {
        const out = await kubectl([
          'get',
          'namespace',
          namespace,
          '--ignore-not-found',
          '-o',
          'name',
        ]);
        return out.trim() === '' ? true : undefined;
      },
      { timeoutMs, intervalMs: 1000 },
    );
  }

  /**
   * Reads `GET /api/scaffolder/v2/tasks/:id/eventstream` (server-sent events, from after the
   * event id `after`) and hands each event to `onEvent`, until the `completion` event, until
   * `onEvent` returns 'stop', or until the connection ends (the backend went away).
   */
  async readTaskEvents(options: {
    token: string;
    taskId: string;
    after?: number;
    timeoutMs: number;
    onEvent: (event: TaskEvent) => void | 'stop';
  }): Promise<{ outcome: 'completion' | 'stopped' | 'disconnected' }> {
    const query = options.after !== undefined ? `?after=${options.after}` : '';
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, options.timeoutMs);
    const timeoutError = () =>
      new Error(
        `No completion of task ${options.taskId} within ${
          options.timeoutMs / 1000
        }s`,
      );
    try {
      let res: Response;
      try {
        res = await fetch(
          `${this.baseUrl}/api/scaffolder/v2/tasks/${options.taskId}/eventstream${query}`,
          {
            headers: {
              Authorization: `Bearer ${options.token}`,
              Accept: 'text/event-stream',
            },
            signal: controller.signal,
          },
        );
      } catch (error) {
        if (timedOut) throw timeoutError();
        return { outcome: 'disconnected' }; // the backend is not there
      }
      if (res.status !== 200 || !res.body) {
        throw new Error(
          `The event stream answered ${res.status}: ${await res.text()}`,
        );
      }
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          if (timedOut) throw timeoutError();
          return { outcome: 'disconnected' }; // the backend went away
        }
        if (chunk.done) return { outcome: 'disconnected' };
        buffer += decoder.decode(chunk.value, { stream: true });
        for (
          let end = buffer.indexOf('\n\n');
          end >= 0;
          end = buffer.indexOf('\n\n')
        ) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block
            .split('\n')
            .filter(line => line.startsWith('data:'))
            .map(line => line.slice('data:'.length).trimStart())
            .join('\n');
          if (!data) continue;
          const event = JSON.parse(data) as TaskEvent;
          const verdict = options.onEvent(event);
          if (event.type === 'completion') {
            controller.abort();
            return { outcome: 'completion' };
          }
          if (verdict === 'stop') {
            controller.abort();
            return { outcome: 'stopped' };
          }
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Writes a helm wrapper into `dir` that holds the first `helm upgrade --install` of release
 * `release` for `seconds` before running the real helm, and returns its path. With it a test
 * knows the store is still provisioning (so stores:wait still waiting) for that long.
 */
export function writeSlowHelm(options: {
  dir: string;
  helm: string;
  release: string;
  seconds: number;
}): string {
  const quote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
  const wrapper = path.join(options.dir, 'slow-helm');
  const marker = path.join(options.dir, 'slow-helm.done');
  fs.writeFileSync(
    wrapper,
    [
      '#!/bin/sh',
      `# holds the first install of release ${options.release}, then runs the real helm`,
      'if [ "$1" = upgrade ] || [ "$1" = install ]; then',
      '  for arg in "$@"; do',
      `    if [ "$arg" = ${quote(options.release)} ] && [ ! -e ${quote(
        marker,
      )} ]; then`,
      `      : > ${quote(marker)}`,
      `      sleep ${options.seconds}`,
      '    fi',
      '  done',
      'fi',
      `exec ${quote(options.helm)} "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return wrapper;
}

/** Text without terminal colours (the actions' logger colours the level of each line). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

/** A task's log as the scaffolder's task page shows it: one line per log event, no colours. */
export function formatTaskLog(events: TaskEvent[]): string {
  return events
    .map(e => {
      const time = e.createdAt?.replace(/^.*T/, '').replace(/Z$/, '');
      const step = e.body.stepId ? `[${e.body.stepId}] ` : '';
      if (e.type === 'log')
        return `${time} ${step}${stripAnsi(e.body.message ?? '')}`;
      if (e.type === 'recovered') {
        return `${time} (recovered, strategy ${e.body.recoverStrategy})`;
      }
      if (e.type === 'completion') {
        const error = e.body.error ? ` (${e.body.error.message})` : '';
        return `${time} (completion) ${e.body.message}${stripAnsi(error)}`;
      }
      return `${time} (${e.type}) ${JSON.stringify(e.body)}`;
    })
    .join('\n');
}
