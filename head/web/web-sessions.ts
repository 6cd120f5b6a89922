// Logins to the web view without passwords: `drover web login` asks the head (as the user the
// transport proved) for a one-time token; the browser trades the token for a session, whose id
// lives in an HttpOnly cookie and whose CSRF token the page sends with every change. Both live in
// the head's memory only: a head that restarts forgets them, and the user logs in again.
import { randomBytes } from 'node:crypto';
import type { Identity } from '../../core/policy/permissions.js';

/** A login token is good for this long, once. */
export const TOKEN_MS = 2 * 60_000;
/** A session lasts this long from its login. */
export const SESSION_MS = 12 * 3600_000;
/** At most this many tokens and sessions are kept (the oldest go first)… */
const MAX_KEPT = 10_000;
/** …and this many of each per user, so that one user cannot push the others' out. */
const MAX_PER_USER = 20;

export interface WebSession {
  id: string;
  csrf: string;
  who: Identity;
  expires: number;
}

const secret = () => randomBytes(32).toString('base64url');

export class WebSessions {
  private tokens = new Map<string, { who: Identity; expires: number }>();
  private sessions = new Map<string, WebSession>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A one-time login token for `who`. */
  issue(who: Identity): { token: string; expires: number } {
    const token = secret();
    const expires = this.now() + TOKEN_MS;
    keep(this.tokens, token, { who, expires }, this.now());
    return { token, expires };
  }

  /** The session a token opens, once; undefined for a token unknown, used or expired. */
  redeem(token: string): WebSession | undefined {
    const t = this.tokens.get(token);
    this.tokens.delete(token);
    if (!t || t.expires <= this.now()) return undefined;
    const session = { id: secret(), csrf: secret(), who: t.who, expires: this.now() + SESSION_MS };
    keep(this.sessions, session.id, session, this.now());
    return session;
  }

  /** The live session with this id. */
  find(id: string): WebSession | undefined {
    const s = this.sessions.get(id);
    if (s && s.expires <= this.now()) this.sessions.delete(id);
    return s && s.expires > this.now() ? s : undefined;
  }

  end(id: string): void {
    this.sessions.delete(id);
  }
}

/** Add to a map kept in insertion order, dropping the expired and, past the limits, the oldest
 * (of the same user first). */
function keep<T extends { expires: number; who: Identity }>(
  map: Map<string, T>,
  key: string,
  value: T,
  now: number,
): void {
  const mine = [...map].filter(([, v]) => v.who.user === value.who.user);
  for (const [k] of mine.slice(0, Math.max(0, mine.length - MAX_PER_USER + 1))) map.delete(k);
  for (const [k, v] of map) {
    if (map.size < MAX_KEPT && v.expires > now) break;
    map.delete(k);
  }
  map.set(key, value);
}
