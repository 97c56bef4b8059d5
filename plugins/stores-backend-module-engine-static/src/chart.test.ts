/*
 * The package's chart rendered by `helm template`, no cluster: what the stores backend and a
 * store namespace's restricted Pod Security demand of an engine chart. Helm is HELM_BIN, or
 * the test bed's Helm 4 once the test bed was set up, or `helm` on PATH.
 * lifecycle.testbed.test.ts installs it for real.
 */
import { run, runOk, stateDir } from '@internal/testbed';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { staticEngine } from './staticEngine';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type K8sObject = Record<string, any>;

const chart = staticEngine.chart!;
const STORE = 'demo';

function helmBinary(): string {
  if (process.env.HELM_BIN) return process.env.HELM_BIN;
  try {
    const state = JSON.parse(
      fs.readFileSync(path.join(stateDir(), 'testbed.json'), 'utf8'),
    );
    if (fs.existsSync(state.binaries.helm4)) return state.binaries.helm4;
  } catch {
    // the test bed was never set up here
  }
  return 'helm';
}
const helm = helmBinary();

async function render(...args: string[]): Promise<K8sObject[]> {
  const out = await runOk(helm, [
    'template',
    STORE,
    chart,
    '--namespace',
    `store-${STORE}`,
    '--set',
    `store.name=${STORE}`,
    ...args,
  ]);
  return parseAllDocuments(out)
    .map(d => d.toJS())
    .filter(Boolean);
}

const describeObject = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;
const deployment = (objects: K8sObject[]) =>
  objects.find(o => o.kind === 'Deployment')!;

describe.each([
  ['values.yaml (defaults)', []],
  ['values-local.yaml', ['-f', path.join(chart, 'values-local.yaml')]],
])('the static-store chart rendered with %s', (_label, valuesArgs) => {
  let objects: K8sObject[];
  beforeAll(async () => {
    objects = await render(...valuesArgs);
  }, 60_000);

  it('lints cleanly', async () => {
    const r = await run(helm, [
      'lint',
      '--strict',
      chart,
      ...valuesArgs,
      '--set',
      `store.name=${STORE}`,
    ]);
    expect(r.stderr + r.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    expect(r.code).toBe(0);
  });

  it('labels every object and pod template with the store, which the stores backend follows', () => {
    const kinds = objects.map(o => o.kind).sort();
    expect(kinds).toEqual(
      expect.arrayContaining([
        'ConfigMap',
        'Deployment',
        'Ingress',
        'LimitRange',
        'NetworkPolicy',
        'ResourceQuota',
        'Service',
        'ServiceAccount',
      ]),
    );
    for (const o of [
      ...objects,
      {
        kind: 'pod template',
        metadata: deployment(objects).spec.template.metadata,
      },
    ]) {
      expect({
        where: describeObject(o),
        labels: o.metadata.labels,
      }).toMatchObject({
        where: describeObject(o),
        labels: {
          'stores.backstage.io/store': STORE,
          'backstage.io/kubernetes-id': STORE,
        },
      });
    }
  });

  it('runs nginx as the restricted Pod Security profile admits, with a read-only root', () => {
    const pod = deployment(objects).spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 101,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    for (const c of pod.containers) {
      expect(c.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(c.image).toMatch(/^nginxinc\/nginx-unprivileged:\d+\.\d+\.\d+/);
      expect(c.readinessProbe).toBeDefined();
      expect(c.livenessProbe).toBeDefined();
    }
    for (const v of pod.volumes) {
      expect(Object.keys(v).filter(k => k !== 'name')).toEqual([
        expect.stringMatching(/^(configMap|emptyDir)$/),
      ]);
    }
  });

  it('serves the store at <name>.<baseDomain>', () => {
    const ingress = objects.find(o => o.kind === 'Ingress')!;
    expect(ingress.spec.rules[0].host).toBe(`${STORE}.127.0.0.1.nip.io`);
  });

  it('denies all traffic by default and lets in only the ingress controller', () => {
    const policies = objects.filter(o => o.kind === 'NetworkPolicy');
    expect(policies.map(p => p.spec)).toEqual([
      { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
      expect.objectContaining({
        policyTypes: ['Ingress'],
        ingress: [expect.objectContaining({ from: expect.any(Array) })],
      }),
    ]);
  });
});

describe('the static-store chart', () => {
  it('maps the plan to resources, quota and the plan label', async () => {
    const [small, medium] = await Promise.all([
      render('--set', 'store.plan=small'),
      render('--set', 'store.plan=medium'),
    ]);
    const quota = (objs: K8sObject[]) =>
      objs.find(o => o.kind === 'ResourceQuota')!.spec.hard;
    const resources = (objs: K8sObject[]) =>
      deployment(objs).spec.template.spec.containers[0].resources;
    expect(quota(small)).not.toEqual(quota(medium));
    expect(resources(small)).not.toEqual(resources(medium));
    expect(deployment(medium).metadata.labels['stores.backstage.io/plan']).toBe(
      'medium',
    );
  });

  it.each([
    ['an invalid character', 'Bad_Name'],
    ['a leading digit', '1shop'],
    ['too many characters', `a${'b'.repeat(30)}`],
  ])('rejects a store name with %s', async (_what, name) => {
    const r = await run(helm, [
      'template',
      'x',
      chart,
      '--set',
      `store.name=${name}`,
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/store[./]name/);
  });

  it('rejects an unknown plan', async () => {
    const r = await run(helm, [
      'template',
      'x',
      chart,
      '--set',
      'store.name=ok',
      '--set',
      'store.plan=large',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/store[./]plan/);
  });

  it('escapes what it puts on the page and marks the page for the storefront check', async () => {
    const objects = await render(
      '--set',
      'store.title=<script>x</script>',
      '--set',
      'store.owner=group:default/team-a',
    );
    const page = objects.find(o => o.kind === 'ConfigMap')!.data['index.html'];
    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(
      staticEngine.storefrontCheck!({
        name: STORE,
        namespace: `store-${STORE}`,
        plan: 'small',
        owner: 'group:default/team-a',
        baseDomain: '127.0.0.1.nip.io',
        scheme: 'http',
      }).isStoreAnswer({ status: 200, body: page.slice(0, 1024) }),
    ).toBe(true);
    expect(page).toContain(
      'mailto:orders@demo.127.0.0.1.nip.io?subject=Order%3A%20Sample%20product',
    );
    for (const o of objects) {
      expect(o.metadata.labels['stores.backstage.io/owner']).toBe(
        'group-default-team-a',
      );
    }
  });
});
