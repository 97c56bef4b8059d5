/*
 * The portal's security model on the local test bed, tried as an attacker would: the real
 * backend (packages/backend with the portal's policy) signed in as a user who is not an
 * admin, and the cluster identities exactly as charts/stores-portal makes them
 * (scripts/testbed-identities). Every refusal below is asserted with the answer it got.
 */
import {
  kubectl,
  portalIdentities,
  PortalIdentities,
  run,
  Testbed,
  ensureTestbed,
  tokenKubeconfig,
} from '@internal/testbed';
import fs from 'node:fs';
import path from 'node:path';
import { GuestIdentity, TestbedBackend } from './backend';

jest.setTimeout(10 * 60_000);

const CLUSTER_HEADER = { 'Backstage-Kubernetes-Cluster': 'testbed' };
const store = `sec-${Math.random().toString(36).slice(2, 6)}`;
const namespace = `store-${store}`;

let testbed: Testbed;
let backend: TestbedBackend;
let guest: GuestIdentity;
let identities: PortalIdentities;
/** kubeconfigs of the stores backend's and the Kubernetes plugin's identities */
let asStores: string;
let asViewer: string;

/** Namespaces the stores backend did not make, one named like a store's. */
const FOREIGN = ['store-sec-foreign', 'sec-foreign'];

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** Runs kubectl as another identity; resolves its exit code and output. */
function kubectlAs(kubeconfig: string, args: string[], input?: string) {
  return run(testbed.kubectl, ['--kubeconfig', kubeconfig, ...args], {
    input,
  });
}

/** Every refused attempt and the answer it got, printed at the end as the trial's record. */
const record: Array<{ attempt: string; answer: string }> = [];

/** Retries until the admission policy, which loads a moment after it is applied, answers. */
async function refused(
  kubeconfig: string,
  args: string[],
  input?: string,
): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await kubectlAs(kubeconfig, args, input);
    if (r.code !== 0) {
      const who = kubeconfig === asViewer ? 'viewer' : 'stores';
      const what = input
        ? `${args.join(' ')} ${JSON.parse(input).kind}`
        : args.join(' ');
      record.push({
        attempt: `${who}: kubectl ${what}`,
        answer: r.stderr.trim(),
      });
      return r.stderr.trim();
    }
    if (Date.now() > deadline) {
      throw new Error(
        `kubectl ${args.join(' ')} was allowed:\n${r.stdout}${r.stderr}`,
      );
    }
    // an object that got through is removed again before the next try
    if (input && args[0] === 'create') {
      await run(
        testbed.kubectl,
        [
          '--kubeconfig',
          testbed.kubeconfigPath,
          'delete',
          '--ignore-not-found',
          '-f',
          '-',
        ],
        { input },
      );
    }
    await sleep(1000);
  }
}

function pod(name: string, spec: object) {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec,
  });
}

async function proxy(method: string, route: string, body?: unknown) {
  const res = await fetch(`${backend.baseUrl}/api/kubernetes/proxy${route}`, {
    method,
    headers: {
      Authorization: `Bearer ${guest.token}`,
      ...CLUSTER_HEADER,
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  record.push({
    attempt: `non-admin user: ${method} /api/kubernetes/proxy${route}`,
    answer: `HTTP ${res.status} ${text.slice(0, 160)}`,
  });
  return { status: res.status, text };
}

beforeAll(async () => {
  testbed = await ensureTestbed();
  identities = await portalIdentities();
  asStores = await tokenKubeconfig('portal-stores', identities.stores.token);
  asViewer = await tokenKubeconfig('portal-viewer', identities.viewer.token);
  backend = await TestbedBackend.create();
  await backend.start();
  guest = await backend.guestSignIn();
});

afterAll(async () => {
  process.stdout.write(
    `\nSecurity trial: ${record.length} refused attempts\n${record
      .map(r => `- ${r.attempt}\n    -> ${r.answer.replace(/\s+/g, ' ')}`)
      .join('\n')}\n`,
  );
  await backend?.stop();
  backend?.remove();
  await kubectl([
    'delete',
    'namespace',
    namespace,
    ...FOREIGN,
    'store-sec-bare',
    'store-sec-privileged',
    '--ignore-not-found',
    '--wait=false',
  ]).catch(() => undefined);
});

describe('a signed-in user who is not an admin', () => {
  it('is not an admin', () => {
    expect(guest.ownershipEntityRefs).not.toContain('group:default/admins');
  });

  it('cannot use the Kubernetes proxy to read Secrets', async () => {
    const r = await proxy('GET', '/api/v1/secrets');
    expect(r.status).toBe(403);
    expect(r.text).not.toContain('"kind":"SecretList"');
  });

  it('cannot use the Kubernetes proxy to write', async () => {
    const r = await proxy('POST', '/api/v1/namespaces/default/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `via-proxy-${store}` },
    });
    expect(r.status).toBe(403);
    const exists = await kubectl([
      '-n',
      'default',
      'get',
      'configmap',
      `via-proxy-${store}`,
      '--ignore-not-found',
      '-o',
      'name',
    ]);
    expect(exists.trim()).toBe('');
  });
});

describe('a store made with the chart identities', () => {
  it('becomes ready, shows its pods on the Kubernetes tab, and goes away', async () => {
    const created = await backend.api('POST', '/api/stores/stores', {
      token: guest.token,
      body: { name: store, engine: 'woocommerce' },
    });
    expect(created.status).toBe(201);
    await backend.waitFor(
      `store ${store} ready`,
      async () => {
        const r = await backend.api('GET', `/api/stores/stores/${store}`, {
          token: guest.token,
        });
        if (r.body?.status === 'failed') {
          throw new Error(`failed: ${r.body.statusReason}`);
        }
        return r.body?.status === 'ready' ? r.body : undefined;
      },
      { timeoutMs: 4 * 60_000, intervalMs: 1000 },
    );

    // the namespace is restricted, and the backend's rights come from a binding inside it
    const ns = JSON.parse(
      await kubectl(['get', 'namespace', namespace, '-o', 'json']),
    );
    expect(ns.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'app.kubernetes.io/managed-by': 'backstage-stores',
    });
    const binding = JSON.parse(
      await kubectl([
        '-n',
        namespace,
        'get',
        'rolebinding',
        'stores-backend',
        '-o',
        'json',
      ]),
    );
    expect(binding.roleRef.name).toBe(identities.storeNamespaceRole);
    expect(binding.subjects).toEqual([
      expect.objectContaining({
        kind: 'ServiceAccount',
        name: 'stores-portal',
      }),
    ]);

    // the entity page's Kubernetes tab (the plugin's read-only identity) lists the pods
    const pods = await backend.waitFor(
      `the Kubernetes plugin to list the pods of ${store}`,
      async () => {
        const r = await backend.api(
          'POST',
          '/api/kubernetes/resources/workloads/query',
          {
            token: guest.token,
            body: { entityRef: `component:default/${store}`, auth: {} },
          },
        );
        const cluster = r.body?.items?.find(
          (i: any) => i.cluster?.name === 'testbed',
        );
        if (cluster?.errors?.length) {
          throw new Error(JSON.stringify(cluster.errors));
        }
        const items = cluster?.resources
          ?.filter((x: any) => x.type === 'pods')
          .flatMap((x: any) => x.resources);
        return items?.length ? items : undefined;
      },
      { timeoutMs: 2 * 60_000 },
    );
    expect(pods.map((p: any) => p.metadata.namespace)).toContain(namespace);

    await refusalsInsideTheStoreNamespace();

    // the owner reveals the shop's admin login: read on demand, never cached
    const generated = await generatedSecrets(namespace);
    const reveal = await fetch(
      `${backend.baseUrl}/api/stores/stores/${store}/credentials`,
      {
        method: 'POST',
        headers: { Authorization: `Bearer ${guest.token}` },
        signal: AbortSignal.timeout(30_000),
      },
    );
    expect(reveal.status).toBe(200);
    expect(reveal.headers.get('cache-control')).toBe('no-store');
    const login = await reveal.json();
    expect(login).toMatchObject({
      username: 'admin',
      password: generated.get(`${store}-admin/password`),
    });

    const deleted = await backend.api('DELETE', `/api/stores/stores/${store}`, {
      token: guest.token,
    });
    expect(deleted.status).toBe(202);
    await backend.waitForNamespaceGone(namespace);

    // after the whole lifecycle, no generated secret is in the portal's data or its log
    expect(generated.size).toBeGreaterThanOrEqual(4);
    const kept = [...walkFiles(backend.dir)].map(f => ({
      file: path.relative(backend.dir, f),
      text: fs.readFileSync(f).toString('latin1'),
    }));
    expect(kept.map(k => k.file)).toEqual(
      expect.arrayContaining(['backend.log', expect.stringMatching(/stores/)]),
    );
    const leaks = [...generated].flatMap(([key, value]) =>
      kept.filter(k => k.text.includes(value)).map(k => `${key} in ${k.file}`),
    );
    expect(leaks).toEqual([]);
  });
});

/** Every value of the Secrets the engine chart generated in a namespace, by `<secret>/<key>`. */
async function generatedSecrets(ns: string): Promise<Map<string, string>> {
  const list = JSON.parse(
    await kubectl(['-n', ns, 'get', 'secrets', '-o', 'json']),
  );
  const values = new Map<string, string>();
  for (const secret of list.items) {
    // Helm's own release records are not the chart's secrets
    if (secret.type !== 'Opaque') continue;
    for (const [key, value] of Object.entries<string>(secret.data ?? {})) {
      const text = Buffer.from(value, 'base64').toString('utf8');
      // names and URLs are not secret; generated values are long random strings
      if (text.length >= 16 && /^[A-Za-z0-9]+$/.test(text)) {
        values.set(`${secret.metadata.name}/${key}`, text);
      }
    }
  }
  return values;
}

function* walkFiles(dir: string): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walkFiles(full);
    else yield full;
  }
}

/** What the stores backend's identity may not do even inside a store namespace. */
async function refusalsInsideTheStoreNamespace() {
  // no pod of its own at all...
  const direct = await refused(
    asStores,
    ['create', '-f', '-'],
    pod('direct', { containers: [{ name: 'x', image: 'busybox' }] }),
  );
  expect(direct).toMatch(/cannot create resource "pods"/);
  // ...and a workload that asks for a privileged, hostPath pod gets no pod: Pod Security
  // "restricted" refuses it when the ReplicaSet controller tries
  const deployment = await kubectlAs(
    asStores,
    ['create', '-f', '-'],
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'escape', namespace },
      spec: {
        selector: { matchLabels: { app: 'escape' } },
        template: {
          metadata: { labels: { app: 'escape' } },
          spec: {
            containers: [
              {
                name: 'x',
                image: 'busybox',
                securityContext: { privileged: true },
                volumeMounts: [{ name: 'root', mountPath: '/host' }],
              },
            ],
            volumes: [{ name: 'root', hostPath: { path: '/' } }],
          },
        },
      },
    }),
  );
  expect(deployment.code).toBe(0);
  expect(deployment.stderr).toMatch(/would violate PodSecurity "restricted/);
  const failure = await backend.waitFor(
    'the ReplicaSet to be refused its pod',
    async () => {
      const rs = JSON.parse(
        await kubectl([
          '-n',
          namespace,
          'get',
          'replicasets',
          '-l',
          'app=escape',
          '-o',
          'json',
        ]),
      );
      const condition = rs.items[0]?.status?.conditions?.find(
        (c: any) => c.type === 'ReplicaFailure',
      );
      return condition?.message as string | undefined;
    },
    { timeoutMs: 60_000, intervalMs: 1000 },
  );
  record.push({
    attempt:
      'stores: a Deployment of a privileged hostPath pod (its ReplicaSet)',
    answer: failure,
  });
  expect(failure).toMatch(/violates PodSecurity "restricted/);
  expect(failure).toMatch(/privileged/);
  expect(failure).toMatch(/hostPath/);
  const pods = await kubectl([
    '-n',
    namespace,
    'get',
    'pods',
    '-l',
    'app=escape',
    '-o',
    'name',
  ]);
  expect(pods.trim()).toBe('');
  await kubectlAs(asStores, [
    '-n',
    namespace,
    'delete',
    'deployment',
    'escape',
  ]);

  const relabel = await refused(asStores, [
    'label',
    '--overwrite',
    'namespace',
    namespace,
    'pod-security.kubernetes.io/enforce=privileged',
  ]);
  expect(relabel).toMatch(/may not change the Pod Security labels/);

  const unmanage = await refused(asStores, [
    'label',
    '--overwrite',
    'namespace',
    namespace,
    'app.kubernetes.io/managed-by=someone-else',
  ]);
  expect(unmanage).toMatch(/may only create, change or delete namespaces/);

  const escalate = await refused(
    asStores,
    ['create', '-f', '-'],
    JSON.stringify({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'escalate', namespace },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'cluster-admin',
      },
      subjects: [
        {
          kind: 'ServiceAccount',
          name: 'stores-portal',
          namespace: 'stores-portal',
        },
      ],
    }),
  );
  expect(escalate).toMatch(/forbidden/i);

  // the Kubernetes plugin's identity reads pods but no Secret, even of a store
  const viewerPods = await kubectlAs(asViewer, [
    '-n',
    namespace,
    'get',
    'pods',
    '-o',
    'name',
  ]);
  expect(viewerPods.code).toBe(0);
  const viewerSecrets = await refused(asViewer, [
    '-n',
    namespace,
    'get',
    'secrets',
  ]);
  expect(viewerSecrets).toMatch(/forbidden.*cannot list resource "secrets"/i);
}

describe('the stores backend identity outside store namespaces', () => {
  it('cannot read a Secret in kube-system or default', async () => {
    for (const ns of ['kube-system', 'default']) {
      const r = await refused(asStores, ['-n', ns, 'get', 'secrets']);
      expect(r).toMatch(/forbidden.*cannot list resource "secrets"/i);
    }
  });

  it('cannot read logs outside store namespaces', async () => {
    const r = await kubectlAs(asStores, [
      'auth',
      'can-i',
      'get',
      'pods',
      '--subresource=log',
      '-n',
      'kube-system',
    ]);
    record.push({
      attempt:
        'stores: kubectl auth can-i get pods --subresource=log -n kube-system',
      answer: r.stdout.trim(),
    });
    expect(r.stdout.trim()).toBe('no');
  });

  it('cannot delete a namespace the stores backend did not make', async () => {
    for (const ns of FOREIGN) {
      await kubectl(['create', 'namespace', ns]);
      const r = await refused(asStores, [
        'delete',
        'namespace',
        ns,
        '--wait=false',
      ]);
      expect(r).toMatch(/may only create, change or delete namespaces/);
      const still = await kubectl(['get', 'namespace', ns, '-o', 'name']);
      expect(still.trim()).toBe(`namespace/${ns}`);
    }
  });

  it('cannot create a namespace without restricted Pod Security or its label', async () => {
    const bare = await refused(asStores, [
      'create',
      'namespace',
      'store-sec-bare',
    ]);
    expect(bare).toMatch(/may only create, change or delete namespaces/);
    const unrestricted = await refused(
      asStores,
      ['create', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: 'store-sec-privileged',
          labels: {
            'app.kubernetes.io/managed-by': 'backstage-stores',
            'pod-security.kubernetes.io/enforce': 'privileged',
          },
        },
      }),
    );
    expect(unrestricted).toMatch(
      /must be created with the label pod-security.kubernetes.io\/enforce=restricted/,
    );
  });

  it('cannot bind itself anything in a namespace that is not a store', async () => {
    const r = await refused(
      asStores,
      ['create', '-f', '-'],
      JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'stores-backend', namespace: 'kube-system' },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: identities.storeNamespaceRole,
        },
        subjects: [
          {
            kind: 'ServiceAccount',
            name: 'stores-portal',
            namespace: 'stores-portal',
          },
        ],
      }),
    );
    expect(r).toMatch(/may only create, change or delete namespaces/);
  });
});
