import net from 'node:net';
import { StoreCluster } from './StoreCluster';

describe('StoreCluster', () => {
  it('gives up on an API server that accepts connections but never answers', async () => {
    // a hung API server: the TCP connection opens, nothing ever comes back
    const sockets: net.Socket[] = [];
    const server = net.createServer(socket => sockets.push(socket));
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const cluster = await StoreCluster.create(
      {
        name: 'hung',
        url: `https://127.0.0.1:${port}`,
        serviceAccountToken: 'token',
        baseDomain: 'example.test',
        tls: false,
      },
      { requestTimeoutMs: 300 },
    );
    try {
      const started = Date.now();
      await expect(cluster.readNamespace('store-shop')).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await cluster.close();
      sockets.forEach(s => s.destroy());
      server.close();
    }
  });
});
