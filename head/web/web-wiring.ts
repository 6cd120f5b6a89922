// The web view's parts over a running head: sessions, the change feed (fed by job writes, the
// tables each commit changed, and scheduling passes), and the routes every API listener gets.
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { refuse } from '../../core/errors.js';
import type { HaStatus } from '../../core/protocol/ha-status.js';
import { answer } from '../api/replies.js';
import type { Store } from '../db/store.js';
import type { Operations } from '../jobs/operations.js';
import type { Cluster } from '../nodes/cluster.js';
import type { Dispatcher } from '../scheduling/dispatcher.js';
import { ChangeFeed, type FeedEvent } from './change-feed.js';
import { overview } from './overview.js';
import { type WebParts, webRoutes } from './web-routes.js';
import { WebSessions } from './web-sessions.js';

type Topic = Exclude<FeedEvent['name'], 'jobs'>;

/** The topic a table's writes concern (jobs are told by seq, through store.jobs.onWrite). */
const TABLE_TOPICS: [RegExp, Topic][] = [
  [/^(nodes|allocations|fences)$/, 'nodes'],
  [/^farm/, 'farms'],
  [/^(services|service_|broker)/, 'services'],
];

const WRITE = /^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)/i;

/** The topics a statement concerns, by the table it writes (remembered per SQL text). */
export function topicsOf(cache: Map<string, Topic | null>, sql: string): Topic | null {
  let topic = cache.get(sql);
  if (topic !== undefined) return topic;
  const table = WRITE.exec(sql)?.[1] ?? '';
  topic = TABLE_TOPICS.find(([re]) => re.test(table))?.[1] ?? null;
  cache.set(sql, topic);
  return topic;
}

/** Feed the change feed from the store, the nodes' liveness and the dispatcher. */
function feedFrom(store: Store, cluster: Cluster, dispatcher: Dispatcher): ChangeFeed {
  const feed = new ChangeFeed((seqs) => store.jobs.idsOf(seqs));
  store.jobs.onWrite((seq) => feed.job(seq));
  const cache = new Map<string, Topic | null>();
  store.statements.onCommit((batch) => {
    if (feed.subscribers === 0) return;
    for (const [sql] of batch.statements) {
      const topic = topicsOf(cache, sql);
      if (topic) feed.mark(topic);
    }
  });
  cluster.onLiveness(() => feed.mark('nodes'));
  dispatcher.onPass((pass) => {
    if (pass.placed > 0) feed.mark('scheduler', { at: pass.at, durationMs: pass.durationMs });
  });
  return feed;
}

/** Where a browser reaches HOST:PORT: a wildcard address is this host's name. */
export function baseUrlOf(listen: string, override?: string): string {
  if (override) return override.replace(/\/+$/, '');
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i);
  const name = host === '0.0.0.0' || host === '::' || host === '[::]' ? hostname() : host;
  return `http://${name.includes(':') && !name.startsWith('[') ? `[${name}]` : name}:${listen.slice(i + 1)}`;
}

/** Tell pages when the head pair changes (role, epoch, the standby connecting, falling behind or
 * catching up: not its lag, which moves all the time): the head looks at its own status every 2 s. */
export function watchPair(feed: ChangeFeed, status: () => HaStatus): () => void {
  const key = () => {
    const s = status();
    return JSON.stringify([s.role, s.epoch, s.primary, s.quorum, s.standby?.connected, s.standby?.inSync]);
  };
  let last = key();
  const timer = setInterval(() => {
    const now = key();
    if (now !== last) feed.mark('ha');
    last = now;
  }, 2000);
  timer.unref();
  return () => clearInterval(timer);
}

export interface WebHeadParts {
  store: Store;
  server: string;
  ops: Operations;
  cluster: Cluster;
  dispatcher: Dispatcher;
  baseUrl: string;
  /** a head with a standby: the pair's status */
  haStatus?: () => HaStatus;
}

export function wireWeb(
  p: WebHeadParts,
): WebParts & { routes: (app: FastifyInstance) => void; stop: () => void } {
  const feed = feedFrom(p.store, p.cluster, p.dispatcher);
  const unwatch = p.haStatus ? watchPair(feed, p.haStatus) : () => undefined;
  const parts: WebParts = {
    sessions: new WebSessions(),
    feed,
    store: p.store,
    server: p.server,
    queries: p.ops.queries,
    baseUrl: p.baseUrl,
    overview: () =>
      overview({
        store: p.store,
        server: p.server,
        nodes: () => p.ops.nodes.nodeRecords(),
        queues: () => p.ops.admin.queueRecords(),
        lastPass: () => p.dispatcher.lastPass,
      }),
  };
  const stop = () => {
    unwatch();
    feed.stop();
  };
  return { ...parts, routes: (app) => webRoutes(app, parts), stop };
}

/** A head without the web view answers `drover web login` with how to turn it on. */
export function noWebRoutes(app: FastifyInstance): void {
  app.post('/v1/web/login-token', (_req, reply) =>
    answer(
      reply,
      refuse(
        'NOT_SUPPORTED',
        'this head serves no web view: start it with --web-listen HOST:PORT (or --listen HOST:PORT --web)',
      ),
    ),
  );
}
