import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Helm, helmEnvironment } from './Helm';

describe('helmEnvironment', () => {
  it('passes what helm needs and nothing of the backend', () => {
    const env = helmEnvironment({
      PATH: '/usr/bin',
      HOME: '/home/backstage',
      HTTPS_PROXY: 'http://proxy:3128',
      KUBERNETES_SERVICE_HOST: '10.0.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      HELM_CACHE_HOME: '/tmp/helm',
      POSTGRES_PASSWORD: 'db-secret',
      BACKEND_SECRET: 'backend-secret',
      AUTH_OIDC_CLIENT_SECRET: 'oidc-secret',
      KUBECONFIG: '/home/backstage/.kube/config',
      HELM_KUBETOKEN: 'someone-elses-token',
      HELM_KUBECONTEXT: 'admin',
      HELM_NO_PLUGINS: '0',
    });
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/backstage',
      HTTPS_PROXY: 'http://proxy:3128',
      KUBERNETES_SERVICE_HOST: '10.0.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      HELM_CACHE_HOME: '/tmp/helm',
      HELM_NO_PLUGINS: '1',
    });
  });
});

describe('Helm', () => {
  let dir: string;
  const saved = { ...process.env };

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'helm-env-test-'));
  });
  afterEach(async () => {
    process.env = { ...saved };
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('runs helm without the backend environment', async () => {
    // A program in helm's place that records the environment it was given.
    const binary = path.join(dir, 'helm');
    const seen = path.join(dir, 'env.txt');
    await fs.writeFile(binary, `#!/bin/sh\nenv > '${seen}'\n`, { mode: 0o755 });
    process.env.POSTGRES_PASSWORD = 'db-secret-value';
    process.env.KUBECONFIG = '/somewhere/admin.kubeconfig';

    await new Helm({ binary, timeoutMs: 10_000 }).uninstall({
      release: 'shop',
      namespace: 'store-shop',
      kubeconfig: path.join(dir, 'store-cluster.kubeconfig'),
    });

    const env = await fs.readFile(seen, 'utf8');
    expect(env).toContain('HELM_NO_PLUGINS=1');
    expect(env).not.toContain('db-secret-value');
    expect(env).not.toContain('admin.kubeconfig');
  });
});
