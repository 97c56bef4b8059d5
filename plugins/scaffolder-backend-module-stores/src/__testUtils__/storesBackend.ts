import { mockServices } from '@backstage/backend-test-utils';
import {
  Store,
  StoreEvent,
  StoreEventType,
  storeNamespace,
} from '@stores-for-backstage/plugin-stores-common';
import { http, HttpResponse } from 'msw';

/** Where the mocked discovery says the stores backend is. */
export const storesBaseUrl = 'http://backstage.test/api/stores';

/** The services the actions need, with discovery pointing at msw. */
export function mockStoresServices() {
  return {
    discovery: mockServices.discovery.mock({
      getBaseUrl: async () => storesBaseUrl,
    }),
    auth: mockServices.auth(),
  };
}

export function makeStore(overrides: Partial<Store> = {}): Store {
  const name = overrides.name ?? 'my-shop';
  return {
    id: 'store-1',
    name,
    engine: 'woocommerce',
    owner: 'user:default/mock',
    requestedBy: 'user:default/mock',
    plan: 'small',
    cluster: 'local',
    namespace: storeNamespace(name),
    status: 'requested',
    generation: 1,
    observedGeneration: 0,
    createdAt: '2026-01-01T10:00:00.000Z',
    updatedAt: '2026-01-01T10:00:00.000Z',
    statusChangedAt: '2026-01-01T10:00:00.000Z',
    ...overrides,
  };
}

let nextEventId = 1;

export function makeEvent(
  type: StoreEventType,
  message: string,
  overrides: Partial<StoreEvent> = {},
): StoreEvent {
  return {
    id: nextEventId++,
    storeId: 'store-1',
    type,
    message,
    createdAt: '2026-01-01T10:00:00.000Z',
    ...overrides,
  };
}

/** A Backstage JSON error body, as the stores backend's error handler sends. */
export function errorResponse(status: number, name: string, message: string) {
  return HttpResponse.json(
    {
      error: { name, message },
      request: { method: 'GET', url: '/' },
      response: { statusCode: status },
    },
    { status },
  );
}

/** One answer of the stores backend to a poll: the store and its timeline. */
export type Frame =
  | { store: Store; events: StoreEvent[] }
  | { error: { status: number; name: string; message: string } };

/**
 * Serves a store's life one frame per poll: each GET of the store moves to
 * the next frame and the events GET answers the current one. The last frame
 * stays.
 */
export function storeTimeline(name: string, frames: Frame[]) {
  let index = -1;
  const polls = { count: 0 };
  const current = () => frames[Math.max(0, Math.min(index, frames.length - 1))];
  const answer = (
    frame: Frame,
    body: (f: Extract<Frame, { store: Store }>) => unknown,
  ) =>
    'error' in frame
      ? errorResponse(frame.error.status, frame.error.name, frame.error.message)
      : HttpResponse.json(body(frame) as any);
  return {
    polls,
    handlers: [
      http.get(`${storesBaseUrl}/stores/${name}`, () => {
        index++;
        polls.count++;
        return answer(current(), f => f.store);
      }),
      http.get(`${storesBaseUrl}/stores/${name}/events`, () =>
        answer(current(), f => ({ items: f.events })),
      ),
    ],
  };
}
