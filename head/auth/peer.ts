// Identity on the head's Unix socket: the kernel's peer credentials of the connection
// (SO_PEERCRED, through the native addon), so that nobody can claim to be somebody else. A head
// run by an ordinary user serves that user alone; a root head serves every local user.
import type { Socket } from 'node:net';
import { ok, type Result, refuse } from '../../core/errors.js';
import type { Identity } from '../../core/policy/permissions.js';
import { peerCred, userByUid } from '../../native/native.js';
import type { Identify } from '../api/app.js';

export interface PeerOptions {
  /** the uid the head runs as */
  headUid: number;
  headUser: string;
  /** the head host's name: every peer of a Unix socket is on it */
  host: string;
}

/** The file descriptor of a connected socket (libuv's pipe and TCP handles keep it). */
function socketFd(socket: Socket): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

function peerIdentity(socket: Socket, opts: PeerOptions): Result<Identity> {
  const fd = socketFd(socket);
  if (fd === undefined) return refuse('BAD_CREDENTIAL', 'Invalid credential (the connection has no peer)');
  let uid: number;
  try {
    uid = peerCred(fd).uid;
  } catch (e) {
    return refuse('BAD_CREDENTIAL', `Invalid credential (${(e as Error).message})`);
  }
  if (opts.headUid !== 0 && uid !== opts.headUid)
    return refuse(
      'UNAUTHORIZED',
      `Unauthorized Request: this head runs as ${opts.headUser} and serves only that user (a cluster head runs as root)`,
    );
  const account = userByUid(uid);
  if (!account) return refuse('BAD_CREDENTIAL', `Invalid credential (uid ${uid} has no user name here)`);
  return ok({ user: account.name, uid, host: opts.host, local: true });
}

/** Identify the peers of the Unix socket; one answer per connection. */
export function peerIdentify(opts: PeerOptions): Identify {
  const known = new WeakMap<Socket, Result<Identity>>();
  return async ({ socket }) => {
    let who = known.get(socket);
    if (!who) {
      who = peerIdentity(socket, opts);
      known.set(socket, who);
    }
    return who;
  };
}

/**
 * `--auth none` on a head run by an ordinary user: whoever reaches its TCP listener acts as that
 * user (the head runs every job as that user anyway). A root head never offers this.
 */
export function ownerIdentify(opts: PeerOptions): Identify {
  const who = ok<Identity>({ user: opts.headUser, uid: opts.headUid, host: opts.host, local: true });
  return async () => who;
}
