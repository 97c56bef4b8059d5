/*
 * Install tests of the charts on the local test bed (packages/testbed: a real control plane with
 * kwok fake nodes that mark pods Ready without running containers, and a volume provisioner),
 * with Helm 3 and Helm 4:
 *  - each engine installs until every Deployment and StatefulSet is ready, its objects carry the
 *    store id, an upgrade keeps the generated secrets, and uninstall plus namespace deletion
 *    leaves nothing behind;
 *  - the portal's ServiceAccount can run that whole lifecycle and nothing outside store-*.
 * Installs do not use --wait: the test waits for the workloads itself, and no chart uses hook
 * Jobs, so nothing blocks on a Job that kwok may or may not complete.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  ensureTestbed,
  kubectl,
  run,
  runOk,
  testNamespacePrefix,
  Testbed,
} from '@internal/testbed';
import { ChartName, K8sObject, chartPath, parseManifests } from './lib/helm';
import { STORE_NAMESPACE_POD_SECURITY } from './lib/podSecurity';

const STORE_LABEL = 'stores.backstage.io/store';
const LABELLED_KINDS =
  'deployments,statefulsets,replicasets,pods,services,secrets,configmaps,persistentvolumeclaims,ingresses,networkpolicies,resourcequotas,limitranges,serviceaccounts,jobs';
const ENGINES = [
  ['woocommerce-store', 'wc'],
  ['medusa-store', 'md'],
] as const;

let tb: Testbed;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  tb = await ensureTestbed();
}, 15 * 60_000);

afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
}, 5 * 60_000);

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** retries fn until it resolves or the time is up (rethrowing its last error) */
async function eventually<T>(
  fn: () => Promise<T>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await sleep(1000);
    }
  }
}

const storeName = (short: string, helmMajor: number) =>
  `it-${short}-h${helmMajor}-${randomBytes(2).toString('hex')}`;

/** the Helm binary of the test bed for a major version */
const helmBin = (major: 3 | 4) => (major === 3 ? tb.helm.v3 : tb.helm.v4);

function helm(major: 3 | 4, args: string[], kubeconfig?: string) {
  return runOk(
    helmBin(major),
    [...args, '--kubeconfig', kubeconfig ?? tb.kubeconfigPath],
    {
      timeoutMs: 9 * 60_000,
    },
  );
}

const kc = (kubeconfig: string | undefined, args: string[]) =>
  kubectl(args, kubeconfig ? { kubeconfig } : {});

/** the values the stores backend passes */
function storeValues(
  engine: ChartName,
  store: string,
  plan = 'small',
): string[] {
  return [
    '-f',
    path.join(chartPath(engine), 'values-local.yaml'),
    '--set',
    `store.name=${store}`,
    '--set',
    `store.plan=${plan}`,
    '--set',
    'ingress.baseDomain=127.0.0.1.nip.io',
    '--set',
    'store.owner=group:default/team-a',
  ];
}

/** waits until every Deployment and StatefulSet in the namespace is rolled out and ready */
async function waitForWorkloads(
  ns: string,
  kubeconfig?: string,
  timeoutMs = 240_000,
) {
  let last = '';
  try {
    await eventually(async () => {
      const list = JSON.parse(
        await kc(kubeconfig, [
          '-n',
          ns,
          'get',
          'deployments,statefulsets',
          '-o',
          'json',
        ]),
      );
      const pending = (list.items as K8sObject[])
        .filter(o => {
          const want = o.spec.replicas ?? 1;
          const s = o.status ?? {};
          return !(
            (s.observedGeneration ?? 0) >= o.metadata.generation &&
            (s.readyReplicas ?? 0) === want &&
            (s.updatedReplicas ?? 0) === want &&
            (s.replicas ?? 0) === want
          );
        })
        .map(o => `${o.kind}/${o.metadata.name} ${JSON.stringify(o.status)}`);
      last = pending.join('\n');
      if (list.items.length === 0) throw new Error('no workloads yet');
      if (pending.length > 0) throw new Error(`not ready:\n${last}`);
    }, timeoutMs);
  } catch (e) {
    const pods = await kc(kubeconfig, [
      '-n',
      ns,
      'get',
      'pods,pvc',
      '-o',
      'wide',
    ]).catch(() => '');
    throw new Error(`${(e as Error).message}\n${pods}`);
  }
}

async function storeSecrets(ns: string, store: string, kubeconfig?: string) {
  const list = JSON.parse(
    await kc(kubeconfig, [
      '-n',
      ns,
      'get',
      'secrets',
      '-l',
      `${STORE_LABEL}=${store}`,
      '-o',
      'json',
    ]),
  );
  return Object.fromEntries(
    (list.items as K8sObject[]).map(s => [s.metadata.name, s.data]),
  ) as Record<string, Record<string, string>>;
}

const decodeAll = (secrets: Record<string, Record<string, string>>) =>
  Object.values(secrets).flatMap(d =>
    Object.entries(d)
      .filter(([k]) => /password|secret|key|salt/i.test(k))
      .map(([, v]) => Buffer.from(v, 'base64').toString('utf8')),
  );

/** a store namespace as the stores backend creates it: labelled, Pod Security "restricted" */
async function createStoreNamespace(ns: string, store: string) {
  await runOk(
    tb.kubectl,
    ['--kubeconfig', tb.kubeconfigPath, 'create', '-f', '-'],
    {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: ns,
          labels: { [STORE_LABEL]: store, ...STORE_NAMESPACE_POD_SECURITY },
        },
      }),
    },
  );
}

function deleteNamespaceLater(ns: string) {
  cleanup.push(() =>
    kubectl(['delete', 'namespace', ns, '--ignore-not-found', '--wait=false']),
  );
}

/** nothing with the store's label anywhere, no namespace, no volume left from its claims */
async function expectNothingLeft(store: string, ns: string) {
  await eventually(async () => {
    const r = await run(tb.kubectl, [
      '--kubeconfig',
      tb.kubeconfigPath,
      'get',
      'namespace',
      ns,
    ]);
    if (r.code === 0) throw new Error(`namespace ${ns} still exists`);
    if (!/NotFound/.test(r.stderr)) throw new Error(r.stderr);
  }, 240_000);
  const left = await kubectl([
    'get',
    LABELLED_KINDS,
    '-A',
    '-l',
    `${STORE_LABEL}=${store}`,
    '-o',
    'name',
  ]);
  expect(left.trim()).toBe('');
  await eventually(async () => {
    const pvs = JSON.parse(
      await kubectl(['get', 'persistentvolumes', '-o', 'json']),
    );
    const mine = (pvs.items as K8sObject[]).filter(
      pv => pv.spec.claimRef?.namespace === ns,
    );
    if (mine.length)
      throw new Error(`volumes left: ${mine.map(p => p.metadata.name)}`);
  }, 120_000);
}

describe.each([
  ['helm 3', 3],
  ['helm 4', 4],
] as const)('%s', (_label, major) => {
  describe.each(ENGINES)('%s', (engine, short) => {
    const store = storeName(short, major);
    const ns = `store-${store}`;
    let installOutput = '';
    let secretsAfterInstall: Record<string, Record<string, string>> = {};

    beforeAll(() => deleteNamespaceLater(ns));

    it(
      'installs until every Deployment and StatefulSet is ready, in a namespace that enforces Pod Security "restricted"',
      async () => {
        await createStoreNamespace(ns, store);
        const install = await run(
          helmBin(major),
          [
            'upgrade',
            '--install',
            store,
            chartPath(engine),
            '--namespace',
            ns,
            ...storeValues(engine, store),
            '--kubeconfig',
            tb.kubeconfigPath,
          ],
          { timeoutMs: 9 * 60_000 },
        );
        expect({ code: install.code, stderr: install.stderr }).toEqual({
          code: 0,
          stderr: expect.not.stringMatching(/PodSecurity/),
        });
        installOutput = install.stdout;
        await waitForWorkloads(ns);
        // every pod the workloads wanted was admitted: no FailedCreate from a controller
        const refused = JSON.parse(
          await kubectl([
            '-n',
            ns,
            'get',
            'events',
            '--field-selector',
            'reason=FailedCreate',
            '-o',
            'json',
          ]),
        ).items.map((e: K8sObject) => e.message);
        expect(refused).toEqual([]);
        // Jobs are not waited for above: their pods must exist too (admitted)
        await eventually(async () => {
          const jobs = JSON.parse(
            await kubectl(['-n', ns, 'get', 'jobs', '-o', 'json']),
          ).items as K8sObject[];
          const podless = jobs
            .filter(
              j =>
                (j.status?.active ?? 0) +
                  (j.status?.succeeded ?? 0) +
                  (j.status?.failed ?? 0) ===
                0,
            )
            .map(j => j.metadata.name);
          if (podless.length) throw new Error(`no pod for ${podless}`);
        }, 60_000);

        const pvcs = JSON.parse(
          await kubectl(['-n', ns, 'get', 'pvc', '-o', 'json']),
        );
        expect(pvcs.items.length).toBeGreaterThan(0);
        await eventually(async () => {
          const phases = JSON.parse(
            await kubectl(['-n', ns, 'get', 'pvc', '-o', 'json']),
          ).items.map((p: K8sObject) => p.status.phase);
          expect(phases.every((p: string) => p === 'Bound')).toBe(true);
        }, 60_000);

        // what the Backstage Kubernetes plugin looks up
        const pods = JSON.parse(
          await kubectl([
            '-n',
            ns,
            'get',
            'pods',
            '-l',
            `backstage.io/kubernetes-id=${store}`,
            '-o',
            'json',
          ]),
        );
        expect(pods.items.length).toBeGreaterThanOrEqual(2);
        for (const p of pods.items) {
          expect(p.spec.automountServiceAccountToken).toBe(false);
          expect(
            (p.spec.volumes ?? []).some((v: K8sObject) => v.projected),
          ).toBe(false);
        }
        secretsAfterInstall = await storeSecrets(ns, store);
        expect(Object.keys(secretsAfterInstall).length).toBeGreaterThan(0);
      },
      10 * 60_000,
    );

    it('refuses a privileged pod in the same namespace (the admission plugin is on)', async () => {
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'privileged', namespace: ns },
        spec: {
          containers: [
            {
              name: 'c',
              image: 'registry.invalid/any:1',
              securityContext: { privileged: true },
            },
          ],
        },
      };
      const r = await run(
        tb.kubectl,
        ['--kubeconfig', tb.kubeconfigPath, 'create', '-f', '-'],
        { input: JSON.stringify(pod) },
      );
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/violates PodSecurity "restricted:latest"/);
      expect(r.stderr).toMatch(/privileged/);
    });

    it(
      'labels every object of the release with the store id',
      async () => {
        const manifest = await helm(major, [
          'get',
          'manifest',
          store,
          '--namespace',
          ns,
        ]);
        const expected = parseManifests(manifest).map(o =>
          `${o.kind}/${o.metadata.name}`.toLowerCase(),
        );
        const labelled = JSON.parse(
          await kubectl([
            '-n',
            ns,
            'get',
            LABELLED_KINDS,
            '-l',
            `${STORE_LABEL}=${store}`,
            '-o',
            'json',
          ]),
        ).items.map((o: K8sObject) =>
          `${o.kind}/${o.metadata.name}`.toLowerCase(),
        );
        expect(labelled).toEqual(expect.arrayContaining(expected));
        // the stores backend finds its release by name and namespace
        const list = JSON.parse(
          await helm(major, ['list', '--namespace', ns, '-o', 'json']),
        );
        expect(list.map((r: K8sObject) => r.name)).toEqual([store]);
      },
      5 * 60_000,
    );

    it('prints no generated secret in its notes', async () => {
      expect(installOutput).toMatch(/get secret \S+-admin/);
      for (const v of decodeAll(secretsAfterInstall)) {
        expect(v.length).toBeGreaterThanOrEqual(16);
        expect(installOutput).not.toContain(v);
      }
    });

    it(
      'keeps the generated secrets across an upgrade',
      async () => {
        await helm(major, [
          'upgrade',
          store,
          chartPath(engine),
          '--namespace',
          ns,
          ...storeValues(engine, store, 'medium'),
        ]);
        await waitForWorkloads(ns);
        const after = await storeSecrets(ns, store);
        expect(after).toEqual(secretsAfterInstall);
        const status = JSON.parse(
          await helm(major, ['status', store, '--namespace', ns, '-o', 'json']),
        );
        expect(status.version).toBe(2);
        const quota = JSON.parse(
          await kubectl([
            '-n',
            ns,
            'get',
            'resourcequota',
            store,
            '-o',
            'json',
          ]),
        );
        expect(quota.metadata.labels['stores.backstage.io/plan']).toBe(
          'medium',
        );
        // Medusa: one migrations Job per revision, Helm removed the previous one
        const expectedJobs =
          engine === 'medusa-store' ? [`${store}-migrate-r2`] : [];
        await eventually(async () => {
          const jobs = JSON.parse(
            await kubectl(['-n', ns, 'get', 'jobs', '-o', 'json']),
          ).items.map((j: K8sObject) => j.metadata.name);
          if (JSON.stringify(jobs) !== JSON.stringify(expectedJobs)) {
            throw new Error(`jobs ${jobs}, expected ${expectedJobs}`);
          }
        }, 60_000);
      },
      10 * 60_000,
    );

    it(
      'leaves nothing after uninstall and namespace deletion',
      async () => {
        await helm(major, [
          'uninstall',
          store,
          '--namespace',
          ns,
          '--wait',
          '--timeout',
          '3m',
        ]);
        // generated secrets are kept (helm.sh/resource-policy: keep) with the data they protect...
        expect(Object.keys(await storeSecrets(ns, store)).sort()).toEqual(
          Object.keys(secretsAfterInstall).sort(),
        );
        // ...until the store namespace goes, as the stores backend deletes it
        await kubectl(['delete', 'namespace', ns, '--wait=false']);
        await expectNothingLeft(store, ns);
        const releases = JSON.parse(
          await helm(major, ['list', '--all-namespaces', '-o', 'json']),
        );
        expect(releases.map((r: K8sObject) => r.name)).not.toContain(store);
      },
      10 * 60_000,
    );
  });
});

/**
 * `kubectl auth can-i` arguments for a resource: `pods/log` there would mean the pod named
 * "log", so a subresource goes in its own flag.
 */
function canIResource(resource: string): string[] {
  const [type, sub] = resource.split('/');
  return sub ? [type, `--subresource=${sub}`] : [type];
}

describe('stores-portal ServiceAccounts', () => {
  const portalNs = `${testNamespacePrefix(__filename)}-portal`;
  const release = 'stores-portal';
  let saKubeconfig: string;
  let viewerKubeconfig: string;
  /** the ClusterRole the stores backend binds to itself in each store namespace */
  let storeNamespaceRole: string;

  /** a kubeconfig that holds a token of one of the chart's ServiceAccounts */
  async function kubeconfigOf(serviceAccount: string): Promise<string> {
    const token = (
      await kubectl([
        '-n',
        portalNs,
        'create',
        'token',
        serviceAccount,
        '--duration=1h',
      ])
    ).trim();
    const admin = JSON.parse(
      await kubectl(['config', 'view', '--raw', '--minify', '-o', 'json']),
    );
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'testbed', cluster: admin.clusters[0].cluster }],
      users: [{ name: serviceAccount, user: { token } }],
      contexts: [
        {
          name: serviceAccount,
          context: { cluster: 'testbed', user: serviceAccount },
        },
      ],
      'current-context': serviceAccount,
    };
    const dir = path.join(tb.runDir, 'charts-tests');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, `${portalNs}.${serviceAccount}.kubeconfig`);
    fs.writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
    return file;
  }

  /**
   * What the stores backend does before helm runs (StoreCluster.ensureNamespace): the
   * namespace with its labels, then the RoleBinding that gives it rights inside.
   */
  async function storeNamespaceAsBackend(ns: string, store: string) {
    const objects = [
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: ns,
          labels: {
            'app.kubernetes.io/managed-by': 'backstage-stores',
            [STORE_LABEL]: store,
            ...STORE_NAMESPACE_POD_SECURITY,
          },
        },
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'stores-backend', namespace: ns },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: storeNamespaceRole,
        },
        subjects: [
          { kind: 'ServiceAccount', name: release, namespace: portalNs },
        ],
      },
    ];
    for (const o of objects) {
      await runOk(
        tb.kubectl,
        ['--kubeconfig', saKubeconfig, 'create', '-f', '-'],
        { input: JSON.stringify(o) },
      );
    }
  }

  beforeAll(async () => {
    tb = await ensureTestbed();
    cleanup.push(async () => {
      await run(tb.helm.v4, [
        'uninstall',
        release,
        '-n',
        portalNs,
        '--kubeconfig',
        tb.kubeconfigPath,
      ]);
      await kubectl([
        'delete',
        'namespace',
        portalNs,
        '--ignore-not-found',
        '--wait=false',
      ]);
    });
    await kubectl(['create', 'namespace', portalNs]);
    await helm(4, [
      'upgrade',
      '--install',
      release,
      chartPath('stores-portal'),
      '--namespace',
      portalNs,
      '-f',
      path.join(chartPath('stores-portal'), 'values-local.yaml'),
    ]);
    await waitForWorkloads(portalNs);
    storeNamespaceRole = `${portalNs}-${release}-store-namespace`;
    saKubeconfig = await kubeconfigOf(release);
    viewerKubeconfig = await kubeconfigOf(`${release}-kubernetes-viewer`);
  }, 15 * 60_000);

  it(
    'may not write outside store namespaces',
    async () => {
      const other = `${portalNs}-x`;
      // the admission policy takes a moment to load after install
      await eventually(async () => {
        const r = await run(tb.kubectl, [
          '--kubeconfig',
          saKubeconfig,
          'create',
          'namespace',
          other,
        ]);
        if (r.code === 0) {
          await kubectl(['delete', 'namespace', other, '--wait=false']);
          throw new Error('namespace outside store-* was allowed');
        }
        expect(r.stderr).toMatch(/store-\*/);
      }, 60_000);
      // RBAC allows RoleBindings anywhere (names cannot be limited); the policy does not
      const binding = await run(
        tb.kubectl,
        ['--kubeconfig', saKubeconfig, 'create', '-f', '-'],
        {
          input: JSON.stringify({
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'RoleBinding',
            metadata: { name: 'stores-backend', namespace: 'default' },
            roleRef: {
              apiGroup: 'rbac.authorization.k8s.io',
              kind: 'ClusterRole',
              name: storeNamespaceRole,
            },
            subjects: [
              { kind: 'ServiceAccount', name: release, namespace: portalNs },
            ],
          }),
        },
      );
      expect(binding.code).not.toBe(0);
      expect(binding.stderr).toMatch(/stores backend may only/);
      // outside a store namespace it holds nothing but namespaces, that one binding and
      // the list and watch of the store objects it follows
      for (const [verb, resource, ns] of [
        ['get', 'secrets', 'default'],
        ['list', 'secrets', 'store-anything'],
        ['get', 'pods/log', 'default'],
        ['create', 'configmaps', 'default'],
        ['create', 'clusterrolebindings', 'default'],
        ['delete', 'nodes', 'default'],
        ['create', 'pods/exec', 'store-anything'],
        ['get', 'pods', 'kube-system'],
        ['list', 'configmaps', 'kube-system'],
        ['list', 'events', 'kube-system'],
        ['delete', 'pods', 'kube-system'],
      ]) {
        const r = await run(tb.kubectl, [
          '--kubeconfig',
          saKubeconfig,
          'auth',
          'can-i',
          verb,
          ...canIResource(resource),
          '-n',
          ns,
        ]);
        expect({ verb, resource, ns, answer: r.stdout.trim() }).toEqual({
          verb,
          resource,
          ns,
          answer: 'no',
        });
      }
      for (const resource of [
        'pods',
        'persistentvolumeclaims',
        'deployments.apps',
        'statefulsets.apps',
        'jobs.batch',
      ]) {
        for (const verb of ['list', 'watch']) {
          const r = await run(tb.kubectl, [
            '--kubeconfig',
            saKubeconfig,
            'auth',
            'can-i',
            verb,
            resource,
            '--all-namespaces',
          ]);
          expect({ verb, resource, answer: r.stdout.trim() }).toEqual({
            verb,
            resource,
            answer: 'yes',
          });
        }
      }
    },
    5 * 60_000,
  );

  it('gives the Kubernetes plugin what it shows, and no Secret', async () => {
    const listed = kc(viewerKubeconfig, [
      'get',
      'pods,services,deployments,replicasets,statefulsets,ingresses,jobs,limitranges,resourcequotas,events',
      '--all-namespaces',
      '-o',
      'name',
    ]);
    await expect(listed).resolves.toMatch(/pod\//);
    for (const [verb, resource] of [
      ['list', 'secrets'],
      ['list', 'configmaps'],
      ['get', 'pods/log'],
      ['create', 'pods/exec'],
      ['create', 'configmaps'],
      ['delete', 'pods'],
    ]) {
      const r = await run(tb.kubectl, [
        '--kubeconfig',
        viewerKubeconfig,
        'auth',
        'can-i',
        verb,
        ...canIResource(resource),
        '--all-namespaces',
      ]);
      expect({ verb, resource, answer: r.stdout.trim() }).toEqual({
        verb,
        resource,
        answer: 'no',
      });
    }
  }, 60_000);

  it.each([
    ['woocommerce-store', 'wc', 4],
    ['medusa-store', 'md', 3],
  ] as const)(
    'runs the whole lifecycle of a %s store (%s, helm %i)',
    async (engine, short, major) => {
      const store = storeName(`sa${short}`, major);
      const ns = `store-${store}`;
      deleteNamespaceLater(ns);
      await storeNamespaceAsBackend(ns, store);
      await helm(
        major,
        [
          'upgrade',
          '--install',
          store,
          chartPath(engine),
          '--namespace',
          ns,
          ...storeValues(engine, store),
        ],
        saKubeconfig,
      );
      await waitForWorkloads(ns, saKubeconfig);
      const before = await storeSecrets(ns, store, saKubeconfig);
      await helm(
        major,
        [
          'upgrade',
          store,
          chartPath(engine),
          '--namespace',
          ns,
          ...storeValues(engine, store, 'medium'),
        ],
        saKubeconfig,
      );
      await waitForWorkloads(ns, saKubeconfig);
      expect(await storeSecrets(ns, store, saKubeconfig)).toEqual(before);
      const canLog = await run(tb.kubectl, [
        '--kubeconfig',
        saKubeconfig,
        'auth',
        'can-i',
        'get',
        ...canIResource('pods/log'),
        '-n',
        ns,
      ]);
      expect(canLog.stdout.trim()).toBe('yes');
      await helm(
        major,
        ['uninstall', store, '--namespace', ns, '--wait', '--timeout', '3m'],
        saKubeconfig,
      );
      await kc(saKubeconfig, ['delete', 'namespace', ns, '--wait=false']);
      await expectNothingLeft(store, ns);
    },
    12 * 60_000,
  );
});
