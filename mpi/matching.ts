// The matching engine, pure logic: per communicator context, a queue of posted receives and a
// queue of unexpected messages (arrived before any receive wanted them). A message matches a
// receive on (context, source, tag), the receive may use ANY_SOURCE / ANY_TAG. MPI's
// non-overtaking rule follows from the queues' order: messages are offered in arrival order (one
// sender's messages arrive in send order over its one connection) and receives in posting order.
import { TruncationError } from './mpi-errors.js';

export const ANY_SOURCE = -1;
export const ANY_TAG = -1;

export interface Envelope {
  /** the communicator's context id (each communicator has one for p2p, one for collectives) */
  context: number;
  /** the sender's rank in the communicator (ANY_SOURCE in a receive) */
  source: number;
  /** ANY_TAG in a receive */
  tag: number;
}

/** A message as the engine keeps it: its envelope and size (the payload is the caller's). */
export interface Arrival extends Envelope {
  /** payload size in bytes */
  bytes: number;
  /** elements: bytes / element size for typed arrays, bytes for raw bytes, 1 for a value */
  count: number;
}

export interface Status {
  source: number;
  tag: number;
  count: number;
  bytes: number;
}

/** Whether a message's envelope satisfies a receive's (wildcards on the receive's side only). */
export function matches(want: Envelope, got: Envelope): boolean {
  return (
    want.context === got.context &&
    (want.source === ANY_SOURCE || want.source === got.source) &&
    (want.tag === ANY_TAG || want.tag === got.tag)
  );
}

export function statusOf(m: Arrival): Status {
  return { source: m.source, tag: m.tag, count: m.count, bytes: m.bytes };
}

/** Throws TruncationError when `m` does not fit a receive buffer of `capacity` bytes. */
export function checkFit(m: Arrival, capacity: number | undefined): void {
  if (capacity !== undefined && m.bytes > capacity) throw new TruncationError(statusOf(m), capacity);
}

function firstMatch<T extends Envelope>(queue: T[] | undefined, want: Envelope, dir: 'posted' | 'arrived') {
  if (!queue) return -1;
  for (let i = 0; i < queue.length; i++) {
    const q = queue[i]!;
    if (dir === 'arrived' ? matches(want, q) : matches(q, want)) return i;
  }
  return -1;
}

/**
 * The two queues of every context. `M` is a message (with its payload), `R` a posted receive
 * (with whatever completes it); the engine only moves them between queues.
 */
export class MatchQueues<M extends Arrival, R extends Envelope> {
  private readonly arrived = new Map<number, M[]>();
  private readonly posted = new Map<number, R[]>();
  /** bytes held in unexpected messages (for the back-pressure budget) */
  unexpectedBytes = 0;

  /** A message arrived: the first posted receive it matches (removed from the queue), or none (queued). */
  arrive(m: M): R | undefined {
    const queue = this.posted.get(m.context);
    const i = firstMatch(queue, m, 'posted');
    if (i >= 0) return take(this.posted, m.context, queue!, i);
    push(this.arrived, m.context, m);
    this.unexpectedBytes += m.bytes;
    return undefined;
  }

  /** The first posted receive matching a message whose header has just arrived (removed), or none. */
  claim(m: Envelope): R | undefined {
    const queue = this.posted.get(m.context);
    const i = firstMatch(queue, m, 'posted');
    return i >= 0 ? take(this.posted, m.context, queue!, i) : undefined;
  }

  /** A receive is posted: the first unexpected message it matches (removed), or none (queued). */
  post(r: R): M | undefined {
    const m = this.take(r);
    if (!m) push(this.posted, r.context, r);
    return m;
  }

  /** The first unexpected message matching `want`, removed from the queue; never queues `want`. */
  take(want: Envelope): M | undefined {
    const queue = this.arrived.get(want.context);
    const i = firstMatch(queue, want, 'arrived');
    if (i < 0) return undefined;
    const m = take(this.arrived, want.context, queue!, i);
    this.unexpectedBytes -= m.bytes;
    return m;
  }

  /** The first unexpected message matching `want`, left in the queue (probe / iprobe). */
  probe(want: Envelope): M | undefined {
    const queue = this.arrived.get(want.context);
    const i = firstMatch(queue, want, 'arrived');
    return i < 0 ? undefined : queue![i];
  }

  /** Removes a posted receive that has not matched yet; false when it is no longer queued. */
  withdraw(r: R): boolean {
    const queue = this.posted.get(r.context);
    const i = queue ? queue.indexOf(r) : -1;
    if (i < 0) return false;
    take(this.posted, r.context, queue!, i);
    return true;
  }

  /** Every posted receive still waiting, in posting order per context. */
  waiting(): R[] {
    return [...this.posted.values()].flat();
  }

  /** How many unexpected messages are queued (all contexts). */
  unexpectedCount(): number {
    let n = 0;
    for (const q of this.arrived.values()) n += q.length;
    return n;
  }

  /** Forgets a context's queues (a freed communicator); returns the receives that were waiting. */
  drop(context: number): R[] {
    const waiting = this.posted.get(context) ?? [];
    for (const m of this.arrived.get(context) ?? []) this.unexpectedBytes -= m.bytes;
    this.posted.delete(context);
    this.arrived.delete(context);
    return waiting;
  }
}

function push<T>(map: Map<number, T[]>, key: number, v: T): void {
  const q = map.get(key);
  if (q) q.push(v);
  else map.set(key, [v]);
}

function take<T>(map: Map<number, T[]>, key: number, queue: T[], i: number): T {
  const [v] = i === 0 ? [queue.shift()!] : queue.splice(i, 1);
  if (queue.length === 0) map.delete(key);
  return v!;
}
