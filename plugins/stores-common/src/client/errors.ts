import {
  AuthenticationError,
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ResponseError,
  ServiceUnavailableError,
} from '@backstage/errors';

/** Plain-text error bodies longer than this are proxies' HTML pages, not reasons. */
const MAX_TEXT_REASON_LENGTH = 300;

/**
 * The one place where a failed answer of the stores API becomes an error: the
 * Backstage error of the status (400 InputError, 401 AuthenticationError, 403
 * NotAllowedError, 404 NotFoundError, 409 ConflictError; 429 and 5xx
 * ServiceUnavailableError, since the backend may answer later), any other
 * status a ResponseError. The message is the stores backend's reason, which
 * says what to do, rather than the status line.
 *
 * @param operation - What was asked, such as "get store 'shop'"; when given the
 *   message reads "Could not get store 'shop': reason".
 */
export async function storesApiError(
  response: Response,
  operation?: string,
): Promise<Error> {
  const text = await response.text().catch(() => '');
  const fromBody = reasonFromBody(text);
  const reason =
    fromBody ?? `Request failed with ${response.status} ${response.statusText}`;
  const message = operation ? `Could not ${operation}: ${reason}` : reason;
  // Where the status says more than the reason, keep it in the message.
  const withStatus = fromBody
    ? `${message} (HTTP ${response.status})`
    : message;

  switch (response.status) {
    case 400:
      return new InputError(message);
    case 401:
      return new AuthenticationError(message);
    case 403:
      return new NotAllowedError(message);
    case 404:
      return new NotFoundError(message);
    case 409:
      return new ConflictError(message);
    default:
      if (response.status === 429 || response.status >= 500) {
        return new ServiceUnavailableError(withStatus);
      }
      return responseError(response, text, withStatus);
  }
}

/** The error of a request that got no answer at all. */
export function storesUnreachableError(
  cause: unknown,
  operation?: string,
): Error {
  const reason = `the stores backend did not answer (${String(cause)})`;
  return new ServiceUnavailableError(
    operation ? `Could not ${operation}: ${reason}` : reason,
  );
}

async function responseError(
  response: Response,
  text: string,
  message: string,
): Promise<ResponseError> {
  // The body is read already; ResponseError reads it again from this copy.
  const error = await ResponseError.fromResponse({
    headers: response.headers,
    ok: response.ok,
    redirected: response.redirected,
    status: response.status,
    statusText: response.statusText,
    type: response.type,
    url: response.url,
    text: async () => text,
  });
  error.message = message;
  return error;
}

function reasonFromBody(text: string): string | undefined {
  const body = text.trim();
  if (!body) {
    return undefined;
  }
  try {
    const message = JSON.parse(body)?.error?.message;
    return typeof message === 'string' && message ? message : undefined;
  } catch {
    const isMarkup = body.startsWith('<');
    return !isMarkup && body.length <= MAX_TEXT_REASON_LENGTH
      ? body
      : undefined;
  }
}
