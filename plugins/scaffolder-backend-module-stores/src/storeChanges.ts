import { EventsService } from '@backstage/plugin-events-node';
import { STORE_CHANGED_TOPIC } from '@stores-for-backstage/plugin-stores-common';

/**
 * Tells the actions that wait for a store that it changed, so that a wait ends
 * right after the change instead of at its next poll.
 *
 * @public
 */
export interface StoreChangeSource {
  /** Calls `listener` on each change of the named store, until the returned function is called. */
  listen(name: string, listener: () => void): () => void;
}

/**
 * The changes of stores as the stores backend announces them on the events
 * service ({@link STORE_CHANGED_TOPIC}: a store recorded, a new status). They
 * reach this module when the stores plugin runs in the same backend; with the
 * events backend's bus, a change reaches one replica's subscriber only. Either
 * way the actions go on polling, which makes up for changes that do not arrive.
 */
export class StoreChanges implements StoreChangeSource {
  private readonly listeners = new Map<string, Set<() => void>>();

  /** Subscribes to the stores backend's announcements, once per backend. */
  static async subscribe(events: EventsService): Promise<StoreChanges> {
    const changes = new StoreChanges();
    await events.subscribe({
      id: 'scaffolder-stores-actions',
      topics: [STORE_CHANGED_TOPIC],
      onEvent: async ({ eventPayload }) => {
        const { name } = (eventPayload ?? {}) as { name?: unknown };
        if (typeof name === 'string') changes.changed(name);
      },
    });
    return changes;
  }

  /** A change of the named store: wakes whoever listens for it. */
  changed(name: string): void {
    for (const listener of this.listeners.get(name) ?? []) listener();
  }

  listen(name: string, listener: () => void): () => void {
    const forStore = this.listeners.get(name) ?? new Set();
    this.listeners.set(name, forStore);
    forStore.add(listener);
    return () => {
      forStore.delete(listener);
      if (forStore.size === 0 && this.listeners.get(name) === forStore) {
        this.listeners.delete(name);
      }
    };
  }
}
