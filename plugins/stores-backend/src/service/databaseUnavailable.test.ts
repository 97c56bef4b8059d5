import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { mockServices } from '@backstage/backend-test-utils';
import express from 'express';
import request from 'supertest';
import {
  isDatabaseUnavailable,
  withDatabaseUnavailableAs503,
} from './databaseUnavailable';

function appThrowing(error: Error) {
  const routes = express.Router();
  routes.get('/stores', () => {
    throw error;
  });
  const app = express();
  app.use(withDatabaseUnavailableAs503(routes, mockServices.logger.mock()));
  app.use(
    MiddlewareFactory.create({
      config: mockServices.rootConfig(),
      logger: mockServices.logger.mock(),
    }).error(),
  );
  return app;
}

describe('withDatabaseUnavailableAs503', () => {
  it('answers 503 with a message when PostgreSQL is away', async () => {
    const refused = Object.assign(
      new Error('connect ECONNREFUSED 127.0.0.1:5432'),
      { code: 'ECONNREFUSED' },
    );
    const res = await request(appThrowing(refused)).get('/stores');
    expect(res.status).toBe(503);
    expect(res.body.error.message).toBe(
      'The stores database is not answering; nothing was changed. Try again in a moment.',
    );
  });

  it('leaves other errors alone', async () => {
    const res = await request(appThrowing(new Error('syntax error'))).get(
      '/stores',
    );
    expect(res.status).toBe(500);
  });

  it('knows the driver and pool errors of an unreachable database', () => {
    expect(isDatabaseUnavailable({ code: '57P01' })).toBe(true);
    expect(
      isDatabaseUnavailable({
        name: 'KnexTimeoutError',
        message:
          'Knex: Timeout acquiring a connection. The pool is probably full.',
      }),
    ).toBe(true);
    expect(
      isDatabaseUnavailable(new Error('Connection terminated unexpectedly')),
    ).toBe(true);
    expect(isDatabaseUnavailable({ code: '23505' })).toBe(false);
  });
});
