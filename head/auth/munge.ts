// Identity on the head's TCP listener, as Slurm establishes it: each request carries
// `Authorization: MUNGE <credential>`, made by the caller's munged for exactly this request (its
// payload is the request itself, core/protocol/request-binding.ts). The head's munged decodes it and vouches
// for the uid that made it; a credential decoded before, made for another request, or made with
// another key is refused. Requests over TCP are never "on the head host": root there uses head.sock.

import { createHash } from 'node:crypto';
import { lookupService } from 'node:dns/promises';
import { ok, type Result, refuse } from '../../core/errors.js';
import type { Identity } from '../../core/policy/permissions.js';
import { requestPayload, requestText } from '../../core/protocol/request-binding.js';
import { userByUid } from '../../native/native.js';
import type { Identify } from '../api/app.js';
import { isMungeFailure, ReplayGuard, verifyCredential } from './munge-verify.js';

export interface MungeOptions {
  /** the head host's munged */
  socketPath: string;
}

const bad = (why: string) => refuse<Identity>('BAD_CREDENTIAL', `Invalid credential (${why})`);

/** The host name of a credential's origin address (its IP when it has none); remembered. */
function hostNames(): (addr: string) => Promise<string> {
  const known = new Map<string, Promise<string>>();
  return (addr) => {
    let name = known.get(addr);
    if (!name) {
      const timeout = new Promise<string>((resolve) => setTimeout(() => resolve(addr), 2000).unref());
      name = Promise.race([lookupService(addr, 0).then((r) => r.hostname), timeout]).catch(() => addr);
      known.set(addr, name);
    }
    return name;
  };
}

export function mungeIdentify(opts: MungeOptions): Identify {
  const guard = new ReplayGuard();
  const nameOf = hostNames();
  return async (req): Promise<Result<Identity>> => {
    const header = /^MUNGE (\S+)$/.exec(String(req.headers.authorization ?? ''));
    if (!header) return bad('this head wants a MUNGE credential with each request over TCP');
    const cred = await verifyCredential(header[1]!, opts.socketPath, guard);
    if (isMungeFailure(cred))
      return bad(cred.error === 'unreachable' ? `the head cannot check it: ${cred.message}` : cred.message);
    const text = requestText(req.method, req.url, req.rawBody);
    if (!cred.payload.equals(requestPayload(text, (d) => createHash('sha256').update(d).digest())))
      return bad('it was made for another request');
    const account = userByUid(cred.uid);
    if (!account) return bad(`uid ${cred.uid} has no user name on the head host`);
    return ok({ user: account.name, uid: cred.uid, host: await nameOf(cred.addr), local: false });
  };
}
