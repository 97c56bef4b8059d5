import { startTestBackend } from '@backstage/backend-test-utils';
import request from 'supertest';
import { storesPlugin } from './plugin';

describe('storesPlugin', () => {
  it('answers its health route without credentials', async () => {
    const { server } = await startTestBackend({ features: [storesPlugin] });
    await request(server)
      .get('/api/stores/health')
      .expect(200, { status: 'ok' });
  });

  it('lists no stores from a freshly migrated database', async () => {
    const { server } = await startTestBackend({ features: [storesPlugin] });
    const res = await request(server).get('/api/stores/stores');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [], totalCount: 0 });
  });

  it('rejects an unknown status filter with a clear message', async () => {
    const { server } = await startTestBackend({ features: [storesPlugin] });
    const res = await request(server).get('/api/stores/stores?status=bogus');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/Unknown status 'bogus'/);
  });

  it('answers 404 for a store that does not exist', async () => {
    const { server } = await startTestBackend({ features: [storesPlugin] });
    const res = await request(server).get('/api/stores/stores/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe("No store named 'nope'");
  });
});
