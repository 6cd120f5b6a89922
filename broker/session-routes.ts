// The durable sessions' HTTP side, on plain node:http requests so that whatever serves the broker
// can hand them over first: `POST /svc/NAME/batch` stores a batch and answers `{ session }` (201)
// once it is committed; `GET /sessions/ID` shows its progress, with `from`/`limit` a page of
// responses in finishing order, and with `wait=S` waits up to S seconds for a response beyond
// `from`; `DELETE /sessions/ID` forgets it. `mountSessions` opens the store in the broker's
// state directory (broker/sessions-store.ts) and starts the worker (broker/sessions.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkBatch, hasControl, SESSION_LIMITS } from '../core/protocol/session-batch.js';
import { SessionWorker, type SessionWorkerOptions } from './sessions.js';
import { SessionStore } from './sessions-store.js';

export interface SessionsOptions extends SessionWorkerOptions {
  /** the broker's state directory: the sessions are in its `sessions.db` */
  stateDir: string;
  /** whether the broker knows this service now (a batch for another is refused, 404) */
  knows?: (service: string) => boolean;
}

export interface SessionsMount {
  /** Answers the request and returns true when it is one of the sessions' routes. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  worker: SessionWorker;
  /** Stop the worker (what is in flight is sent again at the next start) and close the store. */
  close(): void;
}

const BATCH = /^\/svc\/([^/]+)\/batch$/;
const SESSION = /^\/sessions\/([^/]+)$/;

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The body, or undefined when it is larger than `limit` (the rest is read and dropped). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      req.resume();
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => resolve(size <= limit ? Buffer.concat(chunks) : undefined));
    req.on('error', reject);
  });
}

function decoded(part: string): string | undefined {
  try {
    const s = decodeURIComponent(part);
    return s.length > 0 && s.length <= 256 && !s.includes('/') && !hasControl(s) ? s : undefined;
  } catch {
    return undefined;
  }
}

/** A non-negative whole number from the query, `fallback` when absent, undefined when bad. */
function count(params: URLSearchParams, name: string, fallback: number, max: number): number | undefined {
  const raw = params.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  return /^\d+$/.test(raw) && n <= max ? n : undefined;
}

async function postBatch(
  store: SessionStore,
  worker: SessionWorker,
  service: string,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const raw = await readBody(req, SESSION_LIMITS.bytes);
  if (!raw) {
    res.setHeader('connection', 'close');
    return reply(res, 413, { error: `a batch is at most ${SESSION_LIMITS.bytes / 2 ** 20} MiB of JSON` });
  }
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    return reply(res, 400, { error: 'the body is not JSON' });
  }
  const checked = checkBatch(value);
  if ('error' in checked) return reply(res, 400, checked);
  const session = await store.create(service, checked.requests);
  reply(res, 201, { session });
  worker.added(session, service);
}

async function getSession(
  store: SessionStore,
  worker: SessionWorker,
  id: string,
  query: string,
  res: ServerResponse,
) {
  const params = new URLSearchParams(query);
  const paged = params.has('from') || params.has('limit');
  const from = count(params, 'from', 0, Number.MAX_SAFE_INTEGER);
  const limit = count(params, 'limit', 1000, SESSION_LIMITS.page);
  const wait = count(params, 'wait', 0, SESSION_LIMITS.waitSeconds);
  if (from === undefined || limit === undefined || limit === 0 || wait === undefined)
    return reply(res, 400, {
      error: `from: a whole number; limit: 1 to ${SESSION_LIMITS.page}; wait: 0 to ${SESSION_LIMITS.waitSeconds} seconds`,
    });
  const page = paged ? { from, limit } : undefined;
  let progress = store.progress(id, page);
  if (progress && wait > 0 && progress.done <= from && progress.done < progress.total) {
    await worker.waitFor(id, wait * 1000);
    progress = store.progress(id, page);
  }
  if (!progress) return reply(res, 404, { error: `no session ${id}` });
  reply(res, 200, progress);
}

/** Open the sessions in `stateDir`, start working through the unfinished ones, and route. */
export function mountSessions(opts: SessionsOptions): SessionsMount {
  const store = new SessionStore(opts.stateDir);
  const worker = new SessionWorker(store, opts);
  worker.start();
  const route = async (req: IncomingMessage, res: ServerResponse, path: string, query: string) => {
    const batch = BATCH.exec(path);
    const session = SESSION.exec(path);
    const name = decoded((batch ?? session)![1]!);
    if (!name) return reply(res, 404, { error: `no such path: ${path}` });
    if (batch) {
      if (req.method !== 'POST') return reply(res, 405, { error: 'a batch is sent with POST' });
      if (opts.knows && !opts.knows(name)) return reply(res, 404, { error: `no service ${name}` });
      return postBatch(store, worker, name, req, res);
    }
    if (req.method === 'GET') return getSession(store, worker, name, query, res);
    if (req.method !== 'DELETE') return reply(res, 405, { error: 'a session takes GET and DELETE' });
    if (!store.remove(name)) return reply(res, 404, { error: `no session ${name}` });
    worker.removed(name);
    reply(res, 200, { session: name, deleted: true });
  };
  return {
    worker,
    handle(req, res) {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      if (!BATCH.test(path) && !SESSION.test(path)) return false;
      route(req, res, path, q < 0 ? '' : url.slice(q + 1)).catch((err: unknown) => {
        if (!res.headersSent) reply(res, 500, { error: err instanceof Error ? err.message : String(err) });
        else res.destroy();
      });
      return true;
    },
    close() {
      worker.stop();
      store.close();
    },
  };
}
