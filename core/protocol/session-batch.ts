// Durable sessions at a broker: a batch of calls to one service, stored by the broker and worked
// through in the background, whose responses the client collects later (`drover call`). The
// shapes and bounds shared by the command (cli/call-batch.ts) and the broker
// (broker/session-routes.ts), and the check of one batch.

export const SESSION_LIMITS = {
  /** requests in one batch */
  requests: 100_000,
  /** bytes of one batch's JSON body */
  bytes: 64 * 2 ** 20,
  /** characters of a correlation id */
  id: 256,
  /** characters of a path (with its query) */
  path: 8_192,
  /** headers of one request, and the characters of one value */
  headers: 64,
  headerValue: 8_192,
  /** responses in one page of `GET /sessions/ID` */
  page: 10_000,
  /** seconds `GET /sessions/ID?wait=S` may wait for a new response */
  waitSeconds: 60,
} as const;

export const BATCH_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type BatchMethod = (typeof BATCH_METHODS)[number];

/** Headers the broker sets itself: a request in a batch may not. */
const BROKER_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'idempotency-key',
]);

/** One call of a batch, as the broker stores and sends it. */
export interface BatchRequest {
  /** the client's correlation id: unique in its batch, sent as `Idempotency-Key` */
  id: string;
  method: BatchMethod;
  /** the path at the instance (with its query), e.g. `/score?x=1` */
  path: string;
  headers: Record<string, string>;
  /** a string is sent as it is; any other JSON value as JSON (`content-type: application/json`) */
  body?: string;
}

/** One finished request in `GET /sessions/ID`: the instance's answer, or why there is none. */
export interface SessionResponse {
  id: string;
  status?: number;
  headers?: Record<string, string>;
  /** the body as text when it is UTF-8, else `bodyBase64` */
  body?: string;
  bodyBase64?: string;
  /** the broker got no answer from any instance (after its attempts) */
  error?: string;
}

/** `GET /sessions/ID`: progress, and with `from`/`limit` a page of responses in finishing order. */
export interface SessionProgress {
  session: string;
  service: string;
  created: string;
  total: number;
  /** finished requests, failed ones included */
  done: number;
  /** finished with no answer, or with a status of 500 or more */
  failed: number;
  responses?: SessionResponse[];
  /** `from` for the next page */
  next?: number;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Whether a string holds a C0 control character or DEL. */
export const hasControl = (s: string): boolean => CONTROL.test(s);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function checkHeaders(value: unknown): Record<string, string> | string {
  if (value === undefined) return {};
  if (!isObject(value)) return 'headers must be an object of strings';
  const entries = Object.entries(value);
  if (entries.length > SESSION_LIMITS.headers) return `more than ${SESSION_LIMITS.headers} headers`;
  const out: Record<string, string> = {};
  for (const [name, v] of entries) {
    if (!TOKEN.test(name)) return `not a header name: ${JSON.stringify(name)}`;
    if (BROKER_HEADERS.has(name.toLowerCase())) return `header ${name} is set by the broker`;
    if (typeof v !== 'string' || v.length > SESSION_LIMITS.headerValue || /[\r\n\0]/.test(v))
      return `header ${name}: not a string of at most ${SESSION_LIMITS.headerValue} characters on one line`;
    out[name.toLowerCase()] = v;
  }
  return out;
}

/** One request of a batch, checked and normalized; a string says what is wrong with it. */
export function checkBatchRequest(value: unknown): BatchRequest | string {
  if (!isObject(value)) return 'not a JSON object';
  for (const key of Object.keys(value))
    if (!['id', 'method', 'path', 'headers', 'body'].includes(key)) return `unknown field ${key}`;
  const { id, method = 'GET', path, body } = value;
  if (typeof id !== 'string' || id === '' || id.length > SESSION_LIMITS.id || CONTROL.test(id))
    return `id must be a string of 1 to ${SESSION_LIMITS.id} characters without control characters`;
  if (typeof method !== 'string' || !(BATCH_METHODS as readonly string[]).includes(method.toUpperCase()))
    return `method must be one of ${BATCH_METHODS.join(' ')}`;
  if (
    typeof path !== 'string' ||
    !path.startsWith('/') ||
    path.length > SESSION_LIMITS.path ||
    /\s/.test(path) ||
    CONTROL.test(path)
  )
    return `path must start with / and hold no spaces or control characters (at most ${SESSION_LIMITS.path})`;
  const headers = checkHeaders(value.headers);
  if (typeof headers === 'string') return headers;
  const request: BatchRequest = { id, method: method.toUpperCase() as BatchMethod, path, headers };
  if (typeof body === 'string') request.body = body;
  else if (body !== undefined) {
    request.body = JSON.stringify(body);
    headers['content-type'] ??= 'application/json';
  }
  return request;
}

/** A whole batch (`{ requests: [...] }`): every request checked, correlation ids unique. */
export function checkBatch(value: unknown): { requests: BatchRequest[] } | { error: string } {
  if (!isObject(value) || !Array.isArray(value.requests))
    return { error: 'the body must be { "requests": [...] }' };
  const list: unknown[] = value.requests;
  if (list.length === 0) return { error: 'the batch holds no request' };
  if (list.length > SESSION_LIMITS.requests)
    return { error: `a batch holds at most ${SESSION_LIMITS.requests} requests (this one ${list.length})` };
  const requests: BatchRequest[] = [];
  const seen = new Set<string>();
  for (const [i, item] of list.entries()) {
    const r = checkBatchRequest(item);
    if (typeof r === 'string') return { error: `request ${i}: ${r}` };
    if (seen.has(r.id)) return { error: `request ${i}: id ${JSON.stringify(r.id)} is used twice` };
    seen.add(r.id);
    requests.push(r);
  }
  return { requests };
}
