import { ServiceUnavailableError } from '@backstage/errors';
import { LoggerService } from '@backstage/backend-plugin-api';
import { ErrorRequestHandler, Handler, Router } from 'express';

/** PostgreSQL's codes for a server that is down, starting, shutting down or unreachable. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08006', // connection_failure
]);

/**
 * Whether an error says the database cannot be reached, rather than that a query was
 * wrong: the driver's connection errors, and knex giving up waiting for a connection.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; name?: string; message?: string };
  if (!e || typeof e !== 'object') return false;
  if (e.code && UNAVAILABLE_CODES.has(e.code)) return true;
  if (e.name === 'KnexTimeoutError') return true;
  return /Connection terminated|Timeout acquiring a connection|connect ECONNREFUSED|the database system is (starting up|shutting down)/i.test(
    e.message ?? '',
  );
}

/**
 * Turns "the database is away" into 503 with a message that says so, instead of a 500
 * that reads like a bug: callers (the UI, the scaffolder actions) may try again, and
 * nothing was recorded. The driver's own words (with the database's address) go to the
 * log, not to the caller.
 */
export function withDatabaseUnavailableAs503(
  routes: Handler,
  logger: LoggerService,
): Router {
  const router = Router();
  router.use(routes);
  const handler: ErrorRequestHandler = (error, req, _res, next) => {
    if (!isDatabaseUnavailable(error)) {
      next(error);
      return;
    }
    logger.warn(
      `Database unavailable during ${req.method} ${req.path}: ${error}`,
    );
    next(
      new ServiceUnavailableError(
        'The stores database is not answering; nothing was changed. Try again in a moment.',
      ),
    );
  };
  router.use(handler);
  return router;
}
