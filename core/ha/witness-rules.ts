// What the witness answers (core/protocol/ha-witness.ts), as a pure function of its state, the
// request and the time: head/ha/witness-server.ts stores the durable part before it replies.
//
// The witness grants one head at a time a lease of `leaseMs`, counted from when it receives the
// request. It hands the lease to another head (a new epoch) only when nobody holds it, or when the
// holder's lease has run out and the holder last said its standby had every change: a standby
// the primary reported out of sync could lose acknowledged work, so it may not take over.
import type { WitnessReply, WitnessRequest } from '../protocol/ha-witness.js';

/** What the witness keeps on disk. */
export interface WitnessDurable {
  epoch: number;
  holder: string | null;
  /** as the holder last reported: its standby has every acknowledged change */
  standbyInSync: boolean;
}

export interface WitnessState {
  durable: WitnessDurable;
  /** when the holder's lease ends (monotonic ms); kept in memory only */
  leaseUntil: number;
  /** the holder released its lease: its renewals are refused until it acquires again */
  released: boolean;
}

export interface WitnessDecision {
  reply: WitnessReply;
  next: WitnessState;
  /** the durable state changed: store `next.durable` (and sync it) before replying */
  persist: boolean;
}

/** A state with no holder yet: the first head to acquire gets epoch 1. */
export const EMPTY_WITNESS: WitnessDurable = { epoch: 0, holder: null, standbyInSync: false };

/**
 * The state of a witness (re)started at `nowMs`: a recorded holder is given a whole lease, since
 * it may hold one granted just before the restart that the witness no longer remembers.
 */
export function startedWitness(durable: WitnessDurable, nowMs: number, leaseMs: number): WitnessState {
  return { durable, leaseUntil: durable.holder === null ? 0 : nowMs + leaseMs, released: false };
}

/** The witness's answer to `req` at `nowMs` (monotonic), and its next state. */
export function decide(
  s: WitnessState,
  req: WitnessRequest,
  nowMs: number,
  leaseMs: number,
): WitnessDecision {
  const d = s.durable;
  const refuse = (reason: string): WitnessDecision => ({
    reply: { t: 'refused', epoch: d.epoch, holder: d.holder, reason },
    next: s,
    persist: false,
  });
  const grant = (durable: WitnessDurable): WitnessDecision => ({
    reply: { t: 'granted', epoch: durable.epoch, holder: durable.holder!, leaseMs },
    next: { durable, leaseUntil: nowMs + leaseMs, released: false },
    persist: durable !== d,
  });
  switch (req.t) {
    case 'status':
      return {
        reply: {
          t: 'status',
          epoch: d.epoch,
          holder: d.holder,
          leaseRemainingMs: Math.max(0, s.leaseUntil - nowMs),
          standbyInSync: d.standbyInSync,
        },
        next: s,
        persist: false,
      };
    case 'renew':
      if (req.head !== d.holder) return refuse('not the holder');
      if (req.epoch !== d.epoch) return refuse('wrong epoch');
      if (s.released) return refuse('released');
      return grant(req.standbyInSync === d.standbyInSync ? d : { ...d, standbyInSync: req.standbyInSync });
    case 'acquire':
      if (req.head === d.holder) return grant(d);
      if (d.holder !== null && nowMs <= s.leaseUntil) return refuse('lease held');
      if (d.holder !== null && !d.standbyInSync) return refuse('standby not in sync');
      return grant({ epoch: Math.max(d.epoch, req.epoch) + 1, holder: req.head, standbyInSync: false });
    case 'release':
      if (req.head !== d.holder) return refuse('not the holder');
      if (req.epoch !== d.epoch) return refuse('wrong epoch');
      return {
        reply: { t: 'granted', epoch: d.epoch, holder: d.holder, leaseMs: 0 },
        next: { durable: d, leaseUntil: 0, released: true },
        persist: false,
      };
  }
}
