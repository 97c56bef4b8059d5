// Sample medusa-config.ts for the medusa-store chart: everything comes from the environment the
// chart sets (DATABASE_URL, REDIS_URL, JWT_SECRET, COOKIE_SECRET, STORE_CORS, ADMIN_CORS,
// AUTH_CORS, MEDUSA_WORKER_MODE). Merge it into your project's config; check the module names
// and options against the Medusa version you build (they moved between 2.x releases).
import { defineConfig, loadEnv } from '@medusajs/framework/utils';

loadEnv(process.env.NODE_ENV || 'development', process.cwd());

const redisUrl = process.env.REDIS_URL;

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
    disable: process.env.DISABLE_MEDUSA_ADMIN === 'true',
    // served by this server under /app; "/" = same origin (see the Dockerfile)
    backendUrl: process.env.MEDUSA_BACKEND_URL || '/',
  },
  modules: redisUrl
    ? [
        {
          resolve: '@medusajs/medusa/cache-redis',
          options: { redisUrl },
        },
        {
          resolve: '@medusajs/medusa/event-bus-redis',
          options: { redisUrl },
        },
        {
          resolve: '@medusajs/medusa/workflow-engine-redis',
          options: { redis: { url: redisUrl } },
        },
      ]
    : [],
});
