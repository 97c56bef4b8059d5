import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ClusterHealth } from './ClusterHealth';
import { ClusterRegistry } from './registries';
import { StoreCluster } from './StoreCluster';

/** The real client-node against no server at all: how a newcomer's portal used to fail. */
describe('ClusterHealth', () => {
  const env = { ...process.env };
  let home: string;
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'stores-health-'));
  });
  afterEach(() => {
    process.env = { ...env };
    fs.rmSync(home, { recursive: true, force: true });
  });

  async function healthOf(settings: Parameters<typeof StoreCluster.create>[0]) {
    const cluster = await StoreCluster.create(settings);
    const registry = new ClusterRegistry([cluster]);
    return { health: new ClusterHealth(registry), registry };
  }

  it('says that no cluster is configured when there is no kubeconfig either, instead of an HTTP protocol error', async () => {
    delete process.env.KUBECONFIG;
    process.env.HOME = home;
    const { health, registry } = await healthOf({
      name: 'local',
      baseDomain: 'example.test',
      tls: false,
    });
    const [status] = await health.checkAll();
    expect(status).toMatchObject({ name: 'local', reachable: false });
    expect(status.message).toMatch(
      /^No cluster for stores: stores\.clusters is not configured and no kubeconfig was found .* the cluster 'local' has no API server .*start the portal with scripts\/start/,
    );
    expect(status.message).not.toMatch(/HTTP protocol/);
    await expect(health.assertReachable('local')).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
      message: status.message,
    });
    await registry.close();
  });

  it('names the cluster, its URL and the refused connection', async () => {
    // a port that was free a moment ago: nothing listens on it
    const port = await new Promise<number>(resolve => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const { health, registry } = await healthOf({
      name: 'testbed',
      url: `https://127.0.0.1:${port}`,
      serviceAccountToken: 'token',
      baseDomain: 'example.test',
      tls: false,
    });
    const [status] = await health.checkAll();
    expect(status.reachable).toBe(false);
    expect(status.message).toMatch(
      new RegExp(
        `^The cluster 'testbed' \\(https://127\\.0\\.0\\.1:${port}\\) cannot be reached: .*ECONNREFUSED.*scripts/start`,
      ),
    );
    await registry.close();
  });

  it('explains an http:// URL instead of passing on client-node words', async () => {
    const { health, registry } = await healthOf({
      name: 'plain',
      url: 'http://127.0.0.1:8080',
      serviceAccountToken: 'token',
      baseDomain: 'example.test',
      tls: false,
    });
    const [status] = await health.checkAll();
    expect(status.message).toContain(
      "The cluster 'plain' (http://127.0.0.1:8080) cannot be reached: the URL uses http://, and the stores backend only talks to an API server over https.",
    );
    await registry.close();
  });
});
