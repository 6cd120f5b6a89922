// Who sends a request to the web listener: the user of the session its cookie names. A request
// that changes something must also carry the session's CSRF token in a header (a page of another
// site can make the browser send the cookie, never read the token) and, when the browser says
// where the page came from (Origin), come from this listener's own origin.
import { ok, refuse } from '../../core/errors.js';
import type { Identify, IncomingRequest } from '../api/app.js';
import { sameSecret } from '../auth/same-secret.js';
import type { WebSession, WebSessions } from './web-sessions.js';

export const COOKIE = 'drover_session';
export const CSRF_HEADER = 'x-csrf-token';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The session a request's cookie names, if it is live. */
export function sessionOf(
  req: Pick<IncomingRequest, 'headers'>,
  sessions: WebSessions,
): WebSession | undefined {
  const id = cookieValue(req.headers.cookie, COOKIE);
  return id ? sessions.find(id) : undefined;
}

/** Origin is absent, names the host this request was sent to, or the public one (--web-url). */
function sameOrigin(req: IncomingRequest, publicOrigin: string | undefined): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || origin === publicOrigin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * Identify by session cookie; `otherwise` answers requests that carry none (e.g. MUNGE on
 * --listen). `publicOrigin`: where browsers reach the view when a proxy stands in front.
 */
export function webIdentify(sessions: WebSessions, otherwise?: Identify, publicOrigin?: string): Identify {
  return async (req) => {
    if (otherwise && cookieValue(req.headers.cookie, COOKIE) === undefined) return otherwise(req);
    const session = sessionOf(req, sessions);
    if (!session)
      return refuse('NO_SESSION', 'no web session: run `drover web login` and open the URL it prints');
    if (!SAFE.has(req.method)) {
      const csrf = req.headers[CSRF_HEADER];
      if (typeof csrf !== 'string' || !sameSecret(csrf, session.csrf))
        return refuse('CSRF', 'the request lacks the session CSRF token (X-CSRF-Token): refused');
      if (!sameOrigin(req, publicOrigin))
        return refuse('CSRF', 'the request comes from another site (Origin): refused');
    }
    return ok(session.who);
  };
}
