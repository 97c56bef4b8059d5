/*
 * Integration tests of the test bed itself, on the real control plane (no mocks): each one
 * fails if the piece of the cluster it needs is missing or broken.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  ensureTestbed,
  kubectl,
  restrictedKubeconfig,
  run,
  runOk,
  testNamespacePrefix,
  Testbed,
} from './index';

const prefix = testNamespacePrefix(__filename);
const chartDir = path.join(__dirname, '__fixtures__', 'tiny-chart');
const namespaces: string[] = [];
let tb: Testbed;

async function createNamespace(suffix: string): Promise<string> {
  const name = `${prefix}-${suffix}`;
  await kubectl(['create', 'namespace', name]);
  namespaces.push(name);
  return name;
}

/** retries fn until it resolves (returning its value) or the time is up (rethrowing its error) */
async function eventually<T>(
  fn: () => Promise<T>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise(r => setTimeout(r, 500));
    }
  }
}

const json = async (args: string[]) =>
  JSON.parse(await kubectl([...args, '-o', 'json']));

beforeAll(async () => {
  tb = await ensureTestbed();
}, 45 * 60_000); // a cold build of the binaries, if they are missing, runs first

afterAll(async () => {
  // do not wait: namespace deletion is tested on its own below
  for (const ns of namespaces) {
    await kubectl([
      'delete',
      'namespace',
      ns,
      '--wait=false',
      '--ignore-not-found',
    ]).catch(() => undefined);
  }
}, 60_000);

describe('local Kubernetes test bed', () => {
  it('serves the real Kubernetes version to kubectl, with a matching client', async () => {
    const v = JSON.parse(await kubectl(['version', '-o', 'json']));
    expect(v.serverVersion.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
    expect(v.clientVersion.gitVersion).toBe(v.serverVersion.gitVersion);
    expect(v.serverVersion.minor).toBe(
      v.serverVersion.gitVersion.split('.')[1],
    );
  }, 60_000);

  it('gives a new namespace its default ServiceAccount', async () => {
    const ns = await createNamespace('sa');
    const sa = await eventually(
      () => json(['-n', ns, 'get', 'serviceaccount', 'default']),
      60_000,
    );
    expect(sa.metadata.namespace).toBe(ns);
  }, 90_000);

  it('brings a Deployment and a StatefulSet with a volume claim to ready', async () => {
    const ns = await createNamespace('workloads');
    const labels = (app: string) => ({ matchLabels: { app } });
    const podTemplate = (app: string) => ({
      metadata: { labels: { app } },
      spec: {
        containers: [
          {
            name: app,
            image: 'example/app:1',
            resources: { requests: { cpu: '100m', memory: '64Mi' } },
            volumeMounts:
              app === 'db' ? [{ name: 'data', mountPath: '/data' }] : [],
          },
        ],
      },
    });
    const manifests = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web', namespace: ns },
          spec: {
            replicas: 2,
            selector: labels('web'),
            template: podTemplate('web'),
          },
        },
        {
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          metadata: { name: 'db', namespace: ns },
          spec: {
            serviceName: 'db',
            replicas: 2,
            selector: labels('db'),
            template: podTemplate('db'),
            volumeClaimTemplates: [
              {
                metadata: { name: 'data' },
                spec: {
                  accessModes: ['ReadWriteOnce'],
                  resources: { requests: { storage: '1Gi' } },
                },
              },
            ],
          },
        },
      ],
    };
    await kubectl(['apply', '-f', '-'], { input: JSON.stringify(manifests) });
    await kubectl([
      '-n',
      ns,
      'rollout',
      'status',
      'deployment/web',
      '--timeout=120s',
    ]);
    await kubectl([
      '-n',
      ns,
      'rollout',
      'status',
      'statefulset/db',
      '--timeout=180s',
    ]);

    const deploy = await json(['-n', ns, 'get', 'deployment', 'web']);
    expect(deploy.status.readyReplicas).toBe(2);
    const sts = await json(['-n', ns, 'get', 'statefulset', 'db']);
    expect(sts.status.readyReplicas).toBe(2);

    const pvcs = await json(['-n', ns, 'get', 'pvc']);
    expect(
      pvcs.items.map((p: any) => [p.metadata.name, p.status.phase]).sort(),
    ).toEqual([
      ['data-db-0', 'Bound'],
      ['data-db-1', 'Bound'],
    ]);
    // the default storage class was applied and a volume is bound to each claim
    for (const pvc of pvcs.items) {
      expect(pvc.spec.storageClassName).toBe('standard');
      const pv = await json(['get', 'pv', pvc.spec.volumeName]);
      expect(pv.spec.claimRef.uid).toBe(pvc.metadata.uid);
    }
  }, 300_000);

  describe.each([
    ['Helm 3', 'v3' as const, /^v3\./],
    ['Helm 4', 'v4' as const, /^v4\./],
  ])('%s', (_name, major, versionPattern) => {
    const helm = async (args: string[]) => {
      // a private Helm home per run: never touch the user's Helm config, cache or repos
      const home = path.join(tb.runDir, `helm-${major}`);
      fs.mkdirSync(home, { recursive: true });
      return runOk(
        tb.helm[major],
        [...args, '--kubeconfig', tb.kubeconfigPath],
        {
          env: {
            HELM_CACHE_HOME: path.join(home, 'cache'),
            HELM_CONFIG_HOME: path.join(home, 'config'),
            HELM_DATA_HOME: path.join(home, 'data'),
            KUBECONFIG: tb.kubeconfigPath,
          },
        },
      );
    };
    const releases = async (ns: string) =>
      JSON.parse(await helm(['list', '-n', ns, '-o', 'json'])).map(
        (r: any) => ({
          name: r.name,
          revision: String(r.revision),
          status: r.status,
          chart: r.chart,
        }),
      );

    it('reports its own version', async () => {
      const out = await runOk(tb.helm[major], [
        'version',
        '--template',
        '{{ .Version }}',
      ]);
      expect(out.trim()).toMatch(versionPattern);
      expect(out).not.toMatch(/unreleased|dirty/);
    }, 60_000);

    it('installs, upgrades and uninstalls a chart, visible in helm list', async () => {
      const ns = await createNamespace(`helm${major}`);
      const server = JSON.parse(
        await kubectl(['version', '-o', 'json']),
      ).serverVersion;

      await helm([
        'upgrade',
        '--install',
        'tiny',
        chartDir,
        '-n',
        ns,
        '--wait',
        '--timeout',
        '2m',
      ]);
      expect(await releases(ns)).toEqual([
        {
          name: 'tiny',
          revision: '1',
          status: 'deployed',
          chart: 'tiny-0.1.0',
        },
      ]);
      const cm = await json(['-n', ns, 'get', 'configmap', 'tiny-config']);
      expect(cm.data.message).toBe('hello');
      // Helm saw the real server version (the chart's kubeVersion constraint needs it too)
      expect(cm.data.kubeVersion).toBe(server.gitVersion);

      await helm([
        'upgrade',
        '--install',
        'tiny',
        chartDir,
        '-n',
        ns,
        '--set',
        'replicaCount=2,message=bye',
        '--wait',
        '--timeout',
        '2m',
      ]);
      expect(await releases(ns)).toEqual([
        {
          name: 'tiny',
          revision: '2',
          status: 'deployed',
          chart: 'tiny-0.1.0',
        },
      ]);
      const deploy = await json(['-n', ns, 'get', 'deployment', 'tiny']);
      expect(deploy.spec.replicas).toBe(2);
      expect(deploy.status.readyReplicas).toBe(2);
      expect(
        (await json(['-n', ns, 'get', 'configmap', 'tiny-config'])).data
          .message,
      ).toBe('bye');

      await helm(['uninstall', 'tiny', '-n', ns, '--wait', '--timeout', '2m']);
      expect(await releases(ns)).toEqual([]);
      const left = await json([
        '-n',
        ns,
        'get',
        'deployment,configmap',
        '-l',
        'app.kubernetes.io/instance=tiny',
      ]);
      expect(left.items).toEqual([]);
    }, 300_000);
  });

  it('finishes deleting a namespace with objects in it', async () => {
    const ns = await createNamespace('delete');
    await kubectl(['-n', ns, 'create', 'configmap', 'c', '--from-literal=a=b']);
    await kubectl([
      '-n',
      ns,
      'create',
      'deployment',
      'd',
      '--image=example/d:1',
      '--replicas=1',
    ]);
    await kubectl([
      '-n',
      ns,
      'rollout',
      'status',
      'deployment/d',
      '--timeout=120s',
    ]);

    await kubectl(['delete', 'namespace', ns, '--timeout=120s'], {
      timeoutMs: 150_000,
    });
    const r = await run(tb.kubectl, [
      '--kubeconfig',
      tb.kubeconfigPath,
      'get',
      'namespace',
      ns,
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/NotFound|not found/);
  }, 200_000);

  it('refuses a restricted ServiceAccount what its Role does not grant', async () => {
    const ns = await createNamespace('rbac');
    const other = await createNamespace('rbac-other');
    await kubectl([
      '-n',
      ns,
      'create',
      'secret',
      'generic',
      's',
      '--from-literal=k=v',
    ]);
    const id = await restrictedKubeconfig({
      namespace: ns,
      name: 'reader',
      rules: [
        {
          apiGroups: [''],
          resources: ['pods'],
          verbs: ['get', 'list', 'watch'],
        },
      ],
    });
    const as = (args: string[]) =>
      run(tb.kubectl, ['--kubeconfig', id.kubeconfigPath, ...args]);

    const who = await as([
      'auth',
      'whoami',
      '-o',
      'jsonpath={.status.userInfo.username}',
    ]);
    expect(who.stdout).toBe(`system:serviceaccount:${ns}:reader`);

    // RBAC takes effect asynchronously in the authorizer cache: wait for the grant to work
    await eventually(async () => {
      const r = await as(['-n', ns, 'get', 'pods']);
      if (r.code !== 0) throw new Error(r.stderr);
    }, 30_000);

    for (const args of [
      ['-n', ns, 'get', 'secrets'],
      ['-n', ns, 'get', 'secret', 's'],
      ['-n', ns, 'create', 'configmap', 'x'],
      ['-n', other, 'get', 'pods'],
      ['create', 'namespace', `${prefix}-nope`],
      ['get', 'nodes'],
    ]) {
      const r = await as(args);
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
      expect(r.stderr).toMatch(/forbidden/i);
    }
  }, 120_000);
});
