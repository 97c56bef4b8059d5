import { isDatabaseUnavailable } from '../service/databaseUnavailable';

/**
 * The words of a cluster that was away for a moment (refused, hung, timed out, restarting),
 * as the Kubernetes client, Node and helm say them. Such an error says nothing about the
 * store: the work is tried again after a pause, until the provisioning timeout.
 */
const CLUSTER_AWAY =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|EPIPE|socket hang up|fetch failed|operation was aborted|user aborted a request|AbortError|TimeoutError|Kubernetes cluster unreachable|connection refused|connection reset|i\/o timeout|TLS handshake timeout|context deadline exceeded|client connection lost|unable to return a response in the time allotted|etcdserver: request timed out|Timeout: request did not complete|the server is currently unable to handle the request|no answer within/i;

/** Whether an error means "try again later" rather than "this store cannot be made". */
export function isTransient(error: unknown): boolean {
  if (isDatabaseUnavailable(error)) return true;
  const e = error as {
    name?: string;
    message?: string;
    detail?: string;
    cause?: unknown;
  };
  const text = [e?.name, e?.message, e?.detail, String(e?.cause ?? '')].join(
    '\n',
  );
  return CLUSTER_AWAY.test(text);
}
