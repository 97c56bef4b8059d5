/*
 * Render tests of the three charts, with every Helm binary available (see lib/helm.ts):
 * `helm lint --strict` and `helm template` with each values file, then checks on the rendered
 * objects. No cluster needed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import {
  ALL_CHARTS,
  ChartName,
  ENGINE_CHARTS,
  HelmBinary,
  K8sObject,
  SECRET_ENV,
  STORE,
  VALUES_FILES,
  chartPath,
  chartsDir,
  describeObject,
  generatedSecrets,
  helmBinaries,
  isJob,
  podTemplates,
  render,
  run,
  storeArgs,
  valuesArgs,
  walk,
} from './lib/helm';

const helms = helmBinaries();
const STORE_LABEL = 'stores.backstage.io/store';
const K8S_ID_LABEL = 'backstage.io/kubernetes-id';

const valuesLabel = (f?: string) => f ?? 'values.yaml (defaults)';

/** objects rendered per helm binary, chart and values file, rendered once */
const cache = new Map<string, Promise<K8sObject[]>>();
function rendered(
  helm: HelmBinary,
  chart: ChartName,
  valuesFile?: string,
): Promise<K8sObject[]> {
  const key = `${helm.path}|${chart}|${valuesFile}`;
  if (!cache.has(key)) cache.set(key, render(helm, chart, valuesFile));
  return cache.get(key)!;
}

function allContainers(spec: K8sObject): { kind: string; c: K8sObject }[] {
  return [
    ...(spec.initContainers ?? []).map((c: K8sObject) => ({ kind: 'init', c })),
    ...(spec.containers ?? []).map((c: K8sObject) => ({ kind: 'main', c })),
  ];
}

describe.each(helms.map(h => [h.label, h] as const))('%s', (_label, helm) => {
  describe.each(ALL_CHARTS.map(c => [c] as const))('%s', chart => {
    const isEngine = (ENGINE_CHARTS as readonly string[]).includes(chart);

    it.each(VALUES_FILES.map(f => [valuesLabel(f), f] as const))(
      'lints cleanly with %s',
      async (_l, valuesFile) => {
        const r = await run(helm.path, [
          'lint',
          '--strict',
          chartPath(chart),
          ...valuesArgs(chart, valuesFile),
          ...storeArgs(chart),
        ]);
        expect(r.stderr + r.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
        expect(r.code).toBe(0);
      },
      120_000,
    );

    describe.each(VALUES_FILES.map(f => [valuesLabel(f), f] as const))(
      'rendered with %s',
      (_l, valuesFile) => {
        let objects: K8sObject[];
        beforeAll(async () => {
          objects = await rendered(helm, chart, valuesFile);
        }, 120_000);

        it('renders valid-looking objects', () => {
          expect(objects.length).toBeGreaterThan(5);
          for (const o of objects) {
            expect(o.apiVersion).toBeTruthy();
            expect(o.kind).toBeTruthy();
            expect(o.metadata?.name).toMatch(
              /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
            );
            expect(o.metadata.name.length).toBeLessThanOrEqual(63);
          }
        });

        it('gives every container resources and a hardened securityContext', () => {
          const pods = podTemplates(objects);
          expect(pods.length).toBeGreaterThan(0);
          for (const { owner, spec } of pods) {
            for (const { kind, c } of allContainers(spec)) {
              const where = `${describeObject(owner)} ${kind} container ${
                c.name
              }`;
              for (const r of ['cpu', 'memory']) {
                expect({ where, v: c.resources?.requests?.[r] }).toEqual({
                  where,
                  v: expect.anything(),
                });
                expect({ where, v: c.resources?.limits?.[r] }).toEqual({
                  where,
                  v: expect.anything(),
                });
              }
              expect({ where, sc: c.securityContext }).toMatchObject({
                where,
                sc: {
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: expect.arrayContaining(['ALL']) },
                },
              });
              const nonRoot =
                c.securityContext?.runAsNonRoot ??
                spec.securityContext?.runAsNonRoot;
              expect({ where, nonRoot }).toEqual({ where, nonRoot: true });
              expect({
                where,
                privileged: c.securityContext?.privileged,
              }).not.toEqual({
                where,
                privileged: true,
              });
            }
          }
        });

        it('gives every long-running container readiness and liveness probes', () => {
          // Jobs run to completion and need none; plain init containers cannot have them
          // (the API refuses probes on init containers unless they are sidecars).
          for (const { owner, spec } of podTemplates(objects)) {
            if (isJob(owner)) continue;
            const longRunning = [
              ...(spec.containers ?? []),
              ...(spec.initContainers ?? []).filter(
                (c: K8sObject) => c.restartPolicy === 'Always',
              ),
            ];
            for (const c of longRunning) {
              const where = `${describeObject(owner)} container ${c.name}`;
              expect({ where, probe: c.readinessProbe }).toEqual({
                where,
                probe: expect.anything(),
              });
              expect({ where, probe: c.livenessProbe }).toEqual({
                where,
                probe: expect.anything(),
              });
            }
          }
        });

        it('keeps secrets out of the manifests: env secrets come from Secrets', () => {
          const literal: string[] = [];
          const credentialsInUrls: string[] = [];
          for (const { owner, spec } of podTemplates(objects)) {
            for (const { c } of allContainers(spec)) {
              for (const e of c.env ?? []) {
                const where = `${describeObject(owner)} ${c.name} env ${
                  e.name
                }`;
                if (
                  SECRET_ENV.test(e.name) &&
                  (e.value !== undefined || !e.valueFrom?.secretKeyRef?.name)
                ) {
                  literal.push(where);
                }
                // connection URLs may carry credentials only as $(VAR) references
                const userinfo = /:\/\/([^@/]*)@/.exec(String(e.value ?? ''));
                const password = userinfo?.[1].split(':').slice(1).join(':');
                if (password && !/^\$\([A-Z_]+\)$/.test(password))
                  credentialsInUrls.push(where);
              }
            }
          }
          expect(literal).toEqual([]);
          expect(credentialsInUrls).toEqual([]);
        });

        it('never copies a generated secret into another object', () => {
          const secrets = generatedSecrets(objects);
          const others = JSON.stringify(
            objects.filter(o => o.kind !== 'Secret'),
          );
          for (const [where, value] of secrets) {
            expect(value.length).toBeGreaterThanOrEqual(16);
            if (others.includes(value)) {
              throw new Error(
                `the value of ${where} appears outside its Secret`,
              );
            }
          }
        });

        if (isEngine) {
          it('labels every object, pod template and claim template with the store id', () => {
            for (const o of objects) {
              const where = describeObject(o);
              expect({ where, labels: o.metadata.labels }).toMatchObject({
                where,
                labels: {
                  [STORE_LABEL]: STORE,
                  [K8S_ID_LABEL]: STORE,
                  'app.kubernetes.io/instance': STORE,
                  'app.kubernetes.io/name': chart,
                  'app.kubernetes.io/managed-by': 'Helm',
                },
              });
              const nested = [
                o.spec?.template?.metadata,
                ...(o.spec?.volumeClaimTemplates ?? []).map(
                  (t: K8sObject) => t.metadata,
                ),
              ].filter(Boolean);
              for (const m of nested) {
                expect({ where, labels: m.labels }).toMatchObject({
                  where,
                  labels: { [STORE_LABEL]: STORE, [K8S_ID_LABEL]: STORE },
                });
              }
            }
          });

          it('mounts no ServiceAccount token into store pods', () => {
            for (const { owner, spec } of podTemplates(objects)) {
              expect({
                where: describeObject(owner),
                automount: spec.automountServiceAccountToken,
              }).toEqual({
                where: describeObject(owner),
                automount: false,
              });
            }
            const sa = objects.find(o => o.kind === 'ServiceAccount');
            expect(sa?.automountServiceAccountToken).toBe(false);
          });

          it('denies all traffic by default and allows DNS', () => {
            const policies = objects.filter(o => o.kind === 'NetworkPolicy');
            const deny = policies.find(
              p =>
                Object.keys(p.spec.podSelector ?? {}).length === 0 &&
                p.spec.policyTypes?.includes('Ingress') &&
                p.spec.policyTypes?.includes('Egress') &&
                !p.spec.ingress &&
                !p.spec.egress,
            );
            expect(deny).toBeDefined();
            const dns = policies.some(p =>
              (p.spec.egress ?? []).some((r: K8sObject) =>
                (r.ports ?? []).some((port: K8sObject) => port.port === 53),
              ),
            );
            expect(dns).toBe(true);
          });

          it('limits the namespace with a ResourceQuota and a LimitRange', () => {
            const quota = objects.find(o => o.kind === 'ResourceQuota');
            expect(quota?.spec.hard).toMatchObject({
              'requests.cpu': expect.anything(),
              'requests.memory': expect.anything(),
              'limits.cpu': expect.anything(),
              'limits.memory': expect.anything(),
            });
            const lr = objects.find(o => o.kind === 'LimitRange');
            expect(lr?.spec.limits).toEqual(
              expect.arrayContaining([
                expect.objectContaining({ type: 'Container' }),
              ]),
            );
          });

          it('serves the store at <store>.<baseDomain>', () => {
            const values = parse(
              fs.readFileSync(
                path.join(chartPath(chart), valuesFile ?? 'values.yaml'),
                'utf8',
              ),
            );
            const base =
              values.ingress?.baseDomain ??
              parse(
                fs.readFileSync(
                  path.join(chartPath(chart), 'values.yaml'),
                  'utf8',
                ),
              ).ingress.baseDomain;
            const ingresses = objects.filter(o => o.kind === 'Ingress');
            expect(ingresses.length).toBeGreaterThan(0);
            const host = `${STORE}.${base}`;
            const prod = valuesFile === 'values-prod.yaml';
            expect(
              ingresses.map(i => i.spec.rules.map((r: K8sObject) => r.host)),
            ).toEqual(ingresses.map(() => [host]));
            // production: TLS for the host, the certificate from cert-manager
            expect(ingresses.map(i => i.spec.tls?.[0]?.hosts ?? null)).toEqual(
              ingresses.map(() => (prod ? [host] : null)),
            );
            expect(
              ingresses.some(
                i => i.metadata.annotations?.['cert-manager.io/cluster-issuer'],
              ),
            ).toBe(prod);
          });
        }
      },
    );

    it('generates secrets at render time instead of taking them from values', async () => {
      const [a, b] = await Promise.all([
        render(helm, chart, 'values-local.yaml'),
        render(helm, chart, 'values-local.yaml'),
      ]);
      const sa = generatedSecrets(a);
      const sb = generatedSecrets(b);
      expect(sa.size).toBeGreaterThan(0);
      for (const [k, v] of sa) {
        // randAlphaNum on each render (lookup keeps them in a real cluster)
        expect({ k, same: sb.get(k) === v }).toEqual({ k, same: false });
      }
      for (const f of [
        'values.yaml',
        'values-local.yaml',
        'values-prod.yaml',
      ]) {
        const values = parse(
          fs.readFileSync(path.join(chartPath(chart), f), 'utf8'),
        );
        walk(values, (keyPath, v) => {
          const key = keyPath[keyPath.length - 1] ?? '';
          // database.keys.* name the keys of an existing Secret, *Secret name a Secret
          const isSecretValue =
            /(password|token|salt)$/i.test(key) ||
            /^(secret|\w+_?secret)$/i.test(key);
          if (
            isSecretValue &&
            !keyPath.includes('keys') &&
            !/existingSecret$/.test(key) &&
            typeof v === 'string'
          ) {
            throw new Error(
              `${chart}/${f}: ${keyPath.join(
                '.',
              )} looks like a secret in values`,
            );
          }
        });
      }
    }, 120_000);

    if (isEngine) {
      it.each([
        ['an invalid character', 'Bad_Name', /store[./]name/, /pattern/i],
        ['a leading digit', '1shop', /store[./]name/, /pattern/i],
        [
          'too many characters',
          `a${'b'.repeat(30)}`,
          /store[./]name/,
          /length/i,
        ],
      ])('rejects a store name with %s', async (_what, name, field, reason) => {
        const r = await run(helm.path, [
          'template',
          'x',
          chartPath(chart),
          '--set',
          `store.name=${name}`,
        ]);
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(field);
        expect(r.stderr).toMatch(reason);
      });

      it('requires a store name', async () => {
        const r = await run(helm.path, ['template', 'x', chartPath(chart)]);
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(/name/);
      });

      it('rejects an unknown plan, naming the valid ones', async () => {
        const r = await run(helm.path, [
          'template',
          'x',
          chartPath(chart),
          ...storeArgs(chart),
          '--set',
          'store.plan=large',
        ]);
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(/store[./]plan/);
        expect(r.stderr).toMatch(/small/);
        expect(r.stderr).toMatch(/medium/);
      });

      it('maps the plan to resources and quota', async () => {
        const [small, medium] = await Promise.all([
          render(helm, chart, undefined, ['--set', 'store.plan=small']),
          render(helm, chart, undefined, ['--set', 'store.plan=medium']),
        ]);
        const quota = (objs: K8sObject[]) =>
          objs.find(o => o.kind === 'ResourceQuota')!.spec.hard;
        expect(quota(small)).not.toEqual(quota(medium));
        const firstLimits = (objs: K8sObject[]) =>
          podTemplates(objs).find(p => p.owner.kind === 'Deployment')!.spec
            .containers[0].resources;
        expect(firstLimits(small)).not.toEqual(firstLimits(medium));
        expect(
          small.find(o => o.kind === 'Deployment')!.metadata.labels[
            'stores.backstage.io/plan'
          ],
        ).toBe('small');
      });

      it('turns the owner entity ref into a valid label', async () => {
        const objs = await render(helm, chart, undefined, [
          '--set',
          'store.owner=group:default/team-a',
        ]);
        for (const o of objs) {
          expect(o.metadata.labels['stores.backstage.io/owner']).toBe(
            'group-default-team-a',
          );
        }
      });

      if (helm.major >= 4) {
        // Helm 3's client-side dry run still contacts a cluster; the install tests cover it
        it('prints no secret in NOTES and tells how to read the admin Secret', async () => {
          const r = await run(
            helm.path,
            [
              'install',
              STORE,
              chartPath(chart),
              '--namespace',
              `store-${STORE}`,
              '--dry-run=client',
              ...storeArgs(chart),
            ],
            {
              env: {
                KUBECONFIG: path.join(chartPath(chart), 'no-such-kubeconfig'),
              },
            },
          );
          expect(r.code).toBe(0);
          const notes = r.stdout.slice(r.stdout.indexOf('NOTES:'));
          expect(notes).toMatch(/get secret \S+-admin/);
          const manifests = r.stdout.slice(0, r.stdout.indexOf('NOTES:'));
          const secrets = generatedSecrets(
            manifests
              .split(/^---$/m)
              .map(d => {
                try {
                  return parse(d);
                } catch {
                  return undefined;
                }
              })
              .filter(Boolean),
          );
          expect(secrets.size).toBeGreaterThan(0);
          for (const v of secrets.values()) expect(notes).not.toContain(v);
        });
      }
    }
  });

  describe('stores-portal RBAC', () => {
    let objects: K8sObject[];
    beforeAll(async () => {
      objects = await rendered(helm, 'stores-portal', 'values-local.yaml');
    }, 120_000);

    const role = (suffix: string) =>
      objects.find(
        o => o.kind === 'ClusterRole' && o.metadata.name.endsWith(suffix),
      );
    const rulesFor = (r: K8sObject, group: string, resource: string) =>
      r.rules
        .filter(
          (x: K8sObject) =>
            x.apiGroups.includes(group) && x.resources.includes(resource),
        )
        .flatMap((x: K8sObject) => x.verbs);

    it('grants no wildcards', () => {
      for (const r of objects.filter(o => o.kind === 'ClusterRole')) {
        for (const rule of r.rules) {
          expect([
            ...rule.verbs,
            ...rule.resources,
            ...rule.apiGroups,
          ]).not.toContain('*');
        }
      }
    });

    it('gives the stores backend namespaces and one binding outside store namespaces, nothing more', () => {
      const r = role('-store-lifecycle')!;
      expect(r).toBeDefined();
      expect(rulesFor(r, '', 'namespaces')).toEqual(
        expect.arrayContaining(['get', 'list', 'create', 'patch', 'delete']),
      );
      expect(rulesFor(r, 'rbac.authorization.k8s.io', 'rolebindings')).toEqual([
        'get',
        'create',
        'delete',
      ]);
      // bind exactly its own store-namespace role, nothing else
      const bind = r.rules.filter((x: K8sObject) =>
        x.resources.includes('clusterroles'),
      );
      expect(bind).toEqual([
        expect.objectContaining({
          verbs: ['bind'],
          resourceNames: [role('-store-namespace')!.metadata.name],
        }),
      ]);
      const resources = r.rules.flatMap((x: K8sObject) => x.resources);
      expect([...new Set(resources)].sort()).toEqual(
        ['clusterroles', 'namespaces', 'rolebindings'].sort(),
      );
      // the store-namespace role is never bound cluster-wide
      const bound = objects
        .filter(o => o.kind === 'ClusterRoleBinding')
        .map(o => o.roleRef.name);
      expect(bound).not.toContain(role('-store-namespace')!.metadata.name);
    });

    it('lets the stores backend list and watch the store objects it follows in all namespaces, and read nothing else', () => {
      const r = role('-store-watch')!;
      expect(r).toBeDefined();
      for (const rule of r.rules) expect(rule.verbs).toEqual(['list', 'watch']);
      const watched = r.rules.flatMap((x: K8sObject) =>
        x.resources.map((res: string) => `${x.apiGroups[0]}/${res}`),
      );
      expect(watched.sort()).toEqual(
        [
          '/pods',
          '/persistentvolumeclaims',
          'apps/deployments',
          'apps/statefulsets',
          'batch/jobs',
        ].sort(),
      );
      const binding = objects.find(
        o =>
          o.kind === 'ClusterRoleBinding' && o.roleRef.name === r.metadata.name,
      )!;
      expect(binding.subjects).toEqual([
        expect.objectContaining({
          kind: 'ServiceAccount',
          name: 'stores-portal',
        }),
      ]);
    });

    it('lets the stores backend manage what the engine charts create inside a store namespace', () => {
      const r = role('-store-namespace')!;
      expect(r).toBeDefined();
      const managed: [string, string][] = [
        ['', 'secrets'],
        ['', 'configmaps'],
        ['', 'services'],
        ['', 'persistentvolumeclaims'],
        ['', 'serviceaccounts'],
        ['', 'resourcequotas'],
        ['', 'limitranges'],
        ['apps', 'deployments'],
        ['apps', 'statefulsets'],
        ['batch', 'jobs'],
        ['networking.k8s.io', 'ingresses'],
        ['networking.k8s.io', 'networkpolicies'],
      ];
      for (const [g, res] of managed) {
        expect({ res, verbs: rulesFor(r, g, res) }).toEqual({
          res,
          verbs: expect.arrayContaining([
            'get',
            'list',
            'create',
            'update',
            'patch',
            'delete',
          ]),
        });
      }
      expect(rulesFor(r, '', 'pods')).toEqual(['get', 'list', 'watch']);
      expect(rulesFor(r, '', 'pods/log')).toEqual(['get']);
      // nothing that could escalate
      const resources = r.rules.flatMap((x: K8sObject) => x.resources);
      for (const forbidden of [
        'namespaces',
        'roles',
        'rolebindings',
        'clusterroles',
        'pods/exec',
        'nodes',
      ]) {
        expect(resources).not.toContain(forbidden);
      }
    });

    it('engine charts create only kinds the portal may manage', async () => {
      const r = role('-store-namespace')!;
      for (const chart of ENGINE_CHARTS) {
        for (const f of VALUES_FILES) {
          for (const o of await rendered(helm, chart, f)) {
            const group = o.apiVersion.includes('/')
              ? o.apiVersion.split('/')[0]
              : '';
            const resource =
              { Ingress: 'ingresses', NetworkPolicy: 'networkpolicies' }[
                o.kind as string
              ] ?? `${o.kind.toLowerCase()}s`;
            expect({
              kind: o.kind,
              verbs: rulesFor(r, group, resource),
            }).toEqual({
              kind: o.kind,
              verbs: expect.arrayContaining(['create', 'patch', 'delete']),
            });
          }
        }
      }
    });

    it('gives the Kubernetes plugin its own read-only identity, with what app-config asks for', () => {
      const r = role('-kubernetes-read')!;
      expect(r).toBeDefined();
      for (const rule of r.rules)
        expect(rule.verbs).toEqual(['get', 'list', 'watch']);
      const resources = r.rules.flatMap((x: K8sObject) => x.resources);
      for (const secret of ['secrets', 'configmaps', 'pods/log']) {
        expect(resources).not.toContain(secret);
      }
      // every object type the plugin fetches (app-config.yaml) is readable, so no tab is refused
      const appConfig = parse(
        fs.readFileSync(path.join(chartsDir, '..', 'app-config.yaml'), 'utf8'),
      );
      const objectTypes: string[] = appConfig.kubernetes.objectTypes;
      expect(objectTypes.length).toBeGreaterThan(0);
      expect(resources).toEqual(expect.arrayContaining(objectTypes));
      const binding = objects.find(
        o =>
          o.kind === 'ClusterRoleBinding' && o.roleRef.name === r.metadata.name,
      )!;
      expect(binding.subjects).toEqual([
        expect.objectContaining({ name: 'stores-portal-kubernetes-viewer' }),
      ]);
    });

    it('binds the lifecycle role to the portal ServiceAccount and fences its writes to store namespaces', () => {
      const sa = objects.find(
        o => o.kind === 'ServiceAccount' && o.metadata.name === 'stores-portal',
      )!;
      const lifecycle = objects.find(
        o =>
          o.kind === 'ClusterRoleBinding' &&
          o.roleRef.name === role('-store-lifecycle')!.metadata.name,
      )!;
      expect(lifecycle.subjects).toEqual([
        {
          kind: 'ServiceAccount',
          name: sa.metadata.name,
          namespace: 'stores-system',
        },
      ]);
      const vap = objects.find(o => o.kind === 'ValidatingAdmissionPolicy')!;
      expect(vap.spec.matchConditions[0].expression).toContain(
        `system:serviceaccount:stores-system:${sa.metadata.name}`,
      );
      const variables = JSON.stringify(vap.spec.variables);
      expect(variables).toContain("startsWith('store-')");
      expect(variables).toContain("'backstage-stores'");
      const binding = objects.find(
        o => o.kind === 'ValidatingAdmissionPolicyBinding',
      )!;
      expect(binding.spec).toMatchObject({
        policyName: vap.metadata.name,
        validationActions: ['Deny'],
      });
    });

    it('configures the stores backend and the Kubernetes plugin with their own identities', () => {
      const cm = objects.find(o => o.kind === 'ConfigMap')!;
      const config = parse(cm.data['app-config.helm.yaml']);
      expect(config.stores.clusters).toEqual([
        {
          name: 'local',
          storeNamespaceRole: role('-store-namespace')!.metadata.name,
        },
      ]);
      const cluster = config.kubernetes.clusterLocatorMethods[0].clusters[0];
      expect(cluster).toMatchObject({
        name: 'local',
        authProvider: 'serviceAccount',
        serviceAccountToken: '${KUBERNETES_VIEWER_TOKEN}',
      });
      const deploy = objects.find(o => o.kind === 'Deployment')!;
      const env = deploy.spec.template.spec.containers[0].env as K8sObject[];
      const token = env.find(e => e.name === 'KUBERNETES_VIEWER_TOKEN');
      const secret = objects.find(
        o => o.metadata.name === token?.valueFrom?.secretKeyRef?.name,
      )!;
      expect(secret).toMatchObject({
        type: 'kubernetes.io/service-account-token',
        metadata: {
          annotations: {
            'kubernetes.io/service-account.name':
              'stores-portal-kubernetes-viewer',
          },
        },
      });
    });

    it('reads the PostgreSQL connection from a Secret', async () => {
      for (const f of VALUES_FILES) {
        const objs = await rendered(helm, 'stores-portal', f);
        const deploy = objs.find(o => o.kind === 'Deployment')!;
        const env = deploy.spec.template.spec.containers[0].env as K8sObject[];
        for (const name of [
          'POSTGRES_HOST',
          'POSTGRES_PORT',
          'POSTGRES_USER',
          'POSTGRES_PASSWORD',
        ]) {
          const e = env.find(x => x.name === name);
          expect({ name, ref: e?.valueFrom?.secretKeyRef?.name }).toEqual({
            name,
            ref: expect.any(String),
          });
        }
      }
    });

    it('refuses to render without a database Secret', async () => {
      const r = await run(helm.path, [
        'template',
        'p',
        chartPath('stores-portal'),
        '--set',
        'postgresql.enabled=false',
      ]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/database\.existingSecret is required/);
    });
  });
});
