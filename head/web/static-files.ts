// The web view's pages: the single-page app built at install time into dist/web/ (no CDN: it works
// with no internet), its index for every page's URL (the app routes by URL), and the login link
// `drover web login` prints, which trades its one-time token for a session cookie.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { COOKIE } from './web-identify.js';
import { SESSION_MS, type WebSessions } from './web-sessions.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Every page: nothing from elsewhere, no framing, no referrer (a login URL holds a token). */
const HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

function page(reply: FastifyReply, status: number, title: string, text: string) {
  return reply
    .code(status)
    .headers({ ...HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
    .send(
      `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><main><h1>${title}</h1><p>${text}</p></main></html>\n`,
    );
}

/** A file under `dir` named by a URL path, or undefined (outside it, absent, or not a file). */
function fileUnder(dir: string, urlPath: string): string | undefined {
  try {
    const file = normalize(join(dir, decodeURIComponent(urlPath)));
    if (!file.startsWith(dir + sep)) return undefined;
    return statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

function sendIndex(reply: FastifyReply, dir: string) {
  const index = join(dir, 'index.html');
  if (!existsSync(index))
    return page(
      reply,
      503,
      'Web view not built',
      'This installation has no dist/web/: run <code>npm run build</code>.',
    );
  return reply
    .headers({ ...HEADERS, 'content-type': TYPES['.html']!, 'cache-control': 'no-cache' })
    .send(readFileSync(index));
}

/** `secure`: browsers reach the view over https (a proxy): the cookie goes over https only. */
export function staticRoutes(
  app: FastifyInstance,
  dir: string,
  sessions: WebSessions,
  secure: boolean,
): void {
  app.get('/', (_req, reply) => reply.redirect('/web/'));
  app.get('/web', (_req, reply) => reply.redirect('/web/'));
  app.get<{ Querystring: { token?: string } }>('/web/login', (req, reply) => {
    const token = req.query.token;
    const session = typeof token === 'string' && token.length <= 100 ? sessions.redeem(token) : undefined;
    if (!session)
      return page(
        reply,
        401,
        'Login link not valid',
        'This link was used already, has expired (links last two minutes) or is wrong. Run <code>drover web login</code> again.',
      );
    const cookie = `${COOKIE}=${session.id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MS / 1000}${secure ? '; Secure' : ''}`;
    return reply
      .code(303)
      .headers({ ...HEADERS, 'set-cookie': cookie, location: '/web/' })
      .send();
  });
  // every page's URL is the app's (a job id has dots: /web/jobs/12.head1); its files are in assets/
  app.get('/web/*', (_req, reply) => sendIndex(reply, dir));
  app.get<{ Params: { '*': string } }>('/web/assets/*', (req, reply) => {
    const rest = req.params['*'];
    const file = fileUnder(join(dir, 'assets'), rest);
    if (!file)
      return reply
        .code(404)
        .headers(HEADERS)
        .send({ statusCode: 404, code: 'NOT_FOUND', message: 'no such file' });
    // bundles are named by their content hash: a new build has new names
    const cache = /\.[0-9a-f]{8,}\./i.test(rest) ? 'public, max-age=31536000, immutable' : 'no-cache';
    return reply
      .headers({
        ...HEADERS,
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': cache,
      })
      .send(readFileSync(file));
  });
}
