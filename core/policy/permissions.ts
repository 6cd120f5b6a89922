// Who may do what, as PBS defines it (docs/security.md has the table): a job's owner, operators
// and managers.
// Pure: the head establishes who is asking (head/auth/) and asks these functions before acting.
import { type Result, refuse } from '../errors.js';
import { aclMatches, type ServerSettings } from './server-settings.js';

export type Role = 'manager' | 'operator' | 'user';

/** Whoever sent a request, as the transport proved it. */
export interface Identity {
  user: string;
  uid: number;
  /** the host the request came from (the head's own name on its Unix socket) */
  host: string;
  /** the request came from the head's own host */
  local: boolean;
}

export interface Requester extends Identity {
  role: Role;
}

/** PBS's `msg_perm`; commands append the job id (two spaces between, as PBS prints). */
export const UNAUTHORIZED = 'Unauthorized Request ';

/**
 * The requester's role: root on the head host, and the user a non-root head runs as, are always
 * managers; others as the managers and operators ACLs say.
 */
export function roleOf(who: Identity, settings: ServerSettings, headUid: number): Role {
  if (who.local && (who.uid === 0 || who.uid === headUid)) return 'manager';
  if (aclMatches(settings.managers, who.user, who.host)) return 'manager';
  if (aclMatches(settings.operators, who.user, who.host)) return 'operator';
  return 'user';
}

/** The user part of a job owner `user@host`. */
export function ownerUser(owner: string): string {
  const at = owner.indexOf('@');
  return at < 0 ? owner : owner.slice(0, at);
}

/**
 * qdel, qalter, qrerun, qrls -h u and the like: the job's owner, or an operator or manager. User
 * ids are taken to be the same on every host (PBS's flatuid): alice@n1 owns alice@n2's jobs.
 */
export function mayControl(who: Requester, owner: string): boolean {
  return who.role !== 'user' || who.user === ownerUser(owner);
}

/** qstat, tracejob, render-farm status: everyone, unless query_other_jobs is False. */
export function mayQuery(who: Requester, owner: string, settings: ServerSettings): boolean {
  return settings.queryOtherJobs || mayControl(who, owner);
}

/** Holds: u by the owner, operators and managers; o by operators and managers; s and p by managers. */
export function mayHold(who: Requester, owner: string, types: string): boolean {
  for (const t of types) {
    if (t === 'u' && !mayControl(who, owner)) return false;
    if (t === 'o' && who.role === 'user') return false;
    if ((t === 's' || t === 'p') && who.role !== 'manager') return false;
  }
  return true;
}

/** A refusal unless the requester has at least `role`. */
export function requireRole(who: Requester, role: 'operator' | 'manager'): Result<void> {
  const enough = who.role === 'manager' || (role === 'operator' && who.role === 'operator');
  return enough ? { ok: true, value: undefined } : refuse('UNAUTHORIZED', UNAUTHORIZED.trim());
}
