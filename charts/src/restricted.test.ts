/*
 * Every pod the engine charts create must be admitted in a store namespace, which the stores
 * backend labels pod-security.kubernetes.io/enforce=restricted, and no container may carry a
 * secret on a command line. Render tests (no cluster): a template that forgets a field fails
 * here with its name; install.test.ts proves the same against the real admission plugin.
 */
import { commandLineLeaks, commandLines } from './lib/commandLines';
import {
  ENGINE_CHARTS,
  K8sObject,
  VALUES_FILES,
  describeObject,
  generatedSecrets,
  helmBinaries,
  podTemplates,
  render,
} from './lib/helm';
import { restrictedViolations } from './lib/podSecurity';

const helms = helmBinaries();
const valuesLabel = (f?: string) => f ?? 'values.yaml (defaults)';

describe.each(helms.map(h => [h.label, h] as const))('%s', (_label, helm) => {
  describe.each(ENGINE_CHARTS.map(c => [c] as const))('%s', chart => {
    describe.each(VALUES_FILES.map(f => [valuesLabel(f), f] as const))(
      'rendered with %s',
      (_l, valuesFile) => {
        let objects: K8sObject[];
        beforeAll(async () => {
          objects = await render(helm, chart, valuesFile);
        }, 120_000);

        it('runs every pod under the restricted Pod Security profile', () => {
          const pods = podTemplates(objects);
          expect(pods.length).toBeGreaterThan(1);
          const violations = pods.flatMap(({ owner, metadata, spec }) =>
            restrictedViolations(spec, metadata).map(
              v => `${describeObject(owner)} ${v}`,
            ),
          );
          expect(violations).toEqual([]);
        });

        it('runs every pod with fixed non-root ids and a read-only root where the image allows', () => {
          for (const { owner, spec } of podTemplates(objects)) {
            const where = describeObject(owner);
            const psc = spec.securityContext ?? {};
            for (const id of ['runAsUser', 'runAsGroup', 'fsGroup']) {
              expect({ where, id, value: psc[id] }).toEqual({
                where,
                id,
                value: expect.any(Number),
              });
              expect(psc[id]).toBeGreaterThan(0);
            }
          }
          // only the Medusa server's own containers may write to their image (uploads)
          const writable = podTemplates(objects).flatMap(({ owner, spec }) =>
            [...(spec.initContainers ?? []), ...spec.containers]
              .filter(
                (c: K8sObject) =>
                  c.securityContext?.readOnlyRootFilesystem !== true,
              )
              .map((c: K8sObject) => `${describeObject(owner)}/${c.name}`),
          );
          expect(writable).toEqual(
            chart === 'medusa-store'
              ? ['Deployment/demo-medusa/medusa', 'Job/demo-migrate-r1/migrate']
              : [],
          );
        });

        it('puts no secret on any command line', () => {
          const secrets = generatedSecrets(objects);
          expect(secrets.size).toBeGreaterThan(0);
          const pods = podTemplates(objects);
          expect(
            pods.flatMap(p => commandLines(p.spec)).length,
          ).toBeGreaterThan(0);
          const leaks = pods.flatMap(({ owner, spec }) =>
            commandLineLeaks(spec, secrets.values()).map(
              l => `${describeObject(owner)} ${l}`,
            ),
          );
          expect(leaks).toEqual([]);
        });
      },
    );

    it('catches a pod that breaks the rules (the checks can fail)', async () => {
      const objects = await render(helm, chart, 'values-local.yaml');
      const secrets = [...generatedSecrets(objects).values()];
      const pod = podTemplates(objects)[0];
      const fresh = () => JSON.parse(JSON.stringify(pod.spec)) as K8sObject;

      const privileged = fresh();
      privileged.containers[0].securityContext.privileged = true;
      delete privileged.containers[0].securityContext.capabilities;
      privileged.securityContext.runAsUser = 0;
      privileged.volumes = [
        ...(privileged.volumes ?? []),
        { name: 'host', hostPath: { path: '/' } },
      ];
      expect(restrictedViolations(privileged)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/privileged/),
          expect.stringMatching(/drop ALL/),
          expect.stringMatching(/runAsUser 0/),
          expect.stringMatching(/volume host/),
        ]),
      );
      const noSeccomp = fresh();
      delete noSeccomp.securityContext.seccompProfile;
      for (const c of noSeccomp.containers)
        delete c.securityContext.seccompProfile;
      expect(restrictedViolations(noSeccomp)).toEqual(
        expect.arrayContaining([expect.stringMatching(/seccompProfile/)]),
      );

      const leaky = fresh();
      const secretVar = leaky.containers
        .flatMap((c: K8sObject) => c.env ?? [])
        .find((e: K8sObject) => e.valueFrom?.secretKeyRef)?.name;
      expect(secretVar).toBeDefined();
      leaky.containers[0].args = [`--password=$(${secretVar})`];
      leaky.containers[0].command = ['sh', '-c', `client -p"$${secretVar}"`];
      expect(commandLineLeaks(leaky, [])).toEqual([
        expect.stringMatching(/expands \$\w+ into an argument/),
        expect.stringMatching(/expanded into the argv/),
      ]);
      const literal = fresh();
      literal.containers[0].args = [`--password=${secrets[0]}`];
      expect(commandLineLeaks(literal, secrets)).toEqual([
        expect.stringMatching(/generated secret value/),
      ]);
    }, 120_000);
  });
});
