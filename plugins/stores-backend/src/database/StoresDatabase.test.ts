import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import { ConflictError, InputError } from '@backstage/errors';
import { Knex } from 'knex';
import { NewStore, StoresDatabase } from './StoresDatabase';

jest.setTimeout(60_000);

const databases = TestDatabases.create({
  ids: ['POSTGRES_18', 'POSTGRES_17', 'POSTGRES_16', 'POSTGRES_15', 'SQLITE_3'],
});

async function migrated(id: TestDatabaseId): Promise<[Knex, StoresDatabase]> {
  const knex = await databases.init(id);
  await knex.migrate.latest({
    directory: StoresDatabase.migrationsDirectory,
  });
  return [knex, new StoresDatabase(knex)];
}

function newStore(name: string, overrides: Partial<NewStore> = {}): NewStore {
  return {
    id: `id-${name}-${Math.random().toString(36).slice(2)}`,
    name,
    engine: 'woocommerce',
    owner: 'group:default/shop-team',
    requestedBy: 'user:default/ada',
    plan: 'small',
    cluster: 'local',
    namespace: `store-${name}`,
    ...overrides,
  };
}

const accepted = { type: 'accepted' as const, message: 'Store requested' };

describe.each(databases.eachSupportedId())('StoresDatabase on %s', id => {
  it('migrates up and down cleanly', async () => {
    const knex = await databases.init(id);
    const directory = StoresDatabase.migrationsDirectory;
    await knex.migrate.latest({ directory });
    expect(await knex.schema.hasTable('stores')).toBe(true);
    expect(await knex.schema.hasTable('store_events')).toBe(true);
    expect(await knex.schema.hasTable('stores_user_limits')).toBe(true);
    await knex.migrate.rollback({ directory }, true);
    expect(await knex.schema.hasTable('stores')).toBe(false);
    expect(await knex.schema.hasTable('store_events')).toBe(false);
    expect(await knex.schema.hasTable('stores_user_limits')).toBe(false);
    await knex.migrate.latest({ directory });
    expect(await knex.schema.hasTable('stores')).toBe(true);
  });

  it('checks usage and records a store as one step, for 20 at once', async () => {
    const [, db] = await migrated(id);
    const seen: number[] = [];
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        db.insertStore(newStore(`shop-${i}`), accepted, {
          since: new Date(0),
          check: usage => {
            seen.push(usage.liveStores);
            if (usage.liveStores >= 3) throw new Error('over quota');
          },
        }),
      ),
    );
    expect(results.filter(r => r.status === 'fulfilled').length).toBe(3);
    // Each check saw the stores recorded before it: 0, 1, 2, then 3 for the rest.
    expect(seen).toEqual([0, 1, 2, ...Array(17).fill(3)]);
    expect(await db.countLiveStoresRequestedBy('user:default/ada')).toBe(3);
  });

  it('counts dry runs per user in a window, 20 at once', async () => {
    const [, db] = await migrated(id);
    const counted = await Promise.all(
      Array.from({ length: 20 }, () =>
        db.countDryRun('user:default/ada', { max: 4, windowMs: 60_000 }),
      ),
    );
    expect(counted.filter(Boolean)).toHaveLength(4);
    expect(
      await db.countDryRun('user:default/bob', { max: 4, windowMs: 60_000 }),
    ).toBe(true);
    // A window that has passed starts again.
    expect(
      await db.countDryRun('user:default/ada', { max: 4, windowMs: 0 }),
    ).toBe(true);
  });

  it('records a store with its first event', async () => {
    const [, db] = await migrated(id);
    const store = await db.insertStore(newStore('shop'), accepted);
    expect(store).toMatchObject({
      name: 'shop',
      status: 'requested',
      generation: 1,
      observedGeneration: 0,
    });
    expect(new Date(store.createdAt).getTime()).not.toBeNaN();
    const events = await db.listEvents(store.id);
    expect(events).toEqual([
      expect.objectContaining({ type: 'accepted', message: 'Store requested' }),
    ]);
  });

  it('tells its listeners of every status change and timeline entry, once each, after the write', async () => {
    const [, db] = await migrated(id);
    const activity: string[] = [];
    const changed: string[] = [];
    db.onActivity(({ store, change, eventType }) =>
      activity.push(`${store.status} ${change ?? '-'} ${eventType ?? '-'}`),
    );
    db.onStoreChanged(store => changed.push(store.status));

    const store = await db.insertStore(newStore('shop'), accepted);
    await db.claim(store.id, {
      from: 'requested',
      to: 'provisioning',
      owner: 'a',
      leaseMs: 60_000,
    });
    await db.addEvent(store.id, {
      type: 'namespace-created',
      message: 'Namespace store-shop created',
    });
    // a write that does not match its guard tells no one
    await db.transition(store.id, { from: 'requested', to: 'provisioning' });
    // resuming without a timeline entry changes nothing worth telling
    await db.releaseLease(store.id, 'a');
    await db.claim(store.id, {
      from: 'provisioning',
      to: 'provisioning',
      owner: 'b',
      leaseMs: 60_000,
    });
    await db.transition(store.id, {
      from: 'provisioning',
      to: 'ready',
      leaseOwner: 'b',
      event: { type: 'ready', message: 'Store is ready' },
    });
    await db.setDegraded(store.id, 'Not available', {
      type: 'degraded',
      message: 'pod not ready',
    });

    expect(activity).toEqual([
      'requested recorded accepted',
      'provisioning status -',
      'provisioning - namespace-created',
      'ready status ready',
      'ready degraded degraded',
    ]);
    // the events service hears of the store's record, status and degraded state only
    expect(changed).toEqual(['requested', 'provisioning', 'ready', 'ready']);
  });

  it('keeps names unique among live stores and frees them on deletion', async () => {
    const [, db] = await migrated(id);
    const first = await db.insertStore(newStore('shop'), accepted);
    await expect(db.insertStore(newStore('shop'), accepted)).rejects.toThrow(
      ConflictError,
    );
    await db.claim(first.id, {
      from: 'requested',
      to: 'failed',
      owner: 'test',
      leaseMs: 1000,
    });
    await db.transition(first.id, { from: 'failed', to: 'deleting' });
    await db.transition(first.id, {
      from: 'deleting',
      to: 'deleted',
      patch: { deletedAt: new Date().toISOString() },
    });
    const second = await db.insertStore(newStore('shop'), accepted);
    expect(second.id).not.toBe(first.id);
    expect((await db.getStoreByName('shop')).id).toBe(second.id);
  });

  it('lets one worker claim a store until its lease expires', async () => {
    const [, db] = await migrated(id);
    const store = await db.insertStore(newStore('shop'), accepted);
    const claim = { from: 'requested', to: 'provisioning' } as const;
    const a = await db.claim(store.id, {
      ...claim,
      owner: 'a',
      leaseMs: 60_000,
    });
    expect(a?.status).toBe('provisioning');
    expect(
      await db.claim(store.id, { ...claim, owner: 'b', leaseMs: 60_000 }),
    ).toBeUndefined();

    const resume = { from: 'provisioning', to: 'provisioning' } as const;
    expect(
      await db.claim(store.id, { ...resume, owner: 'b', leaseMs: 60_000 }),
    ).toBeUndefined();
    await db.releaseLease(store.id, 'a');
    const b = await db.claim(store.id, {
      ...resume,
      owner: 'b',
      leaseMs: 60_000,
      event: { type: 'accepted', message: 'resumed' },
    });
    expect(b?.status).toBe('provisioning');
    expect(b?.statusChangedAt).toBe(a?.statusChangedAt);
    expect(await db.renewLease(store.id, 'a', 1000)).toBe(false);
    expect(await db.renewLease(store.id, 'b', 1000)).toBe(true);

    // only the lease holder finishes the work
    expect(
      await db.transition(store.id, {
        from: 'provisioning',
        to: 'ready',
        leaseOwner: 'a',
      }),
    ).toBeUndefined();
    const ready = await db.transition(store.id, {
      from: 'provisioning',
      to: 'ready',
      leaseOwner: 'b',
      patch: { readyAt: new Date().toISOString(), observedGeneration: 1 },
    });
    expect(ready).toMatchObject({ status: 'ready', observedGeneration: 1 });
    const [live] = await db.listLiveStores();
    expect(live.leaseOwner).toBeUndefined();
    expect((await db.listEvents(store.id)).map(e => e.type)).toEqual([
      'accepted',
      'accepted',
    ]);
  });

  it('marks a ready store degraded and recovered, and only a ready one', async () => {
    const [, db] = await migrated(id);
    const store = await db.insertStore(newStore('shop'), accepted);
    const degraded = { type: 'degraded' as const, message: 'pod not ready' };
    // not ready yet: nothing to degrade
    expect(await db.setDegraded(store.id, 'x', degraded)).toBeUndefined();
    await db.claim(store.id, {
      from: 'requested',
      to: 'provisioning',
      owner: 'a',
      leaseMs: 60_000,
    });
    await db.transition(store.id, {
      from: 'provisioning',
      to: 'ready',
      leaseOwner: 'a',
    });

    const first = await db.setDegraded(store.id, 'Not available', degraded);
    expect(first).toMatchObject({
      status: 'ready',
      degradedReason: 'Not available',
    });
    expect(first?.degradedSince).toBeTruthy();
    // a new reason keeps the time it started
    const second = await db.setDegraded(store.id, 'Crash loop', degraded);
    expect(second?.degradedReason).toBe('Crash loop');
    expect(second?.degradedSince).toBe(first?.degradedSince);

    const recovered = await db.setDegraded(store.id, undefined, {
      type: 'recovered',
      message: 'available again',
    });
    expect(recovered?.degradedReason).toBeUndefined();
    expect(recovered?.degradedSince).toBeUndefined();

    // leaving ready clears it
    await db.setDegraded(store.id, 'Not available', degraded);
    const deleting = await db.transition(store.id, {
      from: 'ready',
      to: 'deleting',
    });
    expect(deleting?.degradedReason).toBeUndefined();
    expect((await db.listEvents(store.id)).map(e => e.type)).toEqual([
      'accepted',
      'degraded',
      'degraded',
      'recovered',
      'degraded',
    ]);
  });

  it("takes and renews leases by the database's clock, not the server's", async () => {
    const [, db] = await migrated(id);
    const store = await db.insertStore(newStore('shop'), accepted);
    // this server's clock runs ten minutes fast; the database's does not
    jest.useFakeTimers({
      now: Date.now() + 10 * 60_000,
      doNotFake: [
        'nextTick',
        'setImmediate',
        'clearImmediate',
        'setTimeout',
        'clearTimeout',
        'setInterval',
        'clearInterval',
        'queueMicrotask',
        'hrtime',
        'performance',
      ],
    });
    try {
      const dbNow = (await db.now()).getTime();
      const leaseExpiry = async () => {
        const [live] = await db.listLiveStores();
        return new Date(live.leaseExpiresAt!).getTime();
      };
      await db.claim(store.id, {
        from: 'requested',
        to: 'provisioning',
        owner: 'a',
        leaseMs: 60_000,
      });
      expect(Math.abs((await leaseExpiry()) - (dbNow + 60_000))).toBeLessThan(
        5_000,
      );
      expect(await db.renewLease(store.id, 'a', 60_000)).toBe(true);
      expect(Math.abs((await leaseExpiry()) - (dbNow + 60_000))).toBeLessThan(
        5_000,
      );
    } finally {
      jest.useRealTimers();
    }
  });

  it('refuses to renew a lease that lapsed', async () => {
    const [, db] = await migrated(id);
    const store = await db.insertStore(newStore('shop'), accepted);
    await db.claim(store.id, {
      from: 'requested',
      to: 'provisioning',
      owner: 'a',
      leaseMs: 1,
    });
    await new Promise(r => setTimeout(r, 50));
    // lapsed: another replica may have claimed it meanwhile, so no destructive step
    expect(await db.renewLease(store.id, 'a', 60_000)).toBe(false);
  });

  it('refuses a transition the lifecycle does not allow', async () => {
    const [, db] = await migrated(id);
    const store = await db.insertStore(newStore('shop'), accepted);
    await expect(
      db.transition(store.id, { from: 'requested', to: 'ready' }),
    ).rejects.toThrow("A store cannot go from 'requested' to 'ready'");
  });

  it('filters and pages the store list', async () => {
    const [, db] = await migrated(id);
    for (const name of ['a1', 'a2', 'a3']) {
      await db.insertStore(newStore(name), accepted);
    }
    await db.insertStore(newStore('m1', { engine: 'medusa' }), accepted);

    const medusa = await db.listStores({ engine: ['medusa'] });
    expect(medusa.items.map(s => s.name)).toEqual(['m1']);

    const page1 = await db.listStores({ limit: 3 });
    expect(page1.totalCount).toBe(4);
    expect(page1.items).toHaveLength(3);
    const page2 = await db.listStores({ limit: 3, cursor: page1.nextCursor });
    expect(page2.items).toHaveLength(1);
    expect(page2.nextCursor).toBeUndefined();
    const names = [...page1.items, ...page2.items].map(s => s.name).sort();
    expect(names).toEqual(['a1', 'a2', 'a3', 'm1']);

    await expect(db.listStores({ cursor: 'garbage' })).rejects.toThrow(
      InputError,
    );
  });
});
