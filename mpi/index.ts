// drover/mpi: the message layer a rank program imports. init() joins the run the launcher
// (drover mpiexec) started and returns COMM_WORLD; finalize() leaves it; abort() ends it.
// See mpi/README.md for what each file holds.
import { hostname } from 'node:os';
import type { GroupMember } from '../core/protocol/mpi-wireup.js';
import { MPI_ENV } from '../core/protocol/mpi-wireup.js';
import type { Communicator } from './communicator.js';
import { INTER_CONTEXT } from './engine.js';
import type { InterComm } from './intercomm.js';
import { MpiUsageError } from './mpi-errors.js';
import { parentOf, type Session, startSession } from './session.js';

export { Communicator } from './communicator.js';
export { InterComm } from './intercomm.js';
export { ANY_SOURCE, ANY_TAG, type Status } from './matching.js';
export { MpiUsageError, PeerLostError, TruncationError } from './mpi-errors.js';
export type { Message } from './p2p.js';
export {
  BAND,
  BOR,
  BXOR,
  LAND,
  LOR,
  LXOR,
  MAX,
  MAXLOC,
  MIN,
  MINLOC,
  Op,
  op,
  PROD,
  SUM,
} from './reduce-ops.js';
export { Request, waitAll, waitAny } from './requests.js';
export type { GroupMember };

let session: Session | undefined;
let starting: Promise<Communicator> | undefined;
let parentHandle: Promise<InterComm | undefined> | undefined;

/** COMM_WORLD, once init() has resolved. */
export let COMM_WORLD: Communicator | undefined;

function onAbort(code: number, message: string): void {
  if (message) process.stderr.write(`${message.endsWith('\n') ? message : `${message}\n`}`);
  process.exit(code);
}

/** Joins the run: resolves with COMM_WORLD (the same one on a second call). */
export function init(): Promise<Communicator> {
  starting ??= startSession(process.env, onAbort).then((s) => {
    session = s;
    COMM_WORLD = s.world;
    return s.world;
  });
  return starting;
}

function current(): Session {
  if (!session) throw new MpiUsageError('drover/mpi: call init() first');
  if (session.finalizing) throw new MpiUsageError('drover/mpi: finalize() was called');
  return session;
}

/** Leaves the run: a barrier on COMM_WORLD, then every connection flushed and closed. */
export async function finalize(): Promise<void> {
  const s = current();
  s.engine.keep.hold(); // the sockets alone do not keep the process alive (mpi/keep-alive.ts)
  try {
    await s.world.agree(null);
    s.finalizing = true;
    await s.wireup?.sendFlushed({ t: 'finalize' });
    await s.engine.transport.close();
    await s.wireup?.close();
  } finally {
    s.engine.keep.release();
  }
}

/** Ends the whole run with `code` (every rank of it exits). */
export async function abort(
  code = 1,
  message = `rank ${session?.world.rank ?? 0} called abort(${code})`,
): Promise<never> {
  if (session?.wireup && !session.finalizing) {
    await session.wireup.sendFlushed({ t: 'abort', code, message });
    // the server's abort to every rank, this one included, normally ends the process first
    await new Promise((r) => setTimeout(r, 2000));
  }
  onAbort(code, message);
  throw new Error('unreachable');
}

/** This rank's node name. */
export function processorName(): string {
  return session?.node ?? process.env[MPI_ENV.node] ?? hostname();
}

/** In a spawned rank, the handle on the ranks that spawned it; undefined elsewhere. */
export function parent(): Promise<InterComm | undefined> {
  const s = current();
  parentHandle ??= parentOf(s, process.env);
  return parentHandle;
}

async function groupOp(op: 'join' | 'leave' | 'members', name: string): Promise<GroupMember[]> {
  const s = current();
  if (!s.wireup) throw new MpiUsageError('drover/mpi: named groups need a run started by drover mpiexec');
  const m = await s.wireup.request({ t: 'group', op, name });
  return m.t === 'group' ? m.members : [];
}

/** Joins the named group (PVM style); resolves with its members. */
export function joinGroup(name: string): Promise<GroupMember[]> {
  return groupOp('join', name);
}

export function leaveGroup(name: string): Promise<GroupMember[]> {
  return groupOp('leave', name);
}

export function groupMembers(name: string): Promise<GroupMember[]> {
  return groupOp('members', name);
}

/**
 * Sends `data` to every other member of the named group. Members of this run receive it on
 * COMM_WORLD (source: this rank), members of another universe on their handle on this one.
 */
export async function multicast(name: string, data: unknown, tag = 0): Promise<void> {
  const s = current();
  const sends: Promise<void>[] = [];
  for (const m of await groupMembers(name)) {
    if (m.universe === s.universe) {
      if (m.rank !== s.world.rank) sends.push(s.world.send(data, m.rank, tag));
    } else
      sends.push(s.engine.send(s.engine.peer(m.universe, m.rank), INTER_CONTEXT, s.world.rank, tag, data));
  }
  await Promise.all(sends);
}
