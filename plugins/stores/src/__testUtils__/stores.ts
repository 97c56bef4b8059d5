import {
  Store,
  StoreEvent,
  storeNamespace,
} from '@stores-for-backstage/plugin-stores-common';

/** Test data: a store with sensible values, overridable field by field. */
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
    storefrontUrl: `http://${name}.stores.example.com`,
    adminUrl: `http://${name}.stores.example.com/wp-admin`,
    chartVersion: '0.1.0',
    generation: 1,
    observedGeneration: 1,
    createdAt: '2025-01-01T10:00:00.000Z',
    updatedAt: '2025-01-01T10:03:00.000Z',
    statusChangedAt: '2025-01-01T10:03:00.000Z',
    readyAt: '2025-01-01T10:03:00.000Z',
    ...overrides,
  };
}

let nextEventId = 1;

/** Test data: one timeline event. */
export function makeEvent(
  type: StoreEvent['type'],
  overrides: Partial<StoreEvent> = {},
): StoreEvent {
  return {
    id: nextEventId++,
    storeId: 'id-shop',
    type,
    message: `${type} happened`,
    createdAt: '2025-01-01T10:00:00.000Z',
    ...overrides,
  };
}

/** The timeline of a store that came up without trouble. */
export function readyTimeline(): StoreEvent[] {
  return [
    makeEvent('accepted', { message: 'Store requested' }),
    makeEvent('namespace-created', {
      message: 'Created namespace store-shop',
      durationMs: 120,
    }),
    makeEvent('release-installed', {
      message: 'Installed release shop (chart 0.1.0)',
      durationMs: 12_300,
      detail: 'NAME: shop\nSTATUS: deployed',
    }),
    makeEvent('workloads-ready', {
      message: 'Every Deployment and StatefulSet is available',
      durationMs: 95_000,
    }),
    makeEvent('storefront-answered', {
      message: 'Storefront answered',
      durationMs: 800,
    }),
    makeEvent('ready', { message: 'Store is ready' }),
  ];
}
