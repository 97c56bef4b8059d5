/*
 * Render tests of the stores-portal chart's production settings, with every Helm binary
 * available: the environment the image's config reads, sign-in, stores' domain and TLS, the
 * PodDisruptionBudget, the NetworkPolicies and the replicas. No cluster needed.
 */
import { configVariables } from '@internal/e2e';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import {
  HelmBinary,
  K8sObject,
  generatedSecrets,
  VALUES_FILES,
  chartPath,
  chartsDir,
  helmBinaries,
  parseManifests,
  render,
  run,
  runOk,
} from './lib/helm';

const helms = helmBinaries();
const RELEASE = 'stores-portal';
const NAMESPACE = 'stores-system';
const valuesLabel = (f?: string) => f ?? 'values.yaml (defaults)';

const productionConfig = parse(
  fs.readFileSync(
    path.join(chartsDir, '..', 'app-config.production.yaml'),
    'utf8',
  ),
);

const find = (objects: K8sObject[], kind: string, name?: string) =>
  objects.find(o => o.kind === kind && (!name || o.metadata.name === name));

function backend(objects: K8sObject[]) {
  const deployment = find(objects, 'Deployment')!;
  const pod = deployment.spec.template;
  const container = pod.spec.containers.find(
    (c: K8sObject) => c.name === 'backend',
  );
  return { deployment, pod, container };
}

const envOf = (objects: K8sObject[]) =>
  backend(objects).container.env as K8sObject[];

const helmConfig = (objects: K8sObject[]) =>
  parse(find(objects, 'ConfigMap')!.data['app-config.helm.yaml']);

/** Whether a label selector selects objects with these labels. */
const selects = (
  selector: Record<string, string>,
  labels: Record<string, string>,
) => Object.entries(selector).every(([k, v]) => labels[k] === v);

async function renderWith(
  helm: HelmBinary,
  valuesFile: string | undefined,
  set: string[],
): Promise<K8sObject[]> {
  return render(
    helm,
    'stores-portal',
    valuesFile,
    set.flatMap(s => ['--set', s]),
  );
}

describe.each(helms.map(h => [h.label, h] as const))('%s', (_label, helm) => {
  describe.each(VALUES_FILES.map(f => [valuesLabel(f), f] as const))(
    'stores-portal rendered with %s',
    (_l, valuesFile) => {
      let objects: K8sObject[];
      beforeAll(async () => {
        objects = await render(helm, 'stores-portal', valuesFile);
      }, 120_000);

      it("sets every variable app-config.production.yaml and the chart's app-config read", () => {
        const needed = [
          ...configVariables(productionConfig),
          ...configVariables(helmConfig(objects)),
        ];
        // the production config reads the base domain, the sign-in and the database at least
        expect(needed).toEqual(
          expect.arrayContaining([
            'STORES_BASE_DOMAIN',
            'AUTH_OIDC_METADATA_URL',
            'AUTH_OIDC_CLIENT_ID',
            'AUTH_OIDC_CLIENT_SECRET',
            'POSTGRES_HOST',
            'POSTGRES_PASSWORD',
          ]),
        );
        const set = new Set(envOf(objects).map(e => e.name));
        expect(needed.filter(v => !set.has(v))).toEqual([]);
        expect(envOf(objects)).toContainEqual({
          name: 'NODE_ENV',
          value: 'production',
        });
      });

      it('probes the backend on Backstage health endpoints of its HTTP port', () => {
        const { container } = backend(objects);
        expect(container.ports).toContainEqual(
          expect.objectContaining({ name: 'http', containerPort: 7007 }),
        );
        expect(container.readinessProbe.httpGet).toEqual({
          path: '/.backstage/health/v1/readiness',
          port: 'http',
        });
        expect(container.livenessProbe.httpGet).toEqual({
          path: '/.backstage/health/v1/liveness',
          port: 'http',
        });
        expect(container.resources.requests).toBeDefined();
        expect(container.resources.limits).toBeDefined();
      });

      it('keeps some backends up through voluntary disruptions without blocking a drain', () => {
        const { deployment, pod } = backend(objects);
        const pdb = find(objects, 'PodDisruptionBudget')!;
        expect(pdb).toBeDefined();
        expect(
          selects(pdb.spec.selector.matchLabels, pod.metadata.labels),
        ).toBe(true);
        // the budget never selects the bundled PostgreSQL
        const others = objects
          .filter(o => o.kind === 'StatefulSet')
          .filter(o =>
            selects(
              pdb.spec.selector.matchLabels,
              o.spec.template.metadata.labels,
            ),
          );
        expect(others).toEqual([]);
        // at least one may go (a drain can proceed), and with several replicas one stays
        const replicas: number = deployment.spec.replicas;
        expect(pdb.spec.maxUnavailable).toBeGreaterThanOrEqual(1);
        expect(pdb.spec.minAvailable).toBeUndefined();
        expect(replicas - pdb.spec.maxUnavailable).toBeGreaterThanOrEqual(
          replicas > 1 ? 1 : 0,
        );
        // several replicas spread over nodes
        const spread = (pod.spec.topologySpreadConstraints ?? []).filter(
          (c: K8sObject) =>
            c.topologyKey === 'kubernetes.io/hostname' &&
            selects(c.labelSelector.matchLabels, pod.metadata.labels),
        );
        expect(spread).toHaveLength(replicas > 1 ? 1 : 0);
      });

      it('lets only the ingress controller reach the portal', () => {
        const { pod, container } = backend(objects);
        const policies = objects.filter(o => o.kind === 'NetworkPolicy');
        const portalPolicy = policies.find(p =>
          selects(p.spec.podSelector.matchLabels, pod.metadata.labels),
        )!;
        expect(portalPolicy).toBeDefined();
        expect(portalPolicy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
        // one ingress rule: the ingress controller's namespace, on the container's HTTP port
        expect(portalPolicy.spec.ingress).toEqual([
          {
            from: [
              {
                namespaceSelector: {
                  matchLabels: {
                    'kubernetes.io/metadata.name': 'ingress-nginx',
                  },
                },
              },
            ],
            ports: [
              { protocol: 'TCP', port: container.ports[0].containerPort },
            ],
          },
        ]);
        // DNS, and the Kubernetes API among the allowed destinations
        const egressPorts = portalPolicy.spec.egress.flatMap(
          (r: K8sObject) => r.ports ?? [],
        );
        expect(egressPorts).toEqual(
          expect.arrayContaining([
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 443 },
            { protocol: 'TCP', port: 6443 },
          ]),
        );
      });

      it('takes the OIDC client secret and the session secret from Secrets', () => {
        const env = envOf(objects);
        for (const name of ['AUTH_OIDC_CLIENT_SECRET', 'AUTH_SESSION_SECRET']) {
          expect({
            name,
            ref: env.find(e => e.name === name)?.valueFrom?.secretKeyRef,
          }).toEqual({
            name,
            ref: { name: expect.any(String), key: expect.any(String) },
          });
        }
        // the session secret is generated, kept across upgrades and out of the NOTES
        const session = env.find(e => e.name === 'AUTH_SESSION_SECRET')!
          .valueFrom.secretKeyRef;
        const secret = find(objects, 'Secret', session.name)!;
        expect(secret.metadata.annotations['helm.sh/resource-policy']).toBe(
          'keep',
        );
        expect(
          Buffer.from(secret.data[session.key], 'base64').toString().length,
        ).toBeGreaterThanOrEqual(32);
      });
    },
  );

  describe('stores-portal settings', () => {
    const env = async (valuesFile: string | undefined, set: string[] = []) =>
      Object.fromEntries(
        envOf(await renderWith(helm, valuesFile, set)).map(e => [
          e.name,
          e.value ?? e.valueFrom,
        ]),
      );

    it('serves stores at the stores base domain, by default the ingress base domain', async () => {
      expect((await env(undefined)).STORES_BASE_DOMAIN).toBe(
        '127.0.0.1.nip.io',
      );
      expect(
        (await env(undefined, ['ingress.baseDomain=apps.example.org']))
          .STORES_BASE_DOMAIN,
      ).toBe('apps.example.org');
      expect((await env('values-prod.yaml')).STORES_BASE_DOMAIN).toBe(
        'stores.example.com',
      );
    });

    it('tells the stores backend whether stores are served over HTTPS', async () => {
      for (const [file, tls] of [
        [undefined, false],
        ['values-local.yaml', false],
        ['values-prod.yaml', true],
      ] as const) {
        const config = helmConfig(await renderWith(helm, file, []));
        expect({ file, tls: config.stores.tls }).toEqual({ file, tls });
      }
    });

    it('passes the OIDC provider and client, and the client secret by reference', async () => {
      const e = await env(undefined, [
        'auth.oidc.metadataUrl=https://sso.example.org/.well-known/openid-configuration',
        'auth.oidc.clientId=portal',
        'auth.oidc.clientSecret.existingSecret=idp-client',
        'auth.oidc.clientSecret.key=secret',
      ]);
      expect(e.AUTH_OIDC_METADATA_URL).toBe(
        'https://sso.example.org/.well-known/openid-configuration',
      );
      expect(e.AUTH_OIDC_CLIENT_ID).toBe('portal');
      expect(e.AUTH_OIDC_CLIENT_SECRET).toEqual({
        secretKeyRef: { name: 'idp-client', key: 'secret' },
      });
      expect((await env(undefined)).AUTH_OIDC_CLIENT_SECRET).toEqual({
        secretKeyRef: { name: `${RELEASE}-oidc`, key: 'clientSecret' },
      });
    });

    it('uses an existing session Secret instead of generating one', async () => {
      const objects = await renderWith(helm, undefined, [
        'auth.session.existingSecret=my-session',
      ]);
      expect(
        envOf(objects).find(e => e.name === 'AUTH_SESSION_SECRET'),
      ).toEqual({
        name: 'AUTH_SESSION_SECRET',
        valueFrom: {
          secretKeyRef: { name: 'my-session', key: 'AUTH_SESSION_SECRET' },
        },
      });
      expect(find(objects, 'Secret', `${RELEASE}-auth`)).toBeUndefined();
    });

    it('lets only the portal reach the bundled PostgreSQL, which reaches nothing', async () => {
      const objects = await renderWith(helm, undefined, []);
      const { pod } = backend(objects);
      const statefulSet = find(objects, 'StatefulSet')!;
      const pgLabels = statefulSet.spec.template.metadata.labels;
      const policies = objects.filter(o => o.kind === 'NetworkPolicy');
      const pgPolicy = policies.find(p =>
        selects(p.spec.podSelector.matchLabels, pgLabels),
      )!;
      expect(pgPolicy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(pgPolicy.spec.egress).toEqual([]);
      expect(pgPolicy.spec.ingress).toHaveLength(1);
      const [rule] = pgPolicy.spec.ingress;
      expect(rule.ports).toEqual([{ protocol: 'TCP', port: 5432 }]);
      expect(rule.from).toHaveLength(1);
      expect(rule.from[0].namespaceSelector).toBeUndefined();
      expect(
        selects(rule.from[0].podSelector.matchLabels, pod.metadata.labels),
      ).toBe(true);
      // and the portal may reach it
      const portalPolicy = policies.find(p =>
        selects(p.spec.podSelector.matchLabels, pod.metadata.labels),
      )!;
      const toPostgres = portalPolicy.spec.egress.filter(
        (r: K8sObject) =>
          r.to?.some(
            (peer: K8sObject) =>
              peer.podSelector &&
              selects(peer.podSelector.matchLabels, pgLabels),
          ) && r.ports?.some((p: K8sObject) => p.port === 5432),
      );
      expect(toPostgres).toHaveLength(1);
      // with an external database there is no bundled PostgreSQL to fence
      const prod = await renderWith(helm, 'values-prod.yaml', []);
      expect(prod.filter(o => o.kind === 'NetworkPolicy')).toHaveLength(1);
      expect(find(prod, 'StatefulSet')).toBeUndefined();
    });

    it('installs stores as the production config does: TLS from the one wildcard certificate, none per store', async () => {
      const engines = productionConfig.stores.engines as Record<
        string,
        { chart: string; valuesFiles: string[] }
      >;
      const root = path.join(chartsDir, '..');
      for (const [engine, e] of Object.entries(engines)) {
        const objects = parseManifests(
          await runOk(helm.path, [
            'template',
            'demo',
            path.join(root, e.chart),
            '--namespace',
            'store-demo',
            ...e.valuesFiles.flatMap(f => ['-f', path.join(root, f)]),
            // what the stores backend passes (engineModules.ts) with stores.tls
            '--set',
            'store.name=demo',
            '--set',
            'ingress.baseDomain=stores.example.com',
            '--set',
            'ingress.tls.enabled=true',
          ]),
        );
        const ingresses = objects.filter(o => o.kind === 'Ingress');
        expect({ engine, ingresses: ingresses.length > 0 }).toEqual({
          engine,
          ingresses: true,
        });
        for (const ingress of ingresses) {
          const certManager = Object.keys(
            ingress.metadata.annotations ?? {},
          ).filter(k => k.startsWith('cert-manager.io/'));
          expect({ engine, certManager }).toEqual({ engine, certManager: [] });
          expect(ingress.spec.tls[0].hosts).toEqual(
            ingress.spec.rules.map((r: K8sObject) => r.host),
          );
        }
      }
    });

    it('runs two replicas in production', async () => {
      const objects = await renderWith(helm, 'values-prod.yaml', []);
      expect(backend(objects).deployment.spec.replicas).toBe(2);
    });

    it('renders no PodDisruptionBudget or NetworkPolicy when they are turned off', async () => {
      const objects = await renderWith(helm, undefined, [
        'podDisruptionBudget.enabled=false',
        'networkPolicy.enabled=false',
      ]);
      expect(find(objects, 'PodDisruptionBudget')).toBeUndefined();
      expect(find(objects, 'NetworkPolicy')).toBeUndefined();
    });

    it('refuses a metadata URL that is not http(s)', async () => {
      const r = await renderWith(helm, undefined, [
        'auth.oidc.metadataUrl=file:///etc/passwd',
      ]).catch((e: Error) => e);
      expect(String(r)).toMatch(/metadataUrl/);
    });
  });
});

describe.each(helms.filter(h => h.major >= 4).map(h => [h.label, h] as const))(
  '%s: stores-portal NOTES',
  (_label, helm) => {
    // Helm 3's client-side dry run still contacts a cluster; the install tests cover NOTES there
    it('NOTES give the redirect URI to register and the next steps, and say when sign-in is not configured', async () => {
      /** NOTES and the manifests of one dry-run install (the session secret is random per render) */
      const install = async (values: string[]) => {
        const r = await run(
          helm.path,
          [
            'install',
            RELEASE,
            chartPath('stores-portal'),
            '--namespace',
            NAMESPACE,
            '--dry-run=client',
            ...values.flatMap(v => [
              '-f',
              path.join(chartPath('stores-portal'), v),
            ]),
          ],
          // no cluster: lookup finds nothing, as at a first install
          {
            env: {
              KUBECONFIG: path.join(
                chartPath('stores-portal'),
                'no-such-kubeconfig',
              ),
            },
          },
        );
        expect(r.stderr).toBe('');
        const out = r.stdout;
        const notesAt = out.indexOf('\nNOTES:');
        return {
          notes: out.slice(notesAt),
          objects: parseManifests(
            out.slice(out.indexOf('\nMANIFEST:') + 10, notesAt),
          ),
        };
      };
      const prod = (await install(['values-prod.yaml'])).notes;
      expect(prod).toContain(
        'https://portal.example.com/api/auth/oidc/handler/frame',
      );
      expect(prod).toContain(
        `kubectl -n ${NAMESPACE} create secret generic stores-portal-oidc`,
      );
      expect(prod).toContain('*.stores.example.com');
      expect(prod).toMatch(/wildcard certificate/);
      expect(prod).not.toMatch(/SIGN-IN IS NOT CONFIGURED/);
      const defaults = await install([]);
      expect(defaults.notes).toMatch(/SIGN-IN IS NOT CONFIGURED/);
      expect(defaults.notes).not.toMatch(/wildcard certificate/);
      // no generated secret is printed
      const generated = [...generatedSecrets(defaults.objects).values()];
      expect(generated.length).toBeGreaterThan(0);
      for (const value of generated)
        expect(defaults.notes).not.toContain(value);
    });
  },
);
