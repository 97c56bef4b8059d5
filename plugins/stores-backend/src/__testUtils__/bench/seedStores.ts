/*
 * Stores that exist without having been provisioned, by the thousand: rows written straight
 * into the stores table (which the plugin's own migrations made when the backend started),
 * and on the test bed what provisioning leaves of a healthy store, as far as the reconciler
 * looks at it.
 */
import {
  ensureTestbed,
  kubectl,
  portalIdentities,
  run,
} from '@internal/testbed';
import {
  STORE_ANNOTATION,
  storeNamespace,
} from '@stores-for-backstage/plugin-stores-common';
import { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  POD_SECURITY_LABELS,
  STORE_ID_LABEL,
  STORE_ROLE_BINDING,
} from '../../provisioning/StoreCluster';

export interface StoreSeed {
  name: string;
  owner: string;
  engine: string;
  status: 'ready' | 'failed' | 'deleted';
  cluster: string;
  createdAt: Date;
}

export interface SeededStore extends StoreSeed {
  id: string;
  namespace: string;
}

/** Marks what one bench run made in the cluster, to remove it afterwards. */
const RUN_LABEL = 'bench.stores.backstage.io/run';

function storeRow(s: SeededStore) {
  return {
    id: s.id,
    name: s.name,
    active_name: s.status === 'deleted' ? null : s.name,
    engine: s.engine,
    owner: s.owner,
    requested_by: s.owner,
    plan: 'small',
    cluster: s.cluster,
    namespace: s.namespace,
    status: s.status,
    status_reason: s.status === 'failed' ? 'Seeded as failed' : null,
    storefront_url: `http://${s.name}.127.0.0.1.nip.io/`,
    chart_version: '0.1.0',
    generation: 1,
    observed_generation: 1,
    created_at: s.createdAt,
    updated_at: s.createdAt,
    status_changed_at: s.createdAt,
    ready_at: s.status === 'ready' ? s.createdAt : null,
    deleted_at: s.status === 'deleted' ? s.createdAt : null,
  };
}

/** Writes the stores as rows of the stores table, in batches. */
export async function insertStores(
  knex: Knex,
  seeds: StoreSeed[],
): Promise<SeededStore[]> {
  const stores = seeds.map(s => ({
    ...s,
    id: randomUUID(),
    namespace: storeNamespace(s.name),
  }));
  await knex.batchInsert('stores', stores.map(storeRow), 500);
  return stores;
}

/**
 * The objects a healthy store has for the reconciler: its namespace labelled as the backend
 * labels it, the RoleBinding that lets the backend in, Helm's record of a deployed release
 * (labels only: the reconciler reads nothing else of it, and no helm runs on these), and an
 * available Deployment (no replicas, so kwok runs no pods for a thousand stores).
 */
function storeObjects(
  store: SeededStore,
  runId: string,
  backend: { namespace: string; name: string },
  storeNamespaceRole: string,
): object[] {
  const { name, namespace } = store;
  // the labels the engine charts put on a release's objects: Helm's, and the store's
  const release = {
    'app.kubernetes.io/instance': name,
    [STORE_ANNOTATION]: name,
  };
  const restricted = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
  };
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: namespace,
        labels: {
          [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
          [STORE_ANNOTATION]: name,
          [STORE_ID_LABEL]: store.id,
          ...POD_SECURITY_LABELS,
          [RUN_LABEL]: runId,
        },
        annotations: { 'stores.backstage.io/owner': store.owner },
      },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: STORE_ROLE_BINDING, namespace },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: storeNamespaceRole,
      },
      subjects: [{ kind: 'ServiceAccount', ...backend }],
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'helm.sh/release.v1',
      metadata: {
        name: `sh.helm.release.v1.${name}.v1`,
        namespace,
        labels: { owner: 'helm', name, status: 'deployed', version: '1' },
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: `${name}-web`,
        namespace,
        labels: { ...release, [RUN_LABEL]: runId },
      },
      spec: {
        replicas: 0,
        selector: { matchLabels: release },
        template: {
          metadata: { labels: release },
          spec: {
            securityContext: {
              runAsNonRoot: true,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              { name: 'web', image: 'shop:bench', securityContext: restricted },
            ],
          },
        },
      },
    },
  ];
}

/** Waits until the API server lets the stores identity read Secrets in the namespace. */
async function waitForAccess(namespace: string, username: string) {
  const testbed = await ensureTestbed();
  for (;;) {
    const answer = await run(testbed.kubectl, [
      '--kubeconfig',
      testbed.kubeconfigPath,
      'auth',
      'can-i',
      'list',
      'secrets',
      '--namespace',
      namespace,
      '--as',
      username,
    ]);
    if (answer.code === 0) return;
    await sleep(500);
  }
}

/**
 * Creates the cluster objects of ready stores on the test bed (as its admin), and waits
 * until they read as healthy stores: the RoleBindings in force and every Deployment seen by
 * the deployment controller.
 */
export async function createStoreNamespaces(
  stores: SeededStore[],
  runId: string,
): Promise<void> {
  const identities = await portalIdentities();
  const backend = {
    namespace: identities.namespace,
    name: identities.stores.username.split(':').pop()!,
  };
  // kubectl creates one object at a time: four of them at once
  const size = Math.ceil(stores.length / 4);
  const chunks = [0, 1, 2, 3]
    .map(i => stores.slice(i * size, (i + 1) * size))
    .filter(chunk => chunk.length > 0);
  await Promise.all(
    chunks.map(chunk =>
      kubectl(['create', '-f', '-'], {
        input: JSON.stringify({
          apiVersion: 'v1',
          kind: 'List',
          items: chunk.flatMap(s =>
            storeObjects(s, runId, backend, identities.storeNamespaceRole),
          ),
        }),
        timeoutMs: 20 * 60_000,
      }),
    ),
  );

  // The API server authorises from a cache that trails new RoleBindings (by seconds under
  // this load) and takes them in order: once each chunk's last one is in force, all are.
  for (const chunk of chunks) {
    await waitForAccess(
      chunk[chunk.length - 1].namespace,
      identities.stores.username,
    );
  }
  for (;;) {
    const list = JSON.parse(
      await kubectl([
        'get',
        'deployments',
        '--all-namespaces',
        '-l',
        `${RUN_LABEL}=${runId}`,
        '-o',
        'json',
      ]),
    );
    const current = list.items.filter(
      (d: any) => (d.status?.observedGeneration ?? 0) >= d.metadata.generation,
    );
    if (current.length >= stores.length) return;
    await sleep(1000);
  }
}

/** Asks for the namespaces of one run to be deleted, without waiting for them to go. */
export async function deleteStoreNamespaces(runId: string): Promise<void> {
  await kubectl([
    'delete',
    'namespaces',
    '-l',
    `${RUN_LABEL}=${runId}`,
    '--wait=false',
  ]);
}
