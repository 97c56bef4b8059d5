/*
 * Counts the Kubernetes API requests one token makes, from the test bed API server's audit
 * log. The log is the honest counter: it holds one line per request the server handled
 * (start.sh logs the stores backend's identity only), and each line names the token's JTI,
 * so requests of other test processes acting as the same ServiceAccount are left out. The
 * alternative, apiserver_request_total from /metrics, counts every client at once: the
 * controllers, the scheduler and kwok's heartbeats would be counted too.
 */
import fs from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** One request of the audit log. */
export interface ApiRequest {
  /** `verb resource`, e.g. `list secrets` */
  what: string;
  /** the HTTP status the API server answered with */
  code: number;
}

function tokenId(token: string): string {
  const payload = JSON.parse(
    Buffer.from(token.split('.')[1], 'base64url').toString('utf8'),
  );
  return `JTI=${payload.jti}`;
}

/** Waits until nothing has been added to the log for a moment: the last requests' lines are in. */
async function quiet(log: string) {
  let size = -1;
  for (;;) {
    const now = (await fs.stat(log)).size;
    if (now === size) return;
    size = now;
    await sleep(300);
  }
}

/** Runs `work` and returns the requests `token` made while it ran. */
export async function apiRequestsDuring(
  auditLog: string,
  token: string,
  work: () => Promise<void>,
): Promise<ApiRequest[]> {
  const credential = tokenId(token);
  const from = (await fs.stat(auditLog)).size;
  await work();
  await quiet(auditLog);
  const file = await fs.open(auditLog);
  try {
    const { size } = await file.stat();
    if (size < from) {
      throw new Error(`${auditLog} was rotated while counting`);
    }
    const buffer = Buffer.alloc(size - from);
    await file.read(buffer, 0, buffer.length, from);
    // a watch has two lines, when it starts and when it ends: one request
    const requests = new Map<string, ApiRequest>();
    for (const line of buffer.toString('utf8').split('\n')) {
      if (!line) continue;
      const event = JSON.parse(line);
      const ids: string[] | undefined =
        event.user?.extra?.['authentication.kubernetes.io/credential-id'];
      if (!ids?.includes(credential)) continue;
      requests.set(event.auditID, {
        what: `${event.verb} ${event.objectRef?.resource ?? event.requestURI}`,
        code: event.responseStatus?.code,
      });
    }
    return [...requests.values()];
  } finally {
    await file.close();
  }
}

/** `3000 requests: 1000 list secrets, 1000 list deployments, ...`; refused ones with their status. */
export function describeRequests(requests: ApiRequest[]): string {
  const counts = new Map<string, number>();
  for (const { what, code } of requests) {
    const key = code < 300 ? what : `${what} (${code})`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const parts = [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([what, n]) => `${n} ${what}`);
  const n = requests.length;
  return `${n} request${n === 1 ? '' : 's'}: ${parts.join(', ')}`;
}
