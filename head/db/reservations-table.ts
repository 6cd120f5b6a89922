// SQL of the reservations table: advance reservations, their windows and what they keep.
import type { ResourceRequest } from '../../core/job-spec-types.js';
import type { ResvNode, ResvWindow } from '../../core/scheduling/advance-reservations.js';
import type { Slot } from '../../core/scheduling/sched-node.js';
import type { Db } from './connection.js';

export type ResvState = 'unconfirmed' | 'confirmed' | 'running' | 'deleting';

export interface StoredReservation {
  seq: number;
  id: string;
  queue: string;
  name: string;
  owner: string;
  state: ResvState;
  /** epoch seconds */
  start: number;
  end: number;
  resources: ResourceRequest;
  /** where it was confirmed */
  slots?: Slot[];
  /** what it keeps per node once confirmed */
  kept?: ResvNode[];
  authUsers: string[];
  mail: { points?: string; users?: string };
  ctime: number;
  mtime: number;
}

/** A row as SQLite holds it: the structured fields as JSON text. */
type RawReservation = Omit<StoredReservation, 'resources' | 'slots' | 'kept' | 'authUsers' | 'mail'> & {
  resources: string;
  slots: string | null;
  kept: string | null;
  authUsers: string;
  mail: string;
};

const COLUMNS = `seq, id, queue, name, owner, state, start_time AS start, end_time AS end, resources,
  slots, kept, auth_users AS authUsers, mail, ctime, mtime`;

function decode(r: RawReservation): StoredReservation {
  const { resources, slots, kept, authUsers, mail, ...rest } = r;
  return {
    ...rest,
    resources: JSON.parse(resources) as ResourceRequest,
    ...(slots !== null ? { slots: JSON.parse(slots) as Slot[] } : {}),
    ...(kept !== null ? { kept: JSON.parse(kept) as ResvNode[] } : {}),
    authUsers: JSON.parse(authUsers) as string[],
    mail: JSON.parse(mail) as StoredReservation['mail'],
  };
}

export function reservationsSql(db: Db) {
  const insert = db.prepare(
    `INSERT INTO reservations (seq, id, queue, name, owner, state, start_time, end_time, resources,
       auth_users, mail, ctime, mtime) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const all = db.prepare(`SELECT ${COLUMNS} FROM reservations ORDER BY seq`);
  const bySeq = db.prepare(`SELECT ${COLUMNS} FROM reservations WHERE seq = ?`);
  const byQueue = db.prepare(`SELECT ${COLUMNS} FROM reservations WHERE queue = ?`);
  const confirm = db.prepare(
    "UPDATE reservations SET state = 'confirmed', slots = ?, kept = ?, mtime = ? WHERE seq = ?",
  );
  const setState = db.prepare('UPDATE reservations SET state = ?, mtime = ? WHERE seq = ?');
  const remove = db.prepare('DELETE FROM reservations WHERE seq = ?');
  return {
    ...windowStatements(db),
    insert(r: Omit<StoredReservation, 'state' | 'slots' | 'kept'>): void {
      insert.run(
        ...[r.seq, r.id, r.queue, r.name, r.owner, 'unconfirmed', r.start, r.end],
        ...[
          JSON.stringify(r.resources),
          JSON.stringify(r.authUsers),
          JSON.stringify(r.mail),
          r.ctime,
          r.mtime,
        ],
      );
    },
    all(): StoredReservation[] {
      return (all.all() as RawReservation[]).map(decode);
    },
    get(seq: number): StoredReservation | undefined {
      const r = bySeq.get(seq) as RawReservation | undefined;
      return r ? decode(r) : undefined;
    },
    ofQueue(queue: string): StoredReservation | undefined {
      const r = byQueue.get(queue) as RawReservation | undefined;
      return r ? decode(r) : undefined;
    },
    confirm(seq: number, slots: Slot[], kept: ResvNode[], at: number): void {
      confirm.run(JSON.stringify(slots), JSON.stringify(kept), at, seq);
    },
    setState(seq: number, state: ResvState, at: number): void {
      setState.run(state, at, seq);
    },
    remove(seq: number): void {
      remove.run(seq);
    },
  };
}

/** The confirmed reservations as the scheduler sees them. */
function windowStatements(db: Db) {
  const windows = db.prepare(
    `SELECT queue, start_time AS start, end_time AS end, kept FROM reservations
     WHERE state IN ('confirmed', 'running') ORDER BY seq`,
  );
  return {
    /** The confirmed reservations, as the scheduler keeps their resources. */
    windows(): ResvWindow[] {
      return (windows.all() as { queue: string; start: number; end: number; kept: string }[]).map((w) => ({
        queue: w.queue,
        start: w.start,
        end: w.end,
        nodes: JSON.parse(w.kept) as ResvNode[],
      }));
    },
  };
}
