/*
 * Recovery on the test bed with the real helm: a release left pending by a helm call that
 * died is undone before the store is installed again, and a store deleted while it is
 * being provisioned has that work cancelled and everything it made removed.
 */
import { mockServices } from '@backstage/backend-test-utils';
import { ensureTestbed, kubectl, Testbed } from '@internal/testbed';
import { execFileSync } from 'node:child_process';
import zlib from 'node:zlib';
import {
  createStore,
  deleteAndWait,
  events,
  namespaceExists,
  runId,
  startBackend,
  testDatabases,
  testEngineModule,
  waitForStatus,
} from './__testUtils__/testbedStores';

jest.setTimeout(6 * 60_000);

const databases = testDatabases();

/** A test engine whose pod never turns ready (and shows no problem): it stays provisioning. */
const holdEngineModule = testEngineModule({
  id: 'hold',
  title: 'Hold',
  fixtureChart: 'fault-chart',
  // the test bed's unready fault on a new pod: kwok leaves it Pending, no reason
  values: store => ({ store: { name: store.name }, fault: 'unready' }),
});

let testbed: Testbed;
beforeAll(async () => {
  testbed = await ensureTestbed();
});

/**
 * What a helm process killed in the middle of an install leaves: the release record
 * says pending-install (in its labels and in the release itself).
 */
async function markPendingInstall(namespace: string, release: string) {
  const secret = `sh.helm.release.v1.${release}.v1`;
  const data = await kubectl([
    '-n',
    namespace,
    'get',
    'secret',
    secret,
    '-o',
    'jsonpath={.data.release}',
  ]);
  // Kubernetes' base64 around helm's base64 around gzip around JSON
  const helmEncoded = Buffer.from(data, 'base64').toString('utf8');
  const body = JSON.parse(
    zlib.gunzipSync(Buffer.from(helmEncoded, 'base64')).toString('utf8'),
  );
  body.info.status = 'pending-install';
  const reencoded = Buffer.from(
    zlib.gzipSync(Buffer.from(JSON.stringify(body))).toString('base64'),
  ).toString('base64');
  await kubectl([
    '-n',
    namespace,
    'patch',
    'secret',
    secret,
    '--type=merge',
    '-p',
    JSON.stringify({
      metadata: { labels: { status: 'pending-install' } },
      data: { release: reencoded },
    }),
  ]);
}

function releaseStatus(namespace: string, release: string): string {
  const out = execFileSync(
    testbed.helm.v4,
    [
      'status',
      release,
      '-n',
      namespace,
      '-o',
      'json',
      '--kubeconfig',
      testbed.kubeconfigPath,
    ],
    { encoding: 'utf8' },
  );
  return JSON.parse(out).info.status;
}

it('undoes a release left pending-install, installs again, and cancels on delete', async () => {
  const knex = await databases.init('SQLITE_3');
  const start = () =>
    startBackend({
      knex,
      helm: testbed.helm.v4,
      features: [holdEngineModule],
      scheduler: mockServices.scheduler(),
      extraConfig: { reconciler: { leaseDuration: { seconds: 4 } } },
    });
  const name = `pend-${runId}`;
  const namespace = `store-${name}`;

  let backend = await start();
  await createStore(backend.server, { name, engine: 'hold' });
  await waitForStatus(backend.server, name, ['provisioning']);
  const timeline = async () =>
    (await events(backend.server, name)).map(e => e.type);
  const deadline = Date.now() + 60_000;
  while (!(await timeline()).includes('release-installed')) {
    if (Date.now() > deadline) throw new Error('never installed');
    await new Promise(r => setTimeout(r, 300));
  }
  // the backend goes away (its lease is given back), and helm's record says a helm
  // call died in the middle of the install
  await backend.stop();
  await markPendingInstall(namespace, name);
  expect(releaseStatus(namespace, name)).toBe('pending-install');

  backend = await start();
  try {
    const recoveredBy = Date.now() + 60_000;
    const reinstalled = (types: string[]) =>
      types.includes('release-recovered') &&
      types.lastIndexOf('release-installed') >
        types.indexOf('release-recovered');
    while (!reinstalled(await timeline())) {
      if (Date.now() > recoveredBy) {
        throw new Error(`no recovery: ${(await timeline()).join(', ')}`);
      }
      await new Promise(r => setTimeout(r, 300));
    }
    const types = await timeline();
    // recovered, then installed again
    expect(types.lastIndexOf('release-installed')).toBeGreaterThan(
      types.indexOf('release-recovered'),
    );
    const recovered = (await events(backend.server, name)).find(
      e => e.type === 'release-recovered',
    );
    expect(recovered?.message).toBe(
      `Release ${name} was left pending-install by an interrupted helm call; uninstalled it before installing again`,
    );
    expect(releaseStatus(namespace, name)).toBe('deployed');

    // still provisioning (its pod never turns ready): a delete cancels that work
    const deleted = await deleteAndWait(backend.server, name);
    expect(deleted.status).toBe('deleted');
    expect(await namespaceExists(namespace)).toBe(false);
    const last = (await events(backend.server, name)).map(e => e.type);
    expect(last.slice(-4)).toEqual([
      'deletion-requested',
      'release-uninstalled',
      'namespace-deleted',
      'deleted',
    ]);
  } finally {
    await backend.stop();
  }
});
