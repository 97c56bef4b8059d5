import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import express from 'express';
import fs from 'node:fs';
import path from 'node:path';
import * as yaml from 'yaml';
import { makeEvent, makeStore } from './__testUtils__/storesBackend';
import { scaffolderModuleStores } from './module';

describe('scaffolderModuleStores', () => {
  it('registers the three actions with the scaffolder', async () => {
    const addActions = jest.fn();

    await startTestBackend({
      extensionPoints: [[scaffolderActionsExtensionPoint, { addActions }]],
      features: [scaffolderModuleStores],
    });

    const ids = addActions.mock.calls.flat().map(action => action.id);
    expect(ids).toEqual(['stores:create', 'stores:wait', 'stores:delete']);
  });

  describe('in the scaffolder, with the templates', () => {
    /** What the fake stores backend saw: who called, and what. */
    const calls: Array<{
      method: string;
      url: string;
      user?: string;
      body?: unknown;
      idempotencyKey?: string;
    }> = [];

    /** A stand-in for the stores backend with the routes the templates use. */
    const fakeStoresPlugin = createBackendPlugin({
      pluginId: 'stores',
      register(env) {
        env.registerInit({
          deps: {
            httpRouter: coreServices.httpRouter,
            httpAuth: coreServices.httpAuth,
            auth: coreServices.auth,
          },
          async init({ httpRouter, httpAuth, auth }) {
            const router = express.Router();
            router.use(express.json());
            router.use(async (req, _res, next) => {
              const credentials = await httpAuth.credentials(req);
              calls.push({
                method: req.method,
                url: req.originalUrl,
                user: auth.isPrincipal(credentials, 'user')
                  ? credentials.principal.userEntityRef
                  : 'not a user',
                body: req.body,
                idempotencyKey: req.header('idempotency-key'),
              });
              next();
            });
            router.post('/stores', (req, res) => {
              if (req.query.dryRun === 'true') {
                const store = makeStore({ id: '', name: req.body.name });
                res.json({
                  store,
                  resources: [{ kind: 'Namespace', name: store.namespace }],
                  message: `Store ${store.name} can be created`,
                });
                return;
              }
              res.status(201).json(makeStore({ name: req.body.name }));
            });
            router.get('/stores/:name', (req, res) => {
              res.json(
                makeStore({
                  name: req.params.name,
                  status: 'ready',
                  storefrontUrl: `http://${req.params.name}.shops.test`,
                  adminUrl: `http://${req.params.name}.shops.test/wp-admin`,
                }),
              );
            });
            router.get('/stores/:name/events', (_req, res) => {
              res.json({
                items: [
                  makeEvent('accepted', 'Store accepted'),
                  makeEvent('ready', 'Store is ready'),
                ],
              });
            });
            httpRouter.use(router);
          },
        });
      },
    });

    function readTemplate(templateFile: string) {
      return yaml.parse(
        fs.readFileSync(
          path.resolve(__dirname, '../../../templates', templateFile),
          'utf8',
        ),
      );
    }

    /** A backend with the real scaffolder, this module and the fake stores backend. */
    async function startBackend(entities: any[] = []) {
      const { server } = await startTestBackend({
        features: [
          scaffolderPlugin,
          scaffolderModuleStores,
          fakeStoresPlugin,
          catalogServiceMock.factory({ entities }),
        ],
      });
      const baseUrl = `http://localhost:${server.port()}/api/scaffolder`;
      return async (method: string, route: string, body?: object) => {
        const response = await fetch(`${baseUrl}${route}`, {
          method,
          headers: {
            'Content-Type': 'application/json',
            Authorization: mockCredentials.user.header('user:default/amy'),
          },
          body: body && JSON.stringify(body),
        });
        return { status: response.status, body: await response.json() };
      };
    }

    async function dryRun(templateFile: string, values: object) {
      const scaffolder = await startBackend();
      return scaffolder('POST', '/v2/dry-run', {
        template: readTemplate(templateFile),
        values,
        directoryContents: [],
      });
    }

    /** The task log of a dry run, without colors and level prefixes. */
    function messages(body: { log: Array<{ body: { message: string } }> }) {
      return body.log.map(entry =>
        entry.body.message
          // eslint-disable-next-line no-control-regex
          .replace(/\u001b\[[0-9;]*m/g, '')
          .replace(/^info: /, ''),
      );
    }

    beforeEach(() => {
      calls.length = 0;
    });

    it('dry-runs create-store: checks with the stores backend as the user, creates nothing', async () => {
      const { status, body } = await dryRun('create-store/template.yaml', {
        name: 'spring-sale',
        engine: 'medusa',
        plan: 'small',
      });

      expect(status).toBe(200);
      expect(calls).toEqual([
        {
          method: 'POST',
          url: '/api/stores/stores?dryRun=true',
          user: 'user:default/amy',
          body: { name: 'spring-sale', engine: 'medusa', plan: 'small' },
        },
      ]);
      expect(messages(body)).toEqual(
        expect.arrayContaining([
          'Dry run, nothing is created: Store spring-sale can be created',
          'Would create Namespace store-spring-sale',
          "Dry run: would wait up to 20 minutes for store 'spring-sale' to be ready",
        ]),
      );
      expect(body.output.links).toEqual([
        {
          title: 'Open store page',
          icon: 'dashboard',
          url: '/stores/spring-sale',
        },
        {
          title: 'Open in catalog',
          icon: 'catalog',
          entityRef: 'component:default/spring-sale',
        },
        // Dry runs know no storefront and admin addresses; the page hides empty links.
        { title: 'Storefront' },
        { title: 'Admin' },
      ]);
    });

    it('rejects a store name the form would not allow', async () => {
      const { status } = await dryRun('create-store/template.yaml', {
        name: 'Spring_Sale',
        engine: 'woocommerce',
      });
      expect(status).toBe(400);
      expect(calls).toEqual([]);
    });

    it('dry-runs delete-store: looks the store up as the user, deletes nothing', async () => {
      const { status, body } = await dryRun('delete-store/template.yaml', {
        store: 'component:default/spring-sale',
        confirm: true,
      });

      expect(status).toBe(200);
      expect(calls).toEqual([
        expect.objectContaining({
          method: 'GET',
          url: '/api/stores/stores/spring-sale',
          user: 'user:default/amy',
        }),
      ]);
      expect(messages(body)).toContainEqual(
        expect.stringContaining(
          "Dry run, nothing is deleted: would delete store 'spring-sale'",
        ),
      );
    });

    it('requires the confirmation to delete', async () => {
      const { status } = await dryRun('delete-store/template.yaml', {
        store: 'component:default/spring-sale',
        confirm: false,
      });
      expect(status).toBe(400);
      expect(calls).toEqual([]);
    });

    it('runs create-store for the user: creates once, follows the store, links it', async () => {
      const template = readTemplate('create-store/template.yaml');
      const scaffolder = await startBackend([template]);

      const created = await scaffolder('POST', '/v2/tasks', {
        templateRef: 'template:default/create-store',
        values: { name: 'spring-sale', engine: 'woocommerce', plan: 'small' },
      });
      expect(created.status).toBe(201);
      const taskId = created.body.id;

      let task = await scaffolder('GET', `/v2/tasks/${taskId}`);
      for (
        let i = 0;
        i < 100 && ['open', 'processing'].includes(task.body.status);
        i++
      ) {
        await new Promise(resolve => setTimeout(resolve, 100));
        task = await scaffolder('GET', `/v2/tasks/${taskId}`);
      }

      expect(task.body.status).toBe('completed');
      const creates = calls.filter(c => c.method === 'POST');
      expect(creates).toEqual([
        {
          method: 'POST',
          url: '/api/stores/stores',
          user: 'user:default/amy',
          body: { name: 'spring-sale', engine: 'woocommerce', plan: 'small' },
          idempotencyKey: `scaffolder:${taskId}:create:spring-sale`,
        },
      ]);
      const { body: events } = await scaffolder(
        'GET',
        `/v2/tasks/${taskId}/events`,
      );
      const completion = events.find((e: any) => e.type === 'completion');
      expect(completion.body.output.links).toEqual(
        expect.arrayContaining([
          { title: 'Storefront', url: 'http://spring-sale.shops.test' },
          { title: 'Admin', url: 'http://spring-sale.shops.test/wp-admin' },
          {
            title: 'Open in catalog',
            icon: 'catalog',
            entityRef: 'component:default/spring-sale',
          },
        ]),
      );
      expect(
        messages({ log: events.filter((e: any) => e.type === 'log') }),
      ).toEqual(
        expect.arrayContaining([
          'accepted: Store accepted',
          'ready: Store is ready',
        ]),
      );
    });
  });
});
