/*
 * What the fault trials share: a stores-only backend on the test bed that a trial can
 * kill and start again, the store API as its guest user, and the checks every trial ends
 * with (orphans, duplicates) against the cluster and helm themselves.
 */
import { ensureTestbed, kubectl, runOk, Testbed } from '@internal/testbed';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestbedBackend } from '../backend';
import { repoRoot } from '../portal';

export const FAULT_ANNOTATION = 'testbed.stores.backstage.io/fault';
const chart = (name: string) => path.join(repoRoot, 'charts', name);

/** One line of the table the trials print. */
export interface TrialRow {
  trial: string;
  runs: number;
  converged: number;
  orphans: number;
  duplicates: number;
  note: string;
}

export function formatTable(rows: TrialRow[]): string {
  const header = [
    'trial',
    'runs',
    'converged',
    'orphans',
    'duplicates',
    'note',
  ];
  const cells = rows.map(r => [
    r.trial,
    String(r.runs),
    String(r.converged),
    String(r.orphans),
    String(r.duplicates),
    r.note,
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...cells.map(c => c[i].length)),
  );
  const line = (c: string[]) =>
    `| ${c.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  return [
    line(header),
    line(widths.map(w => '-'.repeat(w))),
    ...cells.map(line),
  ].join('\n');
}

export interface TrialStore {
  name: string;
  status: string;
  statusReason?: string;
  id: string;
}

/**
 * A stores-only backend for trials: short leases and passes so that work resumes within
 * seconds of a restart, every helm upgrade held `helmDelaySeconds` (a window to kill it
 * in) and the engines' main pods ready 4 s late (the test bed's slow-ready fault).
 */
export async function trialBackend(options: {
  testbed: Testbed;
  helmDelaySeconds?: number;
  database?: object;
  testbedStateDir?: string;
  extraStoresConfig?: object;
}): Promise<TestbedBackend> {
  return TestbedBackend.create({
    storesOnly: true,
    testbedStateDir: options.testbedStateDir,
    extraConfig: ({ dir }) => {
      const helm = path.join(dir, 'slow-helm');
      fs.writeFileSync(
        helm,
        [
          '#!/bin/sh',
          `if [ "$1" = upgrade ]; then sleep ${
            options.helmDelaySeconds ?? 0
          }; fi`,
          `exec '${options.testbed.helm.v4}' "$@"`,
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
      const slow = (component: string) => {
        const file = path.join(dir, `slow-${component}.json`);
        fs.writeFileSync(
          file,
          JSON.stringify({
            [component]: {
              podAnnotations: { [FAULT_ANNOTATION]: 'slow-ready' },
            },
          }),
        );
        return file;
      };
      return {
        ...(options.database
          ? { backend: { database: options.database } }
          : {}),
        stores: {
          helm: { binary: helm },
          engines: {
            woocommerce: {
              chart: chart('woocommerce-store'),
              valuesFiles: [
                chart('woocommerce-store/values-local.yaml'),
                slow('wordpress'),
              ],
            },
            medusa: {
              chart: chart('medusa-store'),
              valuesFiles: [
                chart('medusa-store/values-local.yaml'),
                slow('medusa'),
              ],
            },
          },
          provisioning: { concurrency: 8, timeout: { minutes: 5 } },
          reconciler: {
            frequency: { seconds: 2 },
            leaseDuration: { seconds: 4 },
          },
          limits: { maxStoresPerUser: 60, maxCreatesPerWindow: 500 },
          ...options.extraStoresConfig,
        },
      };
    },
  });
}

/** The store API of one backend as its guest user. */
export class StoresCaller {
  private token = '';

  constructor(readonly backend: TestbedBackend) {}

  async signIn(): Promise<this> {
    this.token = (await this.backend.guestSignIn()).token;
    return this;
  }

  create(name: string, engine: string, idempotencyKey?: string) {
    return this.call(
      'POST',
      '/api/stores/stores',
      { name, engine },
      idempotencyKey,
    );
  }

  async get(name: string): Promise<TrialStore | undefined> {
    const res = await this.call('GET', `/api/stores/stores/${name}`);
    return res.status === 200 ? res.body : undefined;
  }

  async eventTypes(name: string): Promise<string[]> {
    const res = await this.call('GET', `/api/stores/stores/${name}/events`);
    return res.status === 200 ? res.body.items.map((e: any) => e.type) : [];
  }

  delete(name: string) {
    return this.call('DELETE', `/api/stores/stores/${name}`);
  }

  /** Waits until every store has one of `statuses`; returns them. */
  async waitAll(
    names: string[],
    statuses: string[],
    timeoutMs = 180_000,
  ): Promise<TrialStore[]> {
    return this.backend.waitFor(
      `${names.join(', ')} to be ${statuses.join('|')}`,
      async () => {
        const stores = await Promise.all(names.map(n => this.get(n)));
        return stores.every(s => s && statuses.includes(s.status))
          ? (stores as TrialStore[])
          : undefined;
      },
      { timeoutMs, intervalMs: 500 },
    );
  }

  private async call(
    method: string,
    route: string,
    body?: unknown,
    idempotencyKey?: string,
  ) {
    const res = await fetch(`${this.backend.baseUrl}${route}`, {
      method,
      headers: {
        Authorization: `Bearer ${this.token}`,
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : null,
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed };
  }
}

/** Namespaces of stores whose names start with `prefix`. */
export async function storeNamespaces(
  prefix: string,
  kubeconfig?: string,
): Promise<string[]> {
  const out = await kubectl(
    [
      'get',
      'namespaces',
      '-l',
      'app.kubernetes.io/managed-by=backstage-stores',
      '-o',
      'jsonpath={.items[*].metadata.name}',
    ],
    { kubeconfig },
  );
  return out.split(/\s+/).filter(n => n.startsWith(`store-${prefix}`));
}

/** Helm releases (any status) in store namespaces of stores whose names start with `prefix`. */
export async function storeReleases(
  testbed: Testbed,
  prefix: string,
  kubeconfig = testbed.kubeconfigPath,
): Promise<
  Array<{ name: string; namespace: string; status: string; revision: string }>
> {
  const out = await runOk(testbed.helm.v4, [
    'list',
    '--all-namespaces',
    // every status (Helm 4 has no --all)
    '--deployed',
    '--failed',
    '--pending',
    '--superseded',
    '--uninstalling',
    '-o',
    'json',
    '--kubeconfig',
    kubeconfig,
  ]);
  return (JSON.parse(out) as any[]).filter(r =>
    String(r.namespace).startsWith(`store-${prefix}`),
  );
}

/**
 * What a trial leaves behind after every store it made was deleted: namespaces and
 * releases of its stores that still exist are orphans.
 */
export async function leftovers(
  testbed: Testbed,
  prefix: string,
  kubeconfig?: string,
): Promise<number> {
  const [namespaces, releases] = await Promise.all([
    storeNamespaces(prefix, kubeconfig),
    storeReleases(testbed, prefix, kubeconfig),
  ]);
  return namespaces.length + releases.length;
}

export { ensureTestbed };

/** A throwaway PostgreSQL of the trial's own (scripts/postgres.sh), which it may stop. */
export async function startPostgres() {
  const script = path.join(repoRoot, 'scripts', 'postgres.sh');
  const out = await runOk('bash', [script, 'start']);
  const vars = Object.fromEntries(
    [...out.matchAll(/^export (\w+)=(.*)$/gm)].map(m => [m[1], m[2]]),
  );
  const dir = vars.STORES_TEST_POSTGRES_DIR;
  const connection = Object.entries(vars).find(([k]) =>
    /^BACKSTAGE_TEST_DATABASE_POSTGRES\d+_CONNECTION_STRING$/.test(k),
  )?.[1];
  if (!dir || !connection) throw new Error(`postgres.sh printed:\n${out}`);
  return {
    /** backend.database for the app-config */
    database: { client: 'pg', connection },
    pause: () => runOk('bash', [script, 'pause', dir]),
    resume: () => runOk('bash', [script, 'resume', dir]),
    stop: () => runOk('bash', [script, 'stop', dir]),
  };
}

/** A second test bed (its own state dir, ports and processes), for trials that break it. */
export async function startSecondTestbed() {
  const stateDir = fs.mkdtempSync(
    path.join(os.tmpdir(), 'stores-trial-testbed-'),
  );
  const scripts = path.join(repoRoot, 'packages', 'testbed', 'scripts');
  const env = { STORES_TESTBED_STATE_DIR: stateDir };
  await runOk('bash', [path.join(scripts, 'start.sh')], {
    env,
    timeoutMs: 300_000,
  });
  const state = JSON.parse(
    fs.readFileSync(path.join(stateDir, 'testbed.json'), 'utf8'),
  );
  const apiserverPid: number = state.pids['kube-apiserver'];
  return {
    stateDir,
    kubeconfig: state.kubeconfig as string,
    /** SIGSTOP: the API server accepts connections and answers nothing, like a hung one. */
    freezeApiserver: () => process.kill(apiserverPid, 'SIGSTOP'),
    thawApiserver: () => process.kill(apiserverPid, 'SIGCONT'),
    stop: async () => {
      await runOk('bash', [path.join(scripts, 'stop.sh')], { env });
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
