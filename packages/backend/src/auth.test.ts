import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import authPlugin from '@backstage/plugin-auth-backend';
import request from 'supertest';
import authProviders, {
  assertNoGuestInProduction,
  GUEST_OUTSIDE_DEVELOPMENT_FLAG,
} from './auth';

const guest = { auth: { providers: { guest: {} } } };

describe('assertNoGuestInProduction', () => {
  it('refuses guest sign-in in production and names the flag that allows it', () => {
    expect(() =>
      assertNoGuestInProduction(new ConfigReader(guest), 'production'),
    ).toThrow(`set ${GUEST_OUTSIDE_DEVELOPMENT_FLAG}: true`);
  });

  it('lets guests in production with the flag, and anywhere outside production', () => {
    const flagged = new ConfigReader({
      auth: {
        providers: { guest: { dangerouslyAllowOutsideDevelopment: true } },
      },
    });
    expect(() =>
      assertNoGuestInProduction(flagged, 'production'),
    ).not.toThrow();
    for (const env of ['development', 'test', undefined]) {
      expect(() =>
        assertNoGuestInProduction(new ConfigReader(guest), env),
      ).not.toThrow();
    }
  });

  it('has nothing to refuse when a later config removes guest with null', () => {
    const config = ConfigReader.fromConfigs([
      { context: 'app-config.yaml', data: guest },
      {
        context: 'app-config.production.yaml',
        data: { auth: { providers: { guest: null } } },
      },
    ]);
    expect(() => assertNoGuestInProduction(config, 'production')).not.toThrow();
  });
});

describe('the auth providers a production backend starts with', () => {
  const nodeEnv = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = nodeEnv;
  });

  const start = (data: object) =>
    startTestBackend({
      features: [
        authPlugin,
        authProviders,
        mockServices.rootConfig.factory({
          data: { app: { baseUrl: 'http://localhost:3000' }, ...data },
        }),
      ],
    });

  it('does not start with guest sign-in configured', async () => {
    process.env.NODE_ENV = 'production';
    await expect(start(guest)).rejects.toThrow(
      /guest sign-in provider \(auth\.providers\.guest\) is configured and NODE_ENV is production/,
    );
  });

  it('starts without guest, which then has no sign-in route', async () => {
    process.env.NODE_ENV = 'production';
    const backend = await start({ auth: { providers: {} } });
    try {
      const res = await request(backend.server)
        .get('/api/auth/guest/refresh')
        .set('X-Requested-With', 'XMLHttpRequest');
      expect(res.status).toBe(404);
    } finally {
      await backend.stop();
    }
  });

  it('signs guests in when the flag allows it', async () => {
    process.env.NODE_ENV = 'production';
    const backend = await start({
      auth: {
        providers: { guest: { dangerouslyAllowOutsideDevelopment: true } },
      },
    });
    try {
      const res = await request(backend.server)
        .post('/api/auth/guest/refresh')
        .set('X-Requested-With', 'XMLHttpRequest');
      expect(res.status).toBe(200);
      expect(res.body.backstageIdentity.identity.userEntityRef).toBe(
        'user:development/guest',
      );
    } finally {
      await backend.stop();
    }
  });
});
