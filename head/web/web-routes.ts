// The web view's API routes (under /v1/web/), answered for the proven requester like every other
// route: login tokens for `drover web login`, the session (with its CSRF token), the overview, the
// jobs table, one job, and the stream of changes (server-sent events).
import type { FastifyInstance, FastifyReply } from 'fastify';
import { refuse } from '../../core/errors.js';
import { mayQuery, type Requester } from '../../core/policy/permissions.js';
import { openStreams, pushStream } from '../api/push-stream.js';
import { answer } from '../api/replies.js';
import type { Store } from '../db/store.js';
import type { JobQueries } from '../jobs/job-queries.js';
import type { ChangeFeed, FeedEvent } from './change-feed.js';
import { COOKIE, sessionOf } from './web-identify.js';
import { type JobPageParams, jobPage, jobsPage } from './web-jobs.js';
import { jobPageQuery } from './web-schemas.js';
import type { WebSessions } from './web-sessions.js';

/** The web view's parts, given to every API listener (head.sock mints login tokens too). */
export interface WebParts {
  sessions: WebSessions;
  feed: ChangeFeed;
  store: Store;
  server: string;
  queries: JobQueries;
  overview: () => unknown;
  /** where the browser reaches the web view, e.g. `http://head1:8080` */
  baseUrl: string;
}

/** A stream hears at least this often (a comment line), so proxies and browsers keep it open. */
const PING_MS = 15_000;
/** A browser that leaves this much unread is cut off (EventSource reconnects). */
const BACKLOG = 1 << 20;

const identity = (who: Requester) => ({ user: who.user, uid: who.uid, host: who.host, local: who.local });

/** A `jobs` event as this viewer may see it: only her jobs' ids when query_other_jobs is False. */
function forViewer(e: FeedEvent, visible: (owner: string) => boolean): FeedEvent {
  if (e.name !== 'jobs' || !Array.isArray(e.data.jobs)) return e;
  const jobs = e.data.jobs as { id: string; owner: string }[];
  return { name: 'jobs', data: { ids: jobs.filter((j) => visible(j.owner)).map((j) => j.id) } };
}

/** One browser's stream of changes (server-sent events). */
function eventStream(web: WebParts, who: Requester, reply: FastifyReply, open: Set<() => void>): void {
  const visible = (owner: string) => mayQuery(who, owner, web.store.meta.settings());
  pushStream(reply, open, {
    type: 'text/event-stream',
    first: `retry: 2000\nevent: hello\ndata: ${JSON.stringify({ at: Date.now() })}\n\n`,
    subscribe: (write) =>
      web.feed.subscribe((events: FeedEvent[]) =>
        write(
          events
            .map((e) => forViewer(e, visible))
            .map((e) => `event: ${e.name}\ndata: ${JSON.stringify(e.data)}\n\n`)
            .join(''),
        ),
      ),
    ping: ': ping\n\n',
    pingMs: PING_MS,
    backlog: BACKLOG,
  });
}

function sessionRoutes(app: FastifyInstance, web: WebParts): void {
  app.post('/v1/web/login-token', (req, reply) => {
    // a session never makes another: a stolen cookie ends with its session
    if (sessionOf(req, web.sessions))
      return answer(reply, refuse('UNAUTHORIZED', 'run `drover web login` on the cluster for a login link'));
    const { token, expires } = web.sessions.issue(identity(req.requester));
    return { url: `${web.baseUrl}/web/login?token=${token}`, expires };
  });
  app.get('/v1/web/session', (req, reply) => {
    const session = sessionOf(req, web.sessions);
    if (!session) return answer(reply, refuse('NO_SESSION', 'no web session: run `drover web login`'));
    const { user, role } = req.requester;
    return { user, role, csrf: session.csrf, server: web.server, expires: session.expires };
  });
  app.post('/v1/web/logout', (req, reply) => {
    const session = sessionOf(req, web.sessions);
    if (session) web.sessions.end(session.id);
    reply.header('set-cookie', `${COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
    return {};
  });
}

export function webRoutes(app: FastifyInstance, web: WebParts): void {
  const open = openStreams(app);
  sessionRoutes(app, web);
  app.get('/v1/web/events', (req, reply) => eventStream(web, req.requester, reply, open));
  app.get('/v1/web/overview', () => web.overview());
  app.get<{ Querystring: Omit<JobPageParams, 'page' | 'per'> & { page?: string; per?: string } }>(
    '/v1/web/jobs',
    { schema: { querystring: jobPageQuery } },
    (req, reply) => {
      const { page, per, ...rest } = req.query;
      const params: JobPageParams = {
        ...rest,
        ...(page !== undefined ? { page: Number(page) } : {}),
        ...(per !== undefined ? { per: Number(per) } : {}),
      };
      return answer(reply, jobsPage(web.store, web.server, req.requester, params));
    },
  );
  app.get<{ Params: { id: string } }>('/v1/web/jobs/:id', (req, reply) => {
    if (req.params.id.length > 300) return answer(reply, refuse('BAD_REQUEST', 'job id too long'));
    return answer(reply, jobPage(web.queries, req.requester, req.params.id));
  });
}
