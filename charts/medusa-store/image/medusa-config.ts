// Configuration of the Medusa server that the medusa-store chart runs. Everything comes from the
// environment the chart sets (DATABASE_URL, REDIS_URL, JWT_SECRET, COOKIE_SECRET, STORE_CORS,
// ADMIN_CORS, AUTH_CORS, MEDUSA_WORKER_MODE), so one image serves every store. Module names and
// options are those of Medusa 2.21 (they moved between 2.x releases).
import { defineConfig, loadEnv } from '@medusajs/framework/utils';

loadEnv(process.env.NODE_ENV || 'development', process.cwd());

const redisUrl = process.env.REDIS_URL;

// With Redis, everything a second replica or the worker must share goes there: events, workflow
// state, locks and the cache. Without it (a developer's `medusa develop`) Medusa keeps them in
// memory, which is only right for a single process.
const redisModules = redisUrl
  ? [
      {
        resolve: '@medusajs/medusa/event-bus-redis',
        options: { redisUrl },
      },
      {
        resolve: '@medusajs/medusa/workflow-engine-redis',
        options: { redis: { redisUrl } },
      },
      {
        resolve: '@medusajs/medusa/locking',
        options: {
          providers: [
            {
              resolve: '@medusajs/medusa/locking-redis',
              id: 'locking-redis',
              is_default: true,
              options: { redisUrl },
            },
          ],
        },
      },
      // the cache core uses in 2.21; its successor (@medusajs/medusa/caching) is still behind
      // the work-in-progress feature flag MEDUSA_FF_CACHING
      {
        resolve: '@medusajs/medusa/cache-redis',
        options: { redisUrl },
      },
    ]
  : [];

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: process.env.DATABASE_URL,
    redisUrl,
    workerMode:
      (process.env.MEDUSA_WORKER_MODE as 'shared' | 'worker' | 'server') ||
      'shared',
    http: {
      storeCors: process.env.STORE_CORS!,
      adminCors: process.env.ADMIN_CORS!,
      authCors: process.env.AUTH_CORS!,
      jwtSecret: process.env.JWT_SECRET!,
      cookieSecret: process.env.COOKIE_SECRET!,
    },
  },
  admin: {
    // read at build time (no dashboard is built) and at start (none is served)
    disable: process.env.DISABLE_MEDUSA_ADMIN === 'true',
    // the dashboard is served by this server under /app; "/" keeps its API calls on the origin
    // it was loaded from, so one image serves every store host (baked in at build time)
    backendUrl: process.env.MEDUSA_BACKEND_URL || '/',
  },
  modules: redisModules,
});
