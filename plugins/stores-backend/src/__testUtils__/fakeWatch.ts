import { KubernetesObject } from '@kubernetes/client-node';
import { WatchRequests } from '../provisioning/Informer';

/** One watch request made to a FakeWatch: the test sends its events and ends it. */
export interface FakeWatchRequest {
  path: string;
  params: Record<string, string | number | boolean | undefined>;
  /** Sends a watch event, as a line of the API server's stream. */
  send(type: string, object: KubernetesObject | object): void;
  /** Ends the request: cleanly (the API server's timeout) or with an error (a lost connection). */
  end(error?: unknown): void;
  readonly ended: boolean;
}

/**
 * Stands in for client-node's Watch: every request is recorded and stays open until the
 * test ends it, or the caller aborts it (which ends it with an error, as Watch does).
 */
export class FakeWatch implements WatchRequests {
  readonly requests: FakeWatchRequest[] = [];

  async watch(
    path: string,
    params: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: any) => void,
    done: (err: any) => void,
  ): Promise<AbortController> {
    const controller = new AbortController();
    let ended = false;
    const end = (error?: unknown) => {
      if (ended) return;
      ended = true;
      done(error ?? null);
    };
    controller.signal.addEventListener('abort', () =>
      end(new Error('The user aborted a request.')),
    );
    this.requests.push({
      path,
      params,
      send: (type, object) => {
        if (!ended) callback(type, object);
      },
      end,
      get ended() {
        return ended;
      },
    });
    return controller;
  }

  /** The requests of one collection that are still open. */
  open(path: string): FakeWatchRequest[] {
    return this.requests.filter(r => r.path === path && !r.ended);
  }
}

/** Resolves once `condition` holds, checking every few milliseconds. */
export async function eventually(
  condition: () => boolean,
  timeoutMs = 2_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition never held');
    await new Promise(r => setTimeout(r, 2));
  }
}
