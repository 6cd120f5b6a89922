// The head's side of MUNGE authentication: a credential from a request header is decoded by the
// head's own munged, which vouches for the uid/gid that encoded it (munged learned them from its
// socket), where and when, and refuses a credential it has decoded before. The ReplayGuard
// remembers credentials as well, because munged forgets its replay cache when it restarts.
import { createHash } from 'node:crypto';
import type { MungeErrorName } from '../../core/protocol/munge-errors.js';
import {
  decodeRequest,
  MUNGE_MAX_REQUEST,
  MungeMsg,
  parseDecodeReply,
} from '../../core/protocol/munge-wire.js';
import { MungeSocketError, mungeExchange } from '../../platform/munge-client.js';

export interface MungeIdentity {
  /** of the process that encoded the credential */
  uid: number;
  gid: number;
  /** dotted IPv4 address of the host whose munged encoded it */
  addr: string;
  /** Unix seconds */
  encodedAt: number;
  /** seconds the credential lives after encodedAt */
  ttl: number;
  /** what the client bound the credential to (core/protocol/request-binding.ts) */
  payload: Buffer;
}

export type MungeFailureCode = MungeErrorName | 'unreachable';

/** Why a credential was refused; `unreachable`: the head's munged could not be asked at all. */
export interface MungeFailure {
  error: MungeFailureCode;
  message: string;
}

export function isMungeFailure(r: MungeIdentity | MungeFailure): r is MungeFailure {
  return 'error' in r;
}

/** Room for the credential and its NUL in a request munged accepts. */
const MAX_CREDENTIAL = MUNGE_MAX_REQUEST - 4 - 1;

/**
 * Decode `credential` with the munged at `socketPath`. A refusal is a value, never a throw. With a
 * `guard`, a credential munged accepts but the guard has seen before is refused as replayed.
 */
export async function verifyCredential(
  credential: string,
  socketPath: string,
  guard?: ReplayGuard,
): Promise<MungeIdentity | MungeFailure> {
  if (credential.length > MAX_CREDENTIAL) {
    return { error: 'EMUNGE_BAD_LENGTH', message: `credential of ${credential.length} bytes is too long` };
  }
  let body: Buffer;
  try {
    body = await mungeExchange(socketPath, decodeRequest(credential), MungeMsg.DEC_RSP);
  } catch (err) {
    const unreachable = err instanceof MungeSocketError && err.unreachable;
    return { error: unreachable ? 'unreachable' : 'EMUNGE_SOCKET', message: (err as Error).message };
  }
  const reply = parseDecodeReply(body);
  if (reply.error) return { error: reply.error.name, message: reply.error.message };
  if (guard?.seen(credential, reply.encodedAt, reply.ttl)) {
    return { error: 'EMUNGE_CRED_REPLAYED', message: 'Replayed credential (already used with this head)' };
  }
  const { uid, gid, addr, encodedAt, ttl, payload } = reply;
  return { uid, gid, addr, encodedAt, ttl, payload };
}

/**
 * The identity of a credential: sha256 of its decoded bytes. munged skips whitespace, padding
 * and anything after the last `:`, so one credential has many spellings; they decode alike.
 */
export function credentialKey(credential: string): string {
  const armored = /^\s*MUNGE:(.*):/s.exec(credential);
  const bytes = armored ? Buffer.from(armored[1]!, 'base64') : Buffer.from(credential, 'latin1');
  return createHash('sha256').update(bytes).digest('hex');
}

/** How often forgotten credentials are swept out (munged purges its cache every 60 s too). */
const SWEEP_SECONDS = 60;

/** Credentials already accepted, each remembered until it expires (encodedAt + ttl). */
export class ReplayGuard {
  private readonly expiries = new Map<string, number>();
  private nextSweep = 0;

  constructor(private readonly now: () => number = () => Math.floor(Date.now() / 1000)) {}

  /** Record the credential; true when it was recorded before and has not expired since. */
  seen(credential: string, encodedAt: number, ttl: number): boolean {
    const now = this.now();
    if (now >= this.nextSweep) {
      for (const [key, expiry] of this.expiries) if (expiry < now) this.expiries.delete(key);
      this.nextSweep = now + SWEEP_SECONDS;
    }
    const key = credentialKey(credential);
    const expiry = this.expiries.get(key);
    if (expiry !== undefined && expiry >= now) return true;
    this.expiries.set(key, encodedAt + ttl);
    return false;
  }

  /** credentials remembered */
  get size(): number {
    return this.expiries.size;
  }
}
