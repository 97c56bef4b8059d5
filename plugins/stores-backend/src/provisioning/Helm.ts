import execa, { ExecaError } from 'execa';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** helm failed; `output` is what it printed, kept for the store's timeline. */
export class HelmError extends Error {
  name = 'HelmError';
  constructor(message: string, readonly output: string) {
    super(message);
  }
}

/**
 * The only variables helm inherits from the backend: where to keep its cache and
 * config, how to reach a chart repository, and (in a pod) where the API server is.
 * Everything else stays behind, the backend's database password first of all.
 */
const HELM_ENV_ALLOWED = [
  'PATH',
  'HOME',
  'TMPDIR',
  'XDG_CACHE_HOME',
  'XDG_CONFIG_HOME',
  'XDG_DATA_HOME',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'KUBERNETES_SERVICE_HOST',
  'KUBERNETES_SERVICE_PORT',
];

/** The environment of a helm process, built from an allow list. */
export function helmEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    // HELM_* set by the operator (cache, registry config), but no HELM_KUBE*: helm
    // gets the store cluster's credentials through --kubeconfig or the pod, only.
    const helmSetting = key.startsWith('HELM_') && !key.startsWith('HELM_KUBE');
    if (HELM_ENV_ALLOWED.includes(key) || helmSetting) result[key] = value;
  }
  result.HELM_NO_PLUGINS = '1';
  return result;
}

/** Release, chart and values, the same for install and render; the store's own values come last. */
function chartArgs(
  call: { release: string; namespace: string; source: ChartSource },
  valuesFile: string,
): string[] {
  const { source } = call;
  return [
    call.release,
    source.chart,
    '--namespace',
    call.namespace,
    ...(source.version ? ['--version', source.version] : []),
    ...source.valuesFiles.flatMap(f => ['--values', f]),
    '--values',
    valuesFile,
  ];
}

/** What a chart is installed from and with. */
export interface ChartSource {
  chart: string;
  version?: string;
  valuesFiles: string[];
}

interface HelmCall {
  /** Absent in a pod: helm then uses the pod's ServiceAccount. */
  kubeconfig: string | undefined;
  signal?: AbortSignal;
}

/**
 * The helm CLI. Store values go to a values file in a private temp dir, never
 * through `--set`, so no user string is parsed by helm's `--set` syntax. Works
 * with Helm 3 and Helm 4.
 */
export class Helm {
  constructor(
    private readonly options: { binary: string; timeoutMs: number },
  ) {}

  /** Installs or upgrades a release and returns the chart version installed. */
  async upgradeInstall(
    call: HelmCall & {
      release: string;
      namespace: string;
      source: ChartSource;
      values: Record<string, unknown>;
    },
  ): Promise<{ chartVersion?: string; output: string }> {
    return this.withValuesFile(call.values, async valuesFile => {
      const stdout = await this.runWithTimeout(
        [
          'upgrade',
          '--install',
          ...chartArgs(call, valuesFile),
          '--output',
          'json',
        ],
        call,
      );
      let chartVersion: string | undefined;
      try {
        chartVersion = JSON.parse(stdout)?.chart?.metadata?.version;
      } catch {
        // helm printed warnings before the JSON; the version is only informative
      }
      return { chartVersion, output: stdout };
    });
  }

  /** Renders a chart without installing it, for dry runs. */
  async template(
    call: Omit<HelmCall, 'kubeconfig'> & {
      release: string;
      namespace: string;
      source: ChartSource;
      values: Record<string, unknown>;
    },
  ): Promise<string> {
    return this.withValuesFile(call.values, valuesFile =>
      this.run(
        ['template', ...chartArgs(call, valuesFile)],
        { signal: call.signal },
        120_000,
      ),
    );
  }

  /** Uninstalls a release; a release that does not exist is already gone. */
  async uninstall(
    call: HelmCall & { release: string; namespace: string },
  ): Promise<{ output: string; existed: boolean }> {
    try {
      const output = await this.runWithTimeout(
        ['uninstall', call.release, '--namespace', call.namespace],
        call,
      );
      return { output, existed: true };
    } catch (error) {
      if (error instanceof HelmError && /not found/i.test(error.output)) {
        return { output: error.output, existed: false };
      }
      throw error;
    }
  }

  /** Rolls a release back to its previous revision, ending a pending upgrade or rollback. */
  async rollback(
    call: HelmCall & { release: string; namespace: string },
  ): Promise<{ output: string }> {
    const output = await this.runWithTimeout(
      ['rollback', call.release, '--namespace', call.namespace],
      call,
    );
    return { output };
  }

  /**
   * Runs a helm command that waits for the cluster, with the configured timeout.
   * The process gets 30s more, so that helm reports its own timeout.
   */
  private runWithTimeout(args: string[], call: HelmCall): Promise<string> {
    return this.run(
      [...args, '--timeout', `${Math.ceil(this.options.timeoutMs / 1000)}s`],
      call,
      this.options.timeoutMs + 30_000,
    );
  }

  private async withValuesFile<T>(
    values: Record<string, unknown>,
    fn: (file: string) => Promise<T>,
  ): Promise<T> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'stores-helm-'));
    try {
      const file = path.join(dir, 'values.json'); // JSON is YAML, helm reads it as is
      await fs.writeFile(file, JSON.stringify(values), { mode: 0o600 });
      return await fn(file);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  private async run(
    args: string[],
    call: { kubeconfig?: string; signal?: AbortSignal },
    timeoutMs: number,
  ): Promise<string> {
    const fullArgs = call.kubeconfig
      ? [...args, '--kubeconfig', call.kubeconfig]
      : args;
    const child = execa(this.options.binary, fullArgs, {
      timeout: timeoutMs,
      all: true,
      env: helmEnvironment(),
      extendEnv: false,
    });
    const cancel = () => child.cancel();
    call.signal?.addEventListener('abort', cancel, { once: true });
    if (call.signal?.aborted) cancel();
    try {
      const result = await child;
      return result.stdout;
    } catch (error) {
      const e = error as ExecaError;
      const output = String(e.all ?? e.stderr ?? e.message ?? '').trim();
      const what = `helm ${args[0]}`;
      if (e.isCanceled) throw new HelmError(`${what} was cancelled`, output);
      if (e.timedOut) {
        throw new HelmError(
          `${what} took longer than ${timeoutMs / 1000}s`,
          output,
        );
      }
      if ((e as { code?: string }).code === 'ENOENT') {
        throw new HelmError(
          `The helm binary '${this.options.binary}' was not found; set stores.helm.binary`,
          output,
        );
      }
      const lastLine =
        output.split('\n').filter(Boolean).pop() ?? e.shortMessage;
      throw new HelmError(`${what} failed: ${lastLine}`, output);
    } finally {
      call.signal?.removeEventListener('abort', cancel);
    }
  }
}
