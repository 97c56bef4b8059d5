import {
  AuditorService,
  BackstageCredentials,
  HttpAuthService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  CreateStoreRequest,
  STORE_STATUSES,
  StoreStatus,
  STORES_PAGE_SIZE,
} from '@stores-for-backstage/plugin-stores-common';
import express from 'express';
import { z } from 'zod';
import { ClusterHealth } from './provisioning/ClusterHealth';
import { EngineRegistry } from './provisioning/registries';
import { createOpenApiRouter } from './schema/openapi';
import { StoresCaller, StoresService } from './service/StoresService';

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
  if (!Number.isInteger(limit) || limit < 1 || limit > STORES_PAGE_SIZE.max) {
    throw new InputError(
      `limit must be an integer from 1 to ${STORES_PAGE_SIZE.max}`,
    );
  }
  return limit;
}

/** A request to any route; each route's own request type is checked against the document. */
type AnyRoute = Parameters<HttpAuthService['credentials']>[0];

const createStoreBody = z
  .object({
    name: z.string({ error: 'name is required and must be a string' }),
    engine: z.string({ error: 'engine is required and must be a string' }),
    owner: z.string().optional(),
    plan: z.string().optional(),
    cluster: z.string().optional(),
  })
  .strict();

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    const issues = result.error.issues.map(i =>
      i.code === 'unrecognized_keys'
        ? `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.join(', ')}`
        : i.message,
    );
    throw new InputError(`Invalid request: ${issues.join('; ')}`);
  }
  return result.data;
}

/**
 * `/api/stores`: documented in `src/schema/openapi.yaml`. The router is typed
 * from that document (`yarn openapi:generate`), so each route's parameters,
 * body and answers must be the documented ones to compile, and the tests hold
 * the answers to the document as well. It also serves the document itself at
 * `/openapi.json`.
 */
export async function createRouter(options: {
  httpAuth: HttpAuthService;
  userInfo: UserInfoService;
  auditor: AuditorService;
  service: StoresService;
  engines: EngineRegistry;
  clusterHealth?: Pick<ClusterHealth, 'current'>;
}): Promise<express.Router> {
  const { httpAuth, userInfo, auditor, service, engines, clusterHealth } =
    options;
  const router = await createOpenApiRouter({
    // Requests are checked by the handlers and the service, whose messages say
    // what to do ("Unknown engine 'magento'; choose one of: woocommerce"); the
    // validator would answer first, in the schema's words. Credentials are
    // checked by the auth service.
    validatorOptions: { validateRequests: false, validateSecurity: false },
    middleware: [express.json()],
  });

  const caller = (req: AnyRoute) =>
    httpAuth.credentials(req, { allow: ['user', 'service'] });
  const user = async (req: AnyRoute): Promise<StoresCaller> => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const { userEntityRef, ownershipEntityRefs } = await userInfo.getUserInfo(
      credentials,
    );
    return { credentials, userEntityRef, ownershipEntityRefs };
  };

  /** Runs an action through the auditor: one event, then success or failure. */
  async function audited<T>(
    req: AnyRoute,
    eventId: string,
    meta: Record<string, string | undefined>,
    fn: () => Promise<T>,
    severityLevel: 'medium' | 'high' = 'medium',
  ): Promise<T> {
    const event = await auditor.createEvent({
      eventId,
      request: req,
      severityLevel,
      meta: JSON.parse(JSON.stringify(meta)),
    });
    try {
      const result = await fn();
      await event.success();
      return result;
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  }

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/engines', async (req, res) => {
    await caller(req);
    res.json({ items: engines.list() });
  });

  // Whether stores can be created: the Stores page shows a banner for a cluster that
  // does not answer, with the words of the 503 a create would get.
  router.get('/clusters', async (req, res) => {
    await caller(req);
    res.json({ items: (await clusterHealth?.current()) ?? [] });
  });

  router.get('/stores', async (req, res) => {
    const credentials: BackstageCredentials = await caller(req);
    const status = listParam(req.query.status);
    const unknown = status?.filter(
      s => !STORE_STATUSES.includes(s as StoreStatus),
    );
    if (unknown?.length) {
      throw new InputError(
        `Unknown status '${unknown.join(
          ', ',
        )}'; use one of ${STORE_STATUSES.join(', ')}`,
      );
    }
    res.json(
      await service.listStores(
        {
          owner: listParam(req.query.owner)?.map(o =>
            o.toLocaleLowerCase('en-US'),
          ),
          engine: listParam(req.query.engine),
          status: status as StoreStatus[] | undefined,
          includeDeleted: status?.includes('deleted'),
          limit: parseLimit(req.query.limit),
          cursor: req.query.cursor ? String(req.query.cursor) : undefined,
        },
        credentials,
      ),
    );
  });

  router.post('/stores', async (req, res) => {
    // The service checks name, engine, plan, owner and cluster with domain messages.
    const body = parseBody(createStoreBody, req.body) as CreateStoreRequest;
    const requester = await user(req);
    if (req.query.dryRun === 'true') {
      res.json(await service.dryRunCreate(body, requester));
      return;
    }
    const idempotencyKey = req.header('Idempotency-Key') || undefined;
    if (idempotencyKey && idempotencyKey.length > 255) {
      throw new InputError('Idempotency-Key must be at most 255 characters');
    }
    const { store, created } = await audited(
      req,
      'store-create',
      { name: body.name, engine: body.engine, idempotencyKey },
      () => service.createStore(body, requester, { idempotencyKey }),
    );
    res.status(created ? 201 : 200).json(store);
  });

  router.get('/stores/:name', async (req, res) => {
    res.json(await service.getStore(req.params.name, await caller(req)));
  });

  router.get('/stores/:name/events', async (req, res) => {
    res.json({
      items: await service.listEvents(req.params.name, await caller(req)),
    });
  });

  // A person's own shop password: for a signed-in owner only (never a service), never
  // cached, and audited without the value.
  router.post('/stores/:name/credentials', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const { credentials } = await user(req);
    const revealed = await audited(
      req,
      'store-credentials-reveal',
      { name: req.params.name },
      () => service.revealCredentials(req.params.name, credentials),
      'high',
    );
    res.json(revealed);
  });

  router.delete('/stores/:name', async (req, res) => {
    const { credentials } = await user(req);
    const store = await audited(
      req,
      'store-delete',
      { name: req.params.name },
      () => service.deleteStore(req.params.name, credentials),
    );
    res.status(202).json(store);
  });

  router.post('/stores/:name/forget', async (req, res) => {
    const { credentials } = await user(req);
    const reason =
      typeof req.body?.reason === 'string' ? req.body.reason : undefined;
    const store = await audited(
      req,
      'store-forget',
      { name: req.params.name, reason },
      () => service.forgetStore(req.params.name, reason, credentials),
    );
    res.status(200).json(store);
  });

  router.post('/stores/:name/retry', async (req, res) => {
    const { credentials } = await user(req);
    const store = await audited(
      req,
      'store-retry',
      { name: req.params.name },
      () => service.retryStore(req.params.name, credentials),
    );
    res.status(202).json(store);
  });

  return router;
}
