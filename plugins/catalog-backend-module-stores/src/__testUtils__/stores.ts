import {
  Store,
  storeNamespace,
} from '@stores-for-backstage/plugin-stores-common';

/** Test data: a ready store named shop, overridable field by field. */
export function makeStore(overrides: Partial<Store> = {}): Store {
  const name = overrides.name ?? 'shop';
  return {
    id: `id-${name}`,
    name,
    engine: 'woocommerce',
    owner: 'group:default/team-a',
    requestedBy: 'user:default/jane',
    plan: 'small',
    cluster: 'local',
    namespace: storeNamespace(name),
    status: 'ready',
    storefrontUrl: `http://${name}.stores.example.test`,
    adminUrl: `http://${name}.stores.example.test/wp-admin`,
    chartVersion: '0.1.0',
    generation: 1,
    observedGeneration: 1,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:05:00.000Z',
    statusChangedAt: '2025-01-01T00:05:00.000Z',
    readyAt: '2025-01-01T00:05:00.000Z',
    ...overrides,
  };
}
