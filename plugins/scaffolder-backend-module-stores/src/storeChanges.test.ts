import { EventsServiceSubscribeOptions } from '@backstage/plugin-events-node';
import { STORE_CHANGED_TOPIC } from '@stores-for-backstage/plugin-stores-common';
import { StoreChanges } from './storeChanges';

describe('StoreChanges', () => {
  it("wakes the listeners of a store on the stores backend's announcement of its change", async () => {
    let subscription: EventsServiceSubscribeOptions | undefined;
    const events = {
      publish: jest.fn(),
      subscribe: jest.fn(async (options: EventsServiceSubscribeOptions) => {
        subscription = options;
      }),
    };
    const changes = await StoreChanges.subscribe(events);
    expect(subscription?.topics).toEqual([STORE_CHANGED_TOPIC]);

    const heard: string[] = [];
    const stop = changes.listen('my-shop', () => heard.push('a'));
    changes.listen('my-shop', () => heard.push('b'));
    changes.listen('other-shop', () => heard.push('other'));

    const announce = (eventPayload: unknown) =>
      subscription!.onEvent({ topic: STORE_CHANGED_TOPIC, eventPayload });
    await announce({ name: 'my-shop', status: 'ready' });
    stop();
    // stopping twice leaves the other listener in place
    stop();
    await announce({ name: 'my-shop', status: 'deleting' });
    await announce({ status: 'ready' });
    await announce(undefined);

    expect(heard).toEqual(['a', 'b', 'b']);
  });
});
