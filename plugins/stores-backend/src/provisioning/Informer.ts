import {
  ApiException,
  KubernetesListObject,
  KubernetesObject,
  Watch,
} from '@kubernetes/client-node';

/** The part of client-node's Watch an informer uses: one watch request, its events and its end. */
export type WatchRequests = Pick<Watch, 'watch'>;

/** One collection an informer keeps in step with the cluster. */
export interface InformerSource<T extends KubernetesObject> {
  /** For messages, e.g. `pods`. */
  resource: string;
  /** The collection across all namespaces, e.g. `/api/v1/pods`. */
  path: string;
  labelSelector: string;
  /** Lists the collection with the same selector; the watch starts at the list's resourceVersion. */
  list(): Promise<KubernetesListObject<T>>;
}

/** What an informer tells its owner. */
export interface InformerEvents<T> {
  /** An object was added, changed or deleted; a relist reports only what differs. */
  onChange(object: T): void;
  /** A list (the first, or a resync) is in the cache: it is complete as of now. */
  onSynced(): void;
  /** A list or watch failed; the informer tries again by itself, after a pause. */
  onError(error: unknown): void;
  /** A watch connected again after failures. */
  onRecovered(): void;
}

export interface InformerTimings {
  /** How often the whole collection is listed again, the safety net for a change the watch missed. */
  resyncMs: number;
  /** The first pause after a failure; it doubles with each failure in a row, up to `maxRetryMs`. */
  retryMs: number;
  maxRetryMs: number;
}

/** The HTTP status of a failed list or watch, when the API server gave one. */
export function statusOf(error: unknown): number | undefined {
  if (error instanceof ApiException) return error.code;
  const { statusCode, code } = (error ?? {}) as {
    statusCode?: unknown;
    code?: unknown;
  };
  if (typeof statusCode === 'number') return statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** A watch ended by an ERROR event: the Status the API server sent. */
class WatchStatusError extends Error {
  name = 'WatchStatusError';
  constructor(readonly statusCode: number | undefined, message: string) {
    super(message);
  }
}

/**
 * A cache of one collection of the cluster (the objects its label selector picks, in
 * every namespace), kept current by a watch: list once, then watch from the list's
 * resourceVersion. A watch that ends resumes from the last resourceVersion seen, so no
 * change is missed and nothing is listed again; one the API server can no longer
 * resume (410 Gone) is listed again. Failures are retried after a growing pause, and
 * the whole collection is listed again every `resyncMs` as a safety net.
 *
 * Listed objects are typed by the client, watched ones are the API server's JSON (dates
 * are strings): read neither's dates as Date objects.
 */
export class Informer<T extends KubernetesObject> {
  /** By namespace ('' for objects without one), then name. */
  private objects = new Map<string, Map<string, T>>();
  private resourceVersion = '';
  private connection?: AbortController;
  /** Counts lists and connections, so the end of one that was replaced is ignored. */
  private attempt = 0;
  private running = false;
  private listed = false;
  private failures = 0;
  private retryTimer?: NodeJS.Timeout;
  private resyncTimer?: NodeJS.Timeout;

  constructor(
    private readonly source: InformerSource<T>,
    private readonly watch: WatchRequests,
    private readonly events: InformerEvents<T>,
    private readonly timings: InformerTimings,
  ) {}

  get resource(): string {
    return this.source.resource;
  }

  /** Whether the collection has been listed at least once. */
  get synced(): boolean {
    return this.listed;
  }

  /** The cached objects of one namespace, or of every namespace. */
  list(namespace?: string): T[] {
    if (namespace !== undefined) {
      return [...(this.objects.get(namespace)?.values() ?? [])];
    }
    return [...this.objects.values()].flatMap(byName => [...byName.values()]);
  }

  get(namespace: string, name: string): T | undefined {
    return this.objects.get(namespace)?.get(name);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.relist();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.retryTimer);
    clearTimeout(this.resyncTimer);
    this.disconnect();
  }

  private disconnect() {
    this.attempt++;
    this.connection?.abort();
    this.connection = undefined;
  }

  private async relist(): Promise<void> {
    this.disconnect();
    clearTimeout(this.resyncTimer);
    const attempt = this.attempt;
    let list: KubernetesListObject<T>;
    try {
      list = await this.source.list();
    } catch (error) {
      if (attempt === this.attempt) this.retry(error, () => this.relist());
      return;
    }
    if (attempt !== this.attempt || !this.running) return;
    this.replace(list.items);
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
    this.listed = true;
    if (this.failures) this.events.onRecovered();
    this.failures = 0;
    this.resyncTimer = setTimeout(() => {
      if (this.running) void this.relist();
    }, this.timings.resyncMs);
    this.resyncTimer.unref?.();
    this.events.onSynced();
    this.connect();
  }

  private connect() {
    const attempt = ++this.attempt;
    let ended = false;
    const end = (error?: unknown) => {
      if (ended || attempt !== this.attempt) return;
      ended = true;
      // after an ERROR event the request may still be open
      const connection = this.connection;
      this.connection = undefined;
      connection?.abort();
      this.ended(error);
    };
    this.watch
      .watch(
        this.source.path,
        {
          labelSelector: this.source.labelSelector,
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: true,
        },
        (type: string, object: any) => {
          if (attempt === this.attempt && !ended) this.apply(type, object, end);
        },
        (error: unknown) => end(error ?? undefined),
      )
      .then(connection => {
        if (ended || attempt !== this.attempt || !this.running) {
          connection.abort();
          return;
        }
        this.connection = connection;
        if (this.failures) this.events.onRecovered();
        this.failures = 0;
      })
      .catch(end);
  }

  private apply(type: string, object: any, end: (error: unknown) => void) {
    switch (type) {
      case 'ADDED':
      case 'MODIFIED':
        this.put(object);
        break;
      case 'DELETED':
        this.remove(object);
        break;
      case 'BOOKMARK':
        break;
      case 'ERROR': {
        // the API server ends the watch after an ERROR; 410 Gone means it cannot resume
        const status = object as { code?: number; message?: string };
        end(
          new WatchStatusError(
            status?.code,
            `watch of ${this.source.resource} ended: ${
              status?.message ?? 'no reason given'
            }`,
          ),
        );
        return;
      }
      default:
        return;
    }
    this.resourceVersion =
      object?.metadata?.resourceVersion ?? this.resourceVersion;
  }

  /** What to do once a watch request has ended. */
  private ended(error: unknown) {
    if (!this.running) return;
    if (statusOf(error) === 410 || !this.resourceVersion) {
      void this.relist();
    } else if (!error) {
      // the API server closes every watch after its request timeout: resume
      this.connect();
    } else {
      this.retry(error, () => this.connect());
    }
  }

  private retry(error: unknown, again: () => void) {
    if (!this.running) return;
    this.failures++;
    this.events.onError(error);
    const pause = Math.min(
      this.timings.retryMs * 2 ** (this.failures - 1),
      this.timings.maxRetryMs,
    );
    this.retryTimer = setTimeout(() => {
      if (this.running) again();
    }, pause);
    this.retryTimer.unref?.();
  }

  /** Takes a fresh list as the cache, reporting what differs from before. */
  private replace(items: T[]) {
    const before = this.objects;
    this.objects = new Map();
    for (const item of items) {
      const object = trimmed(item);
      const { namespace, name } = keyOf(object);
      this.byName(namespace).set(name, object);
      const old = before.get(namespace)?.get(name);
      before.get(namespace)?.delete(name);
      if (old?.metadata?.resourceVersion !== object.metadata?.resourceVersion) {
        this.events.onChange(object);
      }
    }
    for (const gone of [...before.values()].flatMap(m => [...m.values()])) {
      this.events.onChange(gone);
    }
  }

  private put(item: T) {
    const object = trimmed(item);
    const { namespace, name } = keyOf(object);
    this.byName(namespace).set(name, object);
    this.events.onChange(object);
  }

  private remove(object: T) {
    const { namespace, name } = keyOf(object);
    const byName = this.objects.get(namespace);
    if (!byName?.delete(name)) return;
    if (!byName.size) this.objects.delete(namespace);
    this.events.onChange(object);
  }

  private byName(namespace: string): Map<string, T> {
    let byName = this.objects.get(namespace);
    if (!byName) {
      byName = new Map();
      this.objects.set(namespace, byName);
    }
    return byName;
  }
}

function keyOf(object: KubernetesObject) {
  return {
    namespace: object.metadata?.namespace ?? '',
    name: object.metadata?.name ?? '',
  };
}

/** managedFields are often half of an object, and nothing here reads them. */
function trimmed<T extends KubernetesObject>(object: T): T {
  if (!object.metadata?.managedFields) return object;
  const metadata = { ...object.metadata };
  delete metadata.managedFields;
  return { ...object, metadata };
}
