/*
 * Shared helpers of the chart tests: finding Helm binaries, running Helm, parsing and walking
 * rendered manifests.
 */
import { runOk } from '@internal/testbed';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

// tests run from source (jest), so __dirname is charts/src/lib
// eslint-disable-next-line no-restricted-syntax
export const chartsDir = path.resolve(__dirname, '..', '..');

export const ENGINE_CHARTS = ['woocommerce-store', 'medusa-store'] as const;
export const ALL_CHARTS = [...ENGINE_CHARTS, 'stores-portal'] as const;
export type ChartName = (typeof ALL_CHARTS)[number];

/** values files of every chart: the defaults alone, then each environment */
export const VALUES_FILES = [
  undefined,
  'values-local.yaml',
  'values-prod.yaml',
] as const;

export const chartPath = (chart: ChartName) => path.join(chartsDir, chart);

export interface HelmBinary {
  /** e.g. "helm v3.17.2" */
  label: string;
  path: string;
  major: number;
}

function repoRoot(): string {
  return path.resolve(chartsDir, '..');
}

function versionOf(bin: string): string | undefined {
  try {
    return execFileSync(bin, ['version', '--template', '{{.Version}}'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 30_000,
    }).trim();
  } catch {
    return undefined;
  }
}

/**
 * The Helm binaries to test with: STORES_TESTBED_HELM4 and STORES_TESTBED_HELM3 (the test bed's),
 * HELM_BIN, the test bed's state file when it has been started, else `helm` on PATH.
 * Duplicates (same version) are dropped.
 */
export function helmBinaries(): HelmBinary[] {
  const candidates = [
    process.env.STORES_TESTBED_HELM4,
    process.env.STORES_TESTBED_HELM3,
    process.env.HELM_BIN,
  ].filter((p): p is string => Boolean(p));
  if (candidates.length === 0) {
    const state = path.join(
      process.env.STORES_TESTBED_STATE_DIR ?? path.join(repoRoot(), '.testbed'),
      'testbed.json',
    );
    try {
      const s = JSON.parse(fs.readFileSync(state, 'utf8'));
      candidates.push(
        ...[s.binaries?.helm4, s.binaries?.helm3].filter(
          (p: unknown): p is string =>
            typeof p === 'string' && fs.existsSync(p),
        ),
      );
    } catch {
      // no test bed state
    }
  }
  if (candidates.length === 0) candidates.push('helm');

  const seen = new Set<string>();
  const found: HelmBinary[] = [];
  for (const bin of candidates) {
    const version = versionOf(bin);
    if (!version || seen.has(version)) continue;
    seen.add(version);
    found.push({
      label: `helm ${version}`,
      path: bin,
      major: Number(version.replace(/^v/, '').split('.')[0]),
    });
  }
  if (found.length === 0) {
    throw new Error(
      `no usable helm binary (tried ${candidates.join(
        ', ',
      )}): set HELM_BIN or STORES_TESTBED_HELM4/STORES_TESTBED_HELM3, or put helm on PATH`,
    );
  }
  return found;
}

// Running programs is the test bed's helper; the chart tests use the same.
export { run, runOk } from '@internal/testbed';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type K8sObject = Record<string, any>;

export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map(doc => {
      if (doc.errors.length > 0) {
        throw new Error(`invalid YAML in rendered output: ${doc.errors[0]}`);
      }
      return doc.toJS();
    })
    .filter((o): o is K8sObject => Boolean(o && typeof o === 'object'));
}

/** Arguments every engine render needs: the store name the stores backend always passes. */
export const STORE = 'demo';
export const storeArgs = (chart: ChartName, store = STORE): string[] =>
  chart === 'stores-portal' ? [] : ['--set', `store.name=${store}`];

export function valuesArgs(chart: ChartName, valuesFile?: string): string[] {
  return valuesFile ? ['-f', path.join(chartPath(chart), valuesFile)] : [];
}

/** `helm template` of a chart as release `demo` in namespace store-demo (or stores-system). */
export async function render(
  helm: HelmBinary,
  chart: ChartName,
  valuesFile?: string,
  extra: string[] = [],
): Promise<K8sObject[]> {
  const namespace =
    chart === 'stores-portal' ? 'stores-system' : `store-${STORE}`;
  const out = await runOk(helm.path, [
    'template',
    chart === 'stores-portal' ? 'stores-portal' : STORE,
    chartPath(chart),
    '--namespace',
    namespace,
    ...valuesArgs(chart, valuesFile),
    ...storeArgs(chart),
    ...extra,
  ]);
  return parseManifests(out);
}

/** A pod spec and where it came from, for every workload in a manifest list. */
export interface PodTemplate {
  owner: K8sObject;
  metadata: K8sObject;
  spec: K8sObject;
}

export function podTemplates(objects: K8sObject[]): PodTemplate[] {
  const result: PodTemplate[] = [];
  for (const o of objects) {
    if (o.kind === 'Pod') {
      result.push({ owner: o, metadata: o.metadata ?? {}, spec: o.spec });
    } else if (o.kind === 'CronJob') {
      const t = o.spec.jobTemplate.spec.template;
      result.push({ owner: o, metadata: t.metadata ?? {}, spec: t.spec });
    } else if (o.spec?.template?.spec?.containers) {
      const t = o.spec.template;
      result.push({ owner: o, metadata: t.metadata ?? {}, spec: t.spec });
    }
  }
  return result;
}

export const isJob = (o: K8sObject) => o.kind === 'Job' || o.kind === 'CronJob';

export const describeObject = (o: K8sObject) => `${o.kind}/${o.metadata?.name}`;

/** Walks a parsed YAML/JSON value, calling fn with each key path and value. */
export function walk(
  value: unknown,
  fn: (keyPath: string[], v: unknown) => void,
  keyPath: string[] = [],
): void {
  fn(keyPath, value);
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, fn, [...keyPath, String(i)]));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) walk(v, fn, [...keyPath, k]);
  }
}

/** Names of environment variables that carry secrets and must come from a Secret. */
export const SECRET_ENV = /(PASSWORD|SECRET|TOKEN|_KEY|_SALT|AUTH)$/i;
/** Keys of generated Secret data that are secrets (not user names, hosts or URLs). */
export const SECRET_DATA_KEY = /(password|secret|key|salt|token)/i;

/** decoded values of the secret-like keys (SECRET_DATA_KEY) of every Secret, by Secret/key */
export function generatedSecrets(objects: K8sObject[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const o of objects.filter(x => x.kind === 'Secret')) {
    for (const [k, v] of Object.entries<string>(o.data ?? {})) {
      if (SECRET_DATA_KEY.test(k)) {
        out.set(
          `${o.metadata.name}/${k}`,
          Buffer.from(v, 'base64').toString('utf8'),
        );
      }
    }
    for (const [k, v] of Object.entries<string>(o.stringData ?? {})) {
      if (SECRET_DATA_KEY.test(k)) out.set(`${o.metadata.name}/${k}`, v);
    }
  }
  return out;
}
