// The broker's HTTP side: `ANY /svc/NAME/rest…` goes to one of the service's instances (path,
// query, end-to-end headers and body), `GET /resolve/NAME` names the best instance (or redirects
// to it with `?redirect=1`), `GET /stats` shows the counters. The hot path parses no JSON, logs
// nothing and allocates little: the call object, its header list and the instance's answer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { idempotent } from '../core/balancing/retry-rules.js';
import type { ServiceView } from '../core/protocol/service-view.js';
import { Call, type CallRequest } from './call.js';
import { BodyTooLarge, hasBody, readBody } from './request-body.js';
import { failureBody, HOP_BY_HOP, HttpSink } from './response-sink.js';
import type { ServiceState } from './service-state.js';
import type { ServiceTable } from './service-table.js';

export interface ProxyOptions {
  /** bodies up to this size are kept, so that their calls can be retried */
  bufferLimit: number;
  /** no request body may be larger */
  maxBody: number;
  /** seconds a /resolve answer stays good */
  resolveTtlS: number;
  stats: () => unknown;
  now: () => number;
}

export function reply(res: ServerResponse, status: number, message: string, retryAfterS?: number): void {
  const body = failureBody(status, message);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...(retryAfterS !== undefined ? { 'retry-after': String(retryAfterS) } : {}),
  });
  res.end(body);
}

function json(res: ServerResponse, status: number, value: unknown, extra: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...extra,
  });
  res.end(body);
}

/** The request's headers to send on: without the hop-by-hop ones and `expect`, with X-Forwarded-For. */
function forwardHeaders(req: IncomingMessage): string[] {
  const raw = req.rawHeaders;
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.length <= 19 ? name.toLowerCase() : '';
    if (HOP_BY_HOP.has(lower) || lower === 'expect') continue;
    out.push(name, raw[i + 1]!);
  }
  out.push('x-forwarded-for', req.socket.remoteAddress ?? '');
  return out;
}

/** hash: the call's session key, from its header or cookie. */
function sessionKey(req: IncomingMessage, hashKey: ServiceView['hashKey']): string | undefined {
  if (hashKey?.header) {
    const v = req.headers[hashKey.header.toLowerCase()];
    if (v !== undefined) return Array.isArray(v) ? v[0] : v;
  }
  const cookies = req.headers.cookie;
  if (!hashKey?.cookie || !cookies) return undefined;
  for (const part of cookies.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === hashKey.cookie) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** `/NAME/rest?query` (after the route's prefix) split into the name and what follows it. */
function splitName(url: string, from: number): [string, string] {
  let end = from;
  while (end < url.length && url[end] !== '/' && url[end] !== '?') end++;
  const rest = url.slice(end);
  const raw = url.slice(from, end);
  return [raw.includes('%') ? decoded(raw) : raw, rest === '' ? '/' : rest[0] === '?' ? `/${rest}` : rest];
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function proxy(
  service: ServiceState,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  o: ProxyOptions,
) {
  const method = req.method ?? 'GET';
  const request: CallRequest = {
    method,
    path,
    headers: forwardHeaders(req),
    body: null,
    idempotent: idempotent(
      method,
      req.headers['idempotency-key'] !== undefined,
      req.headers['x-drover-idempotent'] as string | undefined,
    ),
    key: service.view.policy === 'hash' ? sessionKey(req, service.view.hashKey) : undefined,
  };
  if (hasBody(req)) void withBody(service, req, res, request, o);
  else service.submit(new Call(service, request, new HttpSink(res), expire));
}

function expire(call: Call): void {
  (call.host as ServiceState).expired(call);
}

/** A call with a body: refused before it is read when it would be shed; read (or streamed) first. */
async function withBody(
  service: ServiceState,
  req: IncomingMessage,
  res: ServerResponse,
  request: CallRequest,
  o: ProxyOptions,
) {
  if (service.wouldShed()) {
    service.countShed();
    res.shouldKeepAlive = false;
    return reply(
      res,
      503,
      `service ${service.name}: ${service.queue.max} calls already wait`,
      service.retryAfterS,
    );
  }
  try {
    request.body = await readBody(req, o.bufferLimit, o.maxBody);
  } catch (e) {
    res.shouldKeepAlive = false;
    if (e instanceof BodyTooLarge) reply(res, 413, e.message);
    return;
  }
  service.submit(new Call(service, request, new HttpSink(res), expire));
}

function resolve(table: ServiceTable, url: string, res: ServerResponse, o: ProxyOptions): void {
  const q = url.indexOf('?');
  const [name, rest] = splitName(q < 0 ? url : url.slice(0, q), '/resolve/'.length);
  const service = table.get(name);
  const best = service?.balancer.best(o.now());
  if (!service || !best) {
    if (service) reply(res, 503, `service ${name} has no instance`, service.retryAfterS);
    else reply(res, 404, `no service ${name}`);
    return;
  }
  const { host, port, zone } = best.view;
  if (q >= 0 && /(^|&)redirect=(1|true)(&|$)/.test(url.slice(q + 1))) {
    const h = host.includes(':') ? `[${host}]` : host;
    res.writeHead(307, { location: `http://${h}:${port}${rest}`, 'content-length': 0 });
    return void res.end();
  }
  json(res, 200, { host, port, ...(zone ? { zone } : {}), ttl: o.resolveTtlS });
}

/** The request handler of the broker's server. */
export function brokerHandler(table: ServiceTable, o: ProxyOptions) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    if (url.startsWith('/svc/')) {
      const [name, path] = splitName(url, 5);
      const service = table.get(name);
      if (service) void proxy(service, req, res, path, o);
      else reply(res, 404, `no service ${name}`);
    } else if (req.method !== 'GET' && req.method !== 'HEAD')
      reply(res, 404, `no route ${req.method} ${url}`);
    else if (url.startsWith('/resolve/')) resolve(table, url, res, o);
    else if (url === '/stats' || url.startsWith('/stats?')) json(res, 200, o.stats());
    else reply(res, 404, `no route GET ${url}`);
  };
}
