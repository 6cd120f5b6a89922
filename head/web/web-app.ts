// The web listener: the pages (head/web/static-files.ts) for anyone, and the API (the same routes
// as head.sock's, with the web view's) for the user of a session cookie, in its own encapsulated
// part so that identifying requests never stands in front of the login page.
import Fastify, { type FastifyInstance } from 'fastify';
import { type AppDeps, apiRoutes, FASTIFY_OPTIONS, type Identify } from '../api/app.js';
import { acceptTerminals } from '../api/terminal-upgrade.js';
import { staticRoutes } from './static-files.js';
import { webIdentify } from './web-identify.js';
import type { WebSessions } from './web-sessions.js';

export interface WebAppOptions {
  /** the built single-page app (dist/web/) */
  staticDir: string;
  sessions: WebSessions;
  /** on a listener shared with commands (--listen --web): who a request without a cookie is */
  otherwise?: Identify;
  /** where browsers reach the view (--web-url, or the listener's own address) */
  baseUrl: string;
  /** more routes outside the session (GET /metrics) */
  open?: ((app: FastifyInstance) => void)[];
}

export function buildWebApp(deps: Omit<AppDeps, 'identify'>, opts: WebAppOptions): FastifyInstance {
  // a browser keeps connections open (keep-alive, the event stream): a head that stops ends them
  const app = Fastify({ logger: deps.logger ?? false, ...FASTIFY_OPTIONS, forceCloseConnections: true });
  const { origin, protocol } = new URL(opts.baseUrl);
  staticRoutes(app, opts.staticDir, opts.sessions, protocol === 'https:');
  for (const routes of opts.open ?? []) routes(app);
  const identify = webIdentify(opts.sessions, opts.otherwise, origin);
  app.register(async (api) => apiRoutes(api, { ...deps, identify }));
  // qsub -I on a listener shared with the commands: identified as the commands are (no cookie)
  if (deps.terminals && opts.otherwise)
    acceptTerminals(app, { ...deps, identify: opts.otherwise }, deps.terminals);
  return app;
}
