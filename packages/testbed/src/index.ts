/*
 * Helpers for integration tests that need a real Kubernetes API (the local test bed of
 * packages/testbed: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok
 * fake nodes). Node built-ins only; the cluster is driven with the test bed's own kubectl.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** What a test needs to talk to the test bed. */
export interface Testbed {
  /** admin kubeconfig (system:masters) */
  kubeconfigPath: string;
  apiserverUrl: string;
  /** the kubectl built for the test bed (same version as the apiserver) */
  kubectl: string;
  helm: { v3: string; v4: string };
  /** temp dir of this test bed run; removed by stop */
  runDir: string;
  /**
   * The API server's audit log (JSON lines, Metadata level) of the stores backend's
   * identity only, for counting the requests it makes; absent on a test bed started
   * before start.sh wrote one.
   */
  auditLogPath?: string;
}

interface State {
  kubeconfig: string;
  apiserverUrl: string;
  runDir: string;
  auditLog?: string;
  binaries: { kubectl: string; helm3: string; helm4: string };
}

// this package is only ever run from source (jest), never bundled, so __dirname is src/
// eslint-disable-next-line no-restricted-syntax
const packageDir = path.resolve(__dirname, '..');
const scriptsDir = path.join(packageDir, 'scripts');

function repoRoot(): string {
  try {
    return execFileSync(
      'git',
      ['-C', packageDir, 'rev-parse', '--show-toplevel'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    ).trim();
  } catch {
    return path.resolve(packageDir, '..', '..');
  }
}

/** `<repo>/.testbed` (or STORES_TESTBED_STATE_DIR), where start.sh writes testbed.json */
export function stateDir(): string {
  return (
    process.env.STORES_TESTBED_STATE_DIR ?? path.join(repoRoot(), '.testbed')
  );
}

function readState(): State | undefined {
  try {
    return JSON.parse(
      fs.readFileSync(path.join(stateDir(), 'testbed.json'), 'utf8'),
    );
  } catch {
    return undefined;
  }
}

function toTestbed(s: State): Testbed {
  return {
    kubeconfigPath: s.kubeconfig,
    apiserverUrl: s.apiserverUrl,
    kubectl: s.binaries.kubectl,
    helm: { v3: s.binaries.helm3, v4: s.binaries.helm4 },
    runDir: s.runDir,
    auditLogPath: s.auditLog,
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program; resolves with its exit code and output (never rejects on a non-zero exit). */
export function run(
  file: string,
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      {
        env: { ...process.env, ...opts.env },
        maxBuffer: 64 * 1024 * 1024,
        timeout: opts.timeoutMs ?? 300_000,
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(
            new Error(
              `${path.basename(file)} ${args.join(' ')}: ${
                error.message
              }\n${stderr}`,
            ),
          );
          return;
        }
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
    // a program that exits before reading its input closes the pipe: that is its answer,
    // which the callback above reports, not an error of this call
    child.stdin?.on('error', () => {});
    child.stdin?.end(opts.input ?? '');
  });
}

/** Like run, but rejects with the command's stderr when it exits non-zero; resolves stdout. */
export async function runOk(
  file: string,
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<string> {
  const r = await run(file, args, opts);
  if (r.code !== 0) {
    throw new Error(
      `${path.basename(file)} ${args.join(' ')} exited ${r.code}:\n${
        r.stderr || r.stdout
      }`,
    );
  }
  return r.stdout;
}

function startScript(): Promise<void> {
  return new Promise((resolve, reject) => {
    // start.sh holds <repo>/.testbed/.lock (flock) while it starts, so parallel jest workers
    // queue behind the first one and then find the test bed running
    const child = spawn('bash', [path.join(scriptsDir, 'start.sh')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // quiet unless it fails; STORES_TESTBED_VERBOSE=1 streams it (e.g. to watch a cold build)
    const verbose = process.env.STORES_TESTBED_VERBOSE === '1';
    let out = '';
    const collect = (d: Buffer) => {
      out += d;
      if (verbose) process.stderr.write(d);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('exit', code =>
      code === 0
        ? resolve()
        : reject(new Error(`testbed start.sh exited ${code}:\n${out}`)),
    );
  });
}

let ensured: Promise<Testbed> | undefined;

/**
 * Starts the test bed unless it is already running and healthy, and returns how to reach it.
 * Runs start.sh once per process: it checks every recorded process and /readyz, and restarts
 * a broken test bed. Across processes (jest workers) its lock file makes one start the test
 * bed while the others wait and then find it running.
 * The test bed keeps running after the tests; `yarn workspace @internal/testbed stop` ends it.
 * Missing binaries are built first (build:bin), which takes a quarter of an hour or more when
 * cold: build them before running tests.
 */
export function ensureTestbed(): Promise<Testbed> {
  if (!ensured) {
    ensured = (async () => {
      await startScript();
      // start.sh builds only what starting needs; Helm 3 is for tests, so it builds here
      // (a few minutes once, then cached)
      if (!fs.existsSync(readState()?.binaries.helm3 ?? '')) {
        await runOk('bash', [path.join(scriptsDir, 'build.sh'), 'helm3'], {
          timeoutMs: 45 * 60_000,
        });
      }
      const s = readState();
      if (!s)
        throw new Error(
          `start.sh succeeded but wrote no ${stateDir()}/testbed.json`,
        );
      return toTestbed(s);
    })();
    ensured.catch(() => (ensured = undefined));
  }
  return ensured;
}

/** kubectl as the test bed admin (or with another kubeconfig). */
export async function kubectl(
  args: string[],
  opts: { input?: string; kubeconfig?: string; timeoutMs?: number } = {},
): Promise<string> {
  const tb = await ensureTestbed();
  return runOk(
    tb.kubectl,
    ['--kubeconfig', opts.kubeconfig ?? tb.kubeconfigPath, ...args],
    opts,
  );
}

const runId = randomBytes(3).toString('hex').slice(0, 4);

/**
 * A DNS-1123-label-safe prefix unique to a test file and test run, e.g.
 * `t-testbed-test-3f9a1c-0b7e`: at most 34 characters, so `${prefix}-${something}` of up to
 * 28 more characters is still a valid namespace name.
 */
export function testNamespacePrefix(testFilePath: string): string {
  const rel = path.relative(repoRoot(), path.resolve(testFilePath));
  const slug =
    path
      .basename(testFilePath)
      .replace(/\.[jt]sx?$/, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 20)
      .replace(/-+$/, '') || 'x';
  const hash = createHash('sha256').update(rel).digest('hex').slice(0, 6);
  return `t-${slug}-${hash}-${runId}`;
}

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

export interface RestrictedKubeconfigOptions {
  /** namespace of the ServiceAccount (created if missing) and of its Role/RoleBinding */
  namespace: string;
  /** ServiceAccount name; default `restricted` */
  name?: string;
  /** rules of a Role in `namespace` bound to the ServiceAccount */
  rules?: PolicyRule[];
  /** an existing ClusterRole to bind in `namespace` (RoleBinding) */
  clusterRole?: string;
  /** rules of a ClusterRole bound cluster-wide (ClusterRoleBinding) */
  clusterRules?: PolicyRule[];
  /** token lifetime; default 1h */
  duration?: string;
}

export interface RestrictedIdentity {
  kubeconfigPath: string;
  token: string;
  /** `system:serviceaccount:<namespace>:<name>` */
  username: string;
}

/**
 * Creates a ServiceAccount with exactly the given permissions, mints a token for it
 * (`kubectl create token`) and writes a kubeconfig for that identity into the run dir.
 */
export async function restrictedKubeconfig(
  opts: RestrictedKubeconfigOptions,
): Promise<RestrictedIdentity> {
  const ns = opts.namespace;
  const name = opts.name ?? 'restricted';
  const subject = [{ kind: 'ServiceAccount', name, namespace: ns }];
  const items: object[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name, namespace: ns },
    },
  ];
  const rbac = 'rbac.authorization.k8s.io/v1';
  if (opts.rules) {
    items.push(
      {
        apiVersion: rbac,
        kind: 'Role',
        metadata: { name, namespace: ns },
        rules: opts.rules,
      },
      {
        apiVersion: rbac,
        kind: 'RoleBinding',
        metadata: { name, namespace: ns },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: subject,
      },
    );
  }
  if (opts.clusterRole) {
    items.push({
      apiVersion: rbac,
      kind: 'RoleBinding',
      metadata: {
        name: `${name}-${opts.clusterRole}`.slice(0, 253),
        namespace: ns,
      },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: opts.clusterRole,
      },
      subjects: subject,
    });
  }
  if (opts.clusterRules) {
    const crName = `${ns}-${name}`;
    items.push(
      {
        apiVersion: rbac,
        kind: 'ClusterRole',
        metadata: { name: crName },
        rules: opts.clusterRules,
      },
      {
        apiVersion: rbac,
        kind: 'ClusterRoleBinding',
        metadata: { name: crName },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: crName,
        },
        subjects: subject,
      },
    );
  }
  await kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }),
  });
  const token = (
    await kubectl([
      '-n',
      ns,
      'create',
      'token',
      name,
      `--duration=${opts.duration ?? '1h'}`,
    ])
  ).trim();

  const kubeconfigPath = await tokenKubeconfig(`${ns}.${name}`, token, ns);
  return {
    kubeconfigPath,
    token,
    username: `system:serviceaccount:${ns}:${name}`,
  };
}

/** Writes a kubeconfig (into the run dir) for an identity that holds `token`. */
export async function tokenKubeconfig(
  id: string,
  token: string,
  namespace = 'default',
): Promise<string> {
  const tb = await ensureTestbed();
  const caFile = await kubectl([
    'config',
    'view',
    '-o',
    'jsonpath={.clusters[0].cluster.certificate-authority}',
  ]);
  const dir = path.join(tb.runDir, 'restricted');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const kubeconfigPath = path.join(dir, `${id}.kubeconfig`);
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'stores-testbed',
        cluster: { server: tb.apiserverUrl, 'certificate-authority': caFile },
      },
    ],
    users: [{ name: id, user: { token } }],
    contexts: [
      {
        name: 'restricted',
        context: { cluster: 'stores-testbed', user: id, namespace },
      },
    ],
    'current-context': 'restricted',
  };
  fs.writeFileSync(kubeconfigPath, JSON.stringify(kubeconfig, null, 2), {
    mode: 0o600,
  });
  return kubeconfigPath;
}

/** An identity of the portal on the test bed. */
export interface PortalIdentity {
  /** `system:serviceaccount:stores-portal:...` */
  username: string;
  token: string;
}

/** The portal's two identities as the stores-portal chart makes them. */
export interface PortalIdentities {
  url: string;
  /** base64 PEM of the API server's CA */
  caData: string;
  /** namespace of the portal's ServiceAccounts */
  namespace: string;
  /** the ClusterRole the stores backend binds to itself in each store namespace */
  storeNamespaceRole: string;
  /** the stores backend: store lifecycle only */
  stores: PortalIdentity;
  /** the Kubernetes plugin: read only, no Secrets */
  viewer: PortalIdentity;
}

let identities: Promise<PortalIdentities> | undefined;

/**
 * Applies the stores-portal chart's ServiceAccounts, RBAC and admission policy to the test
 * bed and mints a token of each identity (scripts/testbed-identities, which `scripts/start`
 * uses too). Once per process.
 */
export function portalIdentities(): Promise<PortalIdentities> {
  if (!identities) {
    identities = (async () => {
      await ensureTestbed();
      const out = await runOk(
        path.join(repoRoot(), 'scripts', 'testbed-identities'),
        ['2h'],
        { env: { STORES_TESTBED_STATE_DIR: stateDir() } },
      );
      return JSON.parse(out) as PortalIdentities;
    })();
    identities.catch(() => (identities = undefined));
  }
  return identities;
}

/**
 * `stores.clusters[0]` for a stores backend on the test bed that acts as the chart's
 * stores identity, as a portal deployed with the chart does.
 */
export async function storesClusterConfig(name = 'testbed') {
  const id = await portalIdentities();
  return {
    name,
    url: id.url,
    caData: id.caData,
    serviceAccountToken: id.stores.token,
    storeNamespaceRole: id.storeNamespaceRole,
  };
}

/** A TCP port that nothing listens on right now, for a server a test starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}
