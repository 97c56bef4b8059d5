/*
 * The "Create store" template end to end: the portal's real backend (packages/backend) against
 * the local test bed (packages/testbed), driven only through its REST API as the app drives
 * it: a guest user token, `POST /api/scaffolder/v2/tasks`, the task's event stream, the
 * stores API. Then the same with the backend killed in the middle of the task and started
 * again, which must finish the task without creating a second store.
 */
import { ensureTestbed, kubectl } from '@internal/testbed';
import type {
  Store,
  StoreEvent,
} from '@stores-for-backstage/plugin-stores-common';
import {
  formatTaskLog,
  stripAnsi,
  TaskEvent,
  TestbedBackend,
  writeSlowHelm,
} from '@internal/e2e';

jest.setTimeout(15 * 60_000);

const TEMPLATE_REF = 'template:default/create-store';
const OWNER = 'group:default/guests';
/** Store names differ per run, so a run never meets what an earlier one left. */
const run = Math.random().toString(36).slice(2, 6);
const firstStore = `tpl-${run}-first`;
const recoveredStore = `tpl-${run}-recovered`;

let backend: TestbedBackend | undefined;
/** Stores this file asked for, for the clean-up. */
const madeStores = new Set<string>();
let token = '';

async function freshToken(): Promise<string> {
  token = (await backend!.guestSignIn()).token;
  return token;
}

async function getStore(name: string): Promise<Store> {
  const res = await backend!.api<Store>('GET', `/api/stores/stores/${name}`, {
    token,
  });
  if (res.status !== 200) {
    throw new Error(`GET store ${name}: ${res.status} ${res.text}`);
  }
  return res.body;
}

async function storeEvents(name: string): Promise<StoreEvent[]> {
  const res = await backend!.api<{ items: StoreEvent[] }>(
    'GET',
    `/api/stores/stores/${name}/events`,
    { token },
  );
  if (res.status !== 200) {
    throw new Error(`GET store events ${name}: ${res.status} ${res.text}`);
  }
  return res.body.items;
}

/** Every store of that name the stores backend has, deleted ones included. */
async function storesNamed(name: string): Promise<Store[]> {
  const res = await backend!.api<{ items: Store[]; nextCursor?: string }>(
    'GET',
    '/api/stores/stores?limit=500&status=requested,provisioning,ready,failed,deleting,deleted',
    { token },
  );
  if (res.status !== 200) {
    throw new Error(`GET stores: ${res.status} ${res.text}`);
  }
  expect(res.body.nextCursor).toBeUndefined();
  return res.body.items.filter(s => s.name === name);
}

async function startTask(name: string): Promise<string> {
  const res = await backend!.api<{ id: string }>(
    'POST',
    '/api/scaffolder/v2/tasks',
    {
      token,
      body: {
        templateRef: TEMPLATE_REF,
        values: { name, engine: 'woocommerce', owner: OWNER, plan: 'small' },
      },
    },
  );
  if (res.status !== 201) {
    throw new Error(`POST /v2/tasks: ${res.status} ${res.text}`);
  }
  madeStores.add(name);
  return res.body.id;
}

/** A log line without the level the actions' logger puts in front, e.g. "info: ". */
function plain(message: string | undefined): string {
  return stripAnsi(message ?? '').replace(/^(debug|info|warn|error): /, '');
}

/** Collects a task's events by id, whether they come over one connection or several. */
class TaskEvents {
  private readonly byId = new Map<number, TaskEvent>();

  add(event: TaskEvent) {
    this.byId.set(event.id, event);
  }

  get all(): TaskEvent[] {
    return [...this.byId.values()].sort((a, b) => a.id - b.id);
  }

  get lastId(): number | undefined {
    const all = this.all;
    return all.length ? all[all.length - 1].id : undefined;
  }

  get messages(): string[] {
    return this.all
      .filter(e => e.type === 'log')
      .map(e => plain(e.body.message));
  }

  get completion(): TaskEvent | undefined {
    return this.all.find(e => e.type === 'completion');
  }
}

function expectStoreOutputs(completion: TaskEvent | undefined, name: string) {
  expect(completion?.body.error).toBeUndefined();
  const links = completion?.body.output?.links ?? [];
  const link = (title: string) => links.find(l => l.title === title);
  expect(link('Open store page')?.url).toBe(`/stores/${name}`);
  expect(link('Open in catalog')?.entityRef).toBe(`component:default/${name}`);
  expect(link('Storefront')?.url).toMatch(
    new RegExp(`^https?://${name}\\.[^/]+/$`),
  );
  expect(link('Admin')?.url).toMatch(
    new RegExp(`^https?://${name}\\.[^/]+/wp-admin/$`),
  );
  return {
    storefrontUrl: link('Storefront')?.url,
    adminUrl: link('Admin')?.url,
  };
}

beforeAll(async () => {
  const testbed = await ensureTestbed();
  backend = await TestbedBackend.create({
    extraConfig: ({ dir }) => ({
      scaffolder: {
        taskRecovery: { enabled: true, staleTimeout: { seconds: 10 } },
      },
      stores: {
        // The charts come up on kwok in seconds; holding the first install of the second
        // store gives the test a sure window to kill the backend while stores:wait waits.
        helm: {
          binary: writeSlowHelm({
            dir,
            helm: testbed.helm.v4,
            release: recoveredStore,
            seconds: 45,
          }),
        },
        // resume the store whose worker died with the backend soon after its lease lapses
        reconciler: { frequency: { seconds: 5 } },
      },
    }),
  });
  await backend.start();

  // the catalog has read the template and the org from their file locations
  await backend.waitFor(
    'the template and user:default/guest in the catalog',
    async () => {
      const t = await freshToken();
      for (const ref of [
        'template/default/create-store',
        'user/default/guest',
        'group/default/guests',
      ]) {
        const res = await backend!.api(
          'GET',
          `/api/catalog/entities/by-name/${ref}`,
          { token: t },
        );
        if (res.status !== 200) return undefined;
      }
      return true;
    },
    { timeoutMs: 5 * 60_000, intervalMs: 3000 },
  );
  // signed in as the catalog user, so the guest owns what belongs to the guests group
  await backend.waitFor(
    `a guest sign-in that owns ${OWNER}`,
    async () => {
      const identity = await backend!.guestSignIn();
      token = identity.token;
      return identity.ownershipEntityRefs.includes(OWNER) ? true : undefined;
    },
    { timeoutMs: 2 * 60_000 },
  );
}, 15 * 60_000);

afterAll(async () => {
  if (!backend) return;
  // Anything a failed test left: the stores API cannot help once the backend is gone, so
  // take the namespaces (and with them the helm releases' secrets) off the test bed directly.
  for (const name of madeStores) {
    let status: string | undefined;
    try {
      if (backend.running) status = (await getStore(name)).status;
    } catch {
      status = undefined;
    }
    if (status !== 'deleted') {
      await kubectl([
        'delete',
        'namespace',
        `store-${name}`,
        '--ignore-not-found',
        '--wait=false',
      ]).catch(() => undefined);
    }
  }
  await backend.stop();
  if (process.env.STORES_TEST_KEEP_DIR === '1') {
    // eslint-disable-next-line no-console
    console.log(
      `Kept the backend's config, SQLite files and log in ${backend.dir}`,
    );
  } else {
    backend.remove();
  }
}, 5 * 60_000);

it('runs the template through the scaffolder REST API until the store is ready', async () => {
  const started = Date.now();
  const taskId = await startTask(firstStore);
  const events = new TaskEvents();
  const { outcome } = await backend!.readTaskEvents({
    token,
    taskId,
    timeoutMs: 12 * 60_000,
    onEvent: e => events.add(e),
  });
  const log = formatTaskLog(events.all);
  // eslint-disable-next-line no-console
  console.log(
    `Task log of "${TEMPLATE_REF}" for store ${firstStore} (task ${taskId}, ${Math.round(
      (Date.now() - started) / 1000,
    )}s):\n${log}`,
  );
  expect(outcome).toBe('completion');

  const task = await backend!.api('GET', `/api/scaffolder/v2/tasks/${taskId}`, {
    token,
  });
  expect(task.body.status).toBe('completed');

  // the store's steps as stores:wait writes them into the task log
  const messages = events.messages;
  for (const line of [
    new RegExp(
      `^Store '${firstStore}' accepted \\(woocommerce, small\\), status`,
    ),
    /^accepted: Store requested by user:default\/guest/,
    new RegExp(`^namespace-created: .*\\bstore-${firstStore}\\b`),
    new RegExp(`^release-installed: .*\\b${firstStore}\\b`),
    /^workloads-ready: /,
    /^ready: /,
    new RegExp(`^Store '${firstStore}' is ready: http`),
  ]) {
    expect(messages.some(m => line.test(m))).toBe(true);
  }
  expect(messages.filter(m => m.startsWith('Beginning step'))).toEqual([
    'Beginning step Create store',
    'Beginning step Wait until the store is ready',
  ]);

  const urls = expectStoreOutputs(events.completion, firstStore);

  const store = await getStore(firstStore);
  expect(store).toMatchObject({
    name: firstStore,
    status: 'ready',
    owner: OWNER,
    requestedBy: 'user:default/guest',
    engine: 'woocommerce',
    plan: 'small',
    namespace: `store-${firstStore}`,
    storefrontUrl: urls.storefrontUrl,
    adminUrl: urls.adminUrl,
  });
});

it('finishes a task after a forced restart without creating a second store', async () => {
  const started = Date.now();
  const taskId = await startTask(recoveredStore);
  const events = new TaskEvents();

  // Follow the task until stores:create has finished (the store was asked for and the step
  // saved) and stores:wait is running; then the backend dies as in a crash.
  const before = await backend!.readTaskEvents({
    token,
    taskId,
    timeoutMs: 5 * 60_000,
    onEvent: e => {
      events.add(e);
      return e.type === 'log' &&
        e.body.stepId === 'wait' &&
        plain(e.body.message).startsWith(
          `Waiting for store '${recoveredStore}'`,
        )
        ? 'stop'
        : undefined;
    },
  });
  expect(before.outcome).toBe('stopped');
  // the store exists, once, and is not ready yet: stores:wait has something to wait for
  expect((await storesNamed(recoveredStore)).map(s => s.status)).toEqual([
    expect.stringMatching(/^(requested|provisioning)$/),
  ]);
  const eventsBeforeKill = events.all.length;
  await backend!.kill();
  expect(backend!.running).toBe(false);

  await backend!.start();
  await freshToken();
  // the scaffolder picks the task up once its heartbeat is older than staleTimeout
  let outcome: string = 'disconnected';
  const deadline = Date.now() + 12 * 60_000;
  while (outcome !== 'completion' && Date.now() < deadline) {
    ({ outcome } = await backend!.readTaskEvents({
      token,
      taskId,
      after: events.lastId,
      timeoutMs: deadline - Date.now(),
      onEvent: e => events.add(e),
    }));
  }
  const log = formatTaskLog(events.all);
  // eslint-disable-next-line no-console
  console.log(
    `Task log of store ${recoveredStore} (task ${taskId}, ${Math.round(
      (Date.now() - started) / 1000,
    )}s), backend killed after event ${eventsBeforeKill} and started again:\n${log}`,
  );
  expect(outcome).toBe('completion');

  const task = await backend!.api('GET', `/api/scaffolder/v2/tasks/${taskId}`, {
    token,
  });
  expect(task.body.status).toBe('completed');

  // recovered from where it was: stores:create did not run again
  const afterKill = events.all.slice(eventsBeforeKill);
  expect(afterKill.some(e => e.type === 'recovered')).toBe(true);
  const messages = events.messages;
  expect(messages).toContain(
    'Task recovered - resuming from last known good state. 1 step(s) already completed.',
  );
  expect(messages).toContain(
    'Skipping step create because it was already completed in a previous run',
  );
  expect(
    messages.filter(m => m === 'Beginning step Create store'),
  ).toHaveLength(1);
  expect(
    messages.filter(m => m.startsWith(`Store '${recoveredStore}' accepted`)),
  ).toHaveLength(1);
  expect(messages.some(m => m.includes('had already accepted'))).toBe(false);
  expect(
    messages.filter(m => m === 'Beginning step Wait until the store is ready'),
  ).toHaveLength(2);
  expect(messages.some(m => /^ready: /.test(m))).toBe(true);

  expectStoreOutputs(events.completion, recoveredStore);

  // exactly one store of that name, asked for once
  const stores = await storesNamed(recoveredStore);
  expect(stores.map(s => s.status)).toEqual(['ready']);
  const timeline = await storeEvents(recoveredStore);
  expect(timeline.filter(e => e.type === 'accepted')).toHaveLength(1);
  expect((await getStore(recoveredStore)).status).toBe('ready');
});

it('deletes the stores it made and leaves no namespace behind', async () => {
  const names = [...madeStores];
  for (const name of names) {
    const res = await backend!.api('DELETE', `/api/stores/stores/${name}`, {
      token,
    });
    expect([res.status, res.text]).toEqual([202, expect.any(String)]);
  }
  for (const name of names) {
    await backend!.waitFor(
      `store ${name} to be deleted`,
      async () =>
        (await getStore(name)).status === 'deleted' ? true : undefined,
      { timeoutMs: 8 * 60_000 },
    );
    const namespace = await kubectl([
      'get',
      'namespace',
      `store-${name}`,
      '--ignore-not-found',
      '-o',
      'name',
    ]);
    expect(namespace.trim()).toBe('');
  }
});
