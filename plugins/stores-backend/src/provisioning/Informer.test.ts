import { ApiException, V1Pod } from '@kubernetes/client-node';
import { eventually, FakeWatch } from '../__testUtils__/fakeWatch';
import { Informer, InformerTimings } from './Informer';

const PATH = '/api/v1/pods';

function pod(name: string, resourceVersion: string): V1Pod {
  return {
    metadata: { name, namespace: 'store-shop', resourceVersion },
  };
}

function setup(timings: Partial<InformerTimings> = {}) {
  const watch = new FakeWatch();
  const lists: V1Pod[][] = [];
  let listed = 0;
  const list = jest.fn(async () => ({
    metadata: { resourceVersion: `list-${++listed}` },
    items: lists.shift() ?? [],
  }));
  const events = {
    onChange: jest.fn(),
    onSynced: jest.fn(),
    onError: jest.fn(),
    onRecovered: jest.fn(),
  };
  const informer = new Informer<V1Pod>(
    {
      resource: 'pods',
      path: PATH,
      labelSelector: 'stores.backstage.io/store',
      list,
    },
    watch,
    events,
    { resyncMs: 60_000, retryMs: 5, maxRetryMs: 20, ...timings },
  );
  const changed = () =>
    events.onChange.mock.calls.map(([o]) => o.metadata.name);
  return { watch, lists, list, events, informer, changed };
}

/** The only open request of the collection, once there is one. */
async function openRequest(watch: FakeWatch) {
  await eventually(() => watch.open(PATH).length === 1);
  return watch.open(PATH)[0];
}

describe('Informer', () => {
  let informer: Informer<V1Pod> | undefined;
  afterEach(() => informer?.stop());

  it('lists, then watches from the list with the same selector, and keeps the cache current', async () => {
    const t = setup();
    informer = t.informer;
    t.lists.push([pod('a', '1')]);
    t.informer.start();
    const request = await openRequest(t.watch);
    expect(t.informer.synced).toBe(true);
    expect(request.params).toMatchObject({
      labelSelector: 'stores.backstage.io/store',
      resourceVersion: 'list-1',
      allowWatchBookmarks: true,
    });
    request.send('ADDED', pod('b', '2'));
    request.send('MODIFIED', pod('a', '3'));
    request.send('DELETED', pod('b', '4'));
    expect(t.informer.list('store-shop').map(p => p.metadata?.name)).toEqual([
      'a',
    ]);
    expect(t.informer.get('store-shop', 'a')?.metadata?.resourceVersion).toBe(
      '3',
    );
    expect(t.changed()).toEqual(['a', 'b', 'a', 'b']);
  });

  it('reconnects a dropped watch from the last resourceVersion, without listing again', async () => {
    const t = setup();
    informer = t.informer;
    t.informer.start();
    const first = await openRequest(t.watch);
    first.send('ADDED', pod('a', '7'));
    first.send('BOOKMARK', { metadata: { resourceVersion: '9' } });
    first.end(new Error('socket hang up'));
    expect(t.events.onError).toHaveBeenCalledWith(
      expect.objectContaining({ message: 'socket hang up' }),
    );

    const second = await openRequest(t.watch);
    expect(second.params.resourceVersion).toBe('9');
    expect(t.list).toHaveBeenCalledTimes(1);
    expect(t.informer.get('store-shop', 'a')).toBeDefined();
    expect(t.events.onRecovered).toHaveBeenCalled();
  });

  it('resumes at once from the last resourceVersion when the API server ends the watch', async () => {
    const t = setup({ retryMs: 60_000 });
    informer = t.informer;
    t.informer.start();
    const first = await openRequest(t.watch);
    first.send('ADDED', pod('a', '12'));
    first.end();
    const second = await openRequest(t.watch);
    expect(second.params.resourceVersion).toBe('12');
    expect(t.events.onError).not.toHaveBeenCalled();
  });

  it('lists again when the API server answers 410 Gone, and reports what went meanwhile', async () => {
    const t = setup();
    informer = t.informer;
    t.lists.push([pod('a', '1'), pod('b', '1')]);
    t.lists.push([pod('a', '1'), pod('c', '5')]);
    t.informer.start();
    const first = await openRequest(t.watch);
    t.events.onChange.mockClear();
    first.send('ERROR', {
      kind: 'Status',
      code: 410,
      message: 'too old resource version: 1 (4)',
    });

    const second = await openRequest(t.watch);
    expect(t.list).toHaveBeenCalledTimes(2);
    expect(second.params.resourceVersion).toBe('list-2');
    expect(first.ended).toBe(true);
    // only what differs: b is gone, c is new, a is unchanged
    expect(t.changed().sort()).toEqual(['b', 'c']);
    expect(
      t.informer
        .list()
        .map(p => p.metadata?.name)
        .sort(),
    ).toEqual(['a', 'c']);
  });

  it('lists again when a watch request is refused with 410', async () => {
    const t = setup();
    informer = t.informer;
    t.informer.start();
    const first = await openRequest(t.watch);
    first.end(Object.assign(new Error('Gone'), { statusCode: 410 }));
    const second = await openRequest(t.watch);
    expect(t.list).toHaveBeenCalledTimes(2);
    expect(second.params.resourceVersion).toBe('list-2');
  });

  it('retries a failed list after a pause that grows, and tells of each failure', async () => {
    const t = setup({ retryMs: 5, maxRetryMs: 10 });
    informer = t.informer;
    const forbidden = new ApiException(403, 'Forbidden', {}, {});
    t.list.mockRejectedValueOnce(forbidden).mockRejectedValueOnce(forbidden);
    t.informer.start();
    await openRequest(t.watch);
    expect(t.events.onError).toHaveBeenCalledTimes(2);
    expect(t.events.onError).toHaveBeenCalledWith(forbidden);
    expect(t.list).toHaveBeenCalledTimes(3);
    expect(t.informer.synced).toBe(true);
    expect(t.events.onRecovered).toHaveBeenCalled();
  });

  it('lists the whole collection again every resync, closing the running watch', async () => {
    const t = setup({ resyncMs: 30 });
    informer = t.informer;
    t.informer.start();
    const first = await openRequest(t.watch);
    await eventually(() => t.list.mock.calls.length === 2);
    const second = await openRequest(t.watch);
    expect(first.ended).toBe(true);
    expect(second.params.resourceVersion).toBe('list-2');
    expect(t.events.onSynced).toHaveBeenCalledTimes(2);
  });

  it('stops: the watch is closed and not made again', async () => {
    const t = setup();
    t.informer.start();
    const request = await openRequest(t.watch);
    t.informer.stop();
    expect(request.ended).toBe(true);
    await new Promise(r => setTimeout(r, 30));
    expect(t.watch.requests).toHaveLength(1);
    expect(t.events.onError).not.toHaveBeenCalled();
  });
});
