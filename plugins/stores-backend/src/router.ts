import { HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  STORE_STATUSES,
  StoreStatus,
} from '@stores-for-backstage/plugin-stores-common';
import express from 'express';
import Router from 'express-promise-router';
import { StoresDatabase } from './database/StoresDatabase';

/** Reads a query parameter that may be repeated or comma separated. */
function listParam(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const values = (Array.isArray(value) ? value : [value]).flatMap(v =>
    String(v).split(','),
  );
  return values.map(v => v.trim()).filter(Boolean);
}

function parseLimit(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
    throw new InputError('limit must be an integer from 1 to 500');
  }
  return limit;
}

export async function createRouter(options: {
  httpAuth: HttpAuthService;
  database: StoresDatabase;
}): Promise<express.Router> {
  const { httpAuth, database } = options;
  const router = Router();
  router.use(express.json());

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/stores', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const status = listParam(req.query.status);
    const unknown = status?.filter(
      s => !STORE_STATUSES.includes(s as StoreStatus),
    );
    if (unknown?.length) {
      throw new InputError(
        `Unknown status '${unknown.join(', ')}'; use one of ${STORE_STATUSES.join(', ')}`,
      );
    }
    res.json(
      await database.listStores({
        owner: listParam(req.query.owner),
        engine: listParam(req.query.engine),
        status: status as StoreStatus[] | undefined,
        includeDeleted: status?.includes('deleted'),
        limit: parseLimit(req.query.limit),
        cursor: req.query.cursor ? String(req.query.cursor) : undefined,
      }),
    );
  });

  router.get('/stores/:name', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    res.json(await database.getStoreByName(req.params.name));
  });

  router.get('/stores/:name/events', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const store = await database.getStoreByName(req.params.name);
    res.json({ items: await database.listEvents(store.id) });
  });

  return router;
}
