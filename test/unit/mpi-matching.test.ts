// The matching engine (mpi/matching.ts): wildcards, MPI's non-overtaking rule, posting order,
// probe then receive, truncation, and its bookkeeping (withdrawn receives, dropped contexts).
import { describe, expect, it } from 'vitest';
import {
  ANY_SOURCE,
  ANY_TAG,
  type Arrival,
  checkFit,
  type Envelope,
  MatchQueues,
  statusOf,
} from '../../mpi/matching.js';
import { TruncationError } from '../../mpi/mpi-errors.js';

interface Msg extends Arrival {
  id: string;
}
interface Recv extends Envelope {
  name: string;
}

const msg = (id: string, source: number, tag: number, context = 0, bytes = 8): Msg => ({
  id,
  source,
  tag,
  context,
  bytes,
  count: bytes / 8,
});
const recv = (name: string, source: number, tag: number, context = 0): Recv => ({
  name,
  source,
  tag,
  context,
});

describe('the matching engine', () => {
  it('matches on source, tag and context, with ANY_SOURCE and ANY_TAG on the receive side', () => {
    const q = new MatchQueues<Msg, Recv>();
    for (const m of [msg('a', 1, 5), msg('b', 2, 6), msg('c', 2, 5, 1), msg('d', 3, 7)])
      expect(q.arrive(m)).toBeUndefined();
    expect(q.post(recv('x', 2, 5))).toBeUndefined(); // (2,5) only in context 1
    expect(q.post(recv('y', ANY_SOURCE, 6))?.id).toBe('b');
    expect(q.post(recv('z', 2, ANY_TAG, 1))?.id).toBe('c');
    expect(q.post(recv('w', ANY_SOURCE, ANY_TAG))?.id).toBe('a');
    expect(q.post(recv('v', 3, ANY_TAG))?.id).toBe('d');
    expect(q.unexpectedCount()).toBe(0);
    // the queued receive x is satisfied by the next (2,5) in context 0, not by a wildcard-looking tag
    expect(q.arrive(msg('e', 2, 6))).toBeUndefined();
    expect(q.arrive(msg('f', 2, 5))?.name).toBe('x');
  });

  it('receives one sender’s messages in arrival (send) order, even through wildcards', () => {
    const q = new MatchQueues<Msg, Recv>();
    q.arrive(msg('1', 4, 1));
    q.arrive(msg('2', 4, 2));
    q.arrive(msg('3', 4, 1));
    expect(q.post(recv('r', 4, ANY_TAG))?.id).toBe('1');
    expect(q.post(recv('r', ANY_SOURCE, 1))?.id).toBe('3');
    expect(q.post(recv('r', ANY_SOURCE, ANY_TAG))?.id).toBe('2');
  });

  it('satisfies posted receives in posting order', () => {
    const q = new MatchQueues<Msg, Recv>();
    const r1 = recv('first', ANY_SOURCE, ANY_TAG);
    const r2 = recv('second', 1, 3);
    const r3 = recv('third', 1, ANY_TAG);
    for (const r of [r1, r2, r3]) expect(q.post(r)).toBeUndefined();
    expect(q.arrive(msg('a', 1, 3))?.name).toBe('first');
    expect(q.arrive(msg('b', 1, 3))?.name).toBe('second');
    expect(q.arrive(msg('c', 1, 3))?.name).toBe('third');
    expect(q.arrive(msg('d', 1, 3))).toBeUndefined();
    expect(q.waiting()).toEqual([]);
  });

  it('probes the first matching message without receiving it', () => {
    const q = new MatchQueues<Msg, Recv>();
    expect(q.probe(recv('p', ANY_SOURCE, ANY_TAG))).toBeUndefined();
    q.arrive(msg('a', 2, 9, 0, 24));
    q.arrive(msg('b', 2, 9, 0, 16));
    const seen = q.probe(recv('p', ANY_SOURCE, 9))!;
    expect(statusOf(seen)).toEqual({ source: 2, tag: 9, count: 3, bytes: 24 });
    expect(q.probe(recv('p', 2, 9))?.id).toBe('a');
    expect(q.unexpectedCount()).toBe(2);
    // receiving with the probed envelope gets the probed message
    expect(q.post(recv('r', seen.source, seen.tag))?.id).toBe('a');
    expect(q.probe(recv('p', 2, 9))?.id).toBe('b');
  });

  it('refuses a message longer than the receive buffer, reporting its real size', () => {
    const m = msg('big', 3, 4, 0, 32);
    expect(() => checkFit(m, 32)).not.toThrow();
    expect(() => checkFit(m, undefined)).not.toThrow();
    let error: unknown;
    try {
      checkFit(m, 16);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TruncationError);
    expect((error as TruncationError).status).toEqual({ source: 3, tag: 4, count: 4, bytes: 32 });
    expect((error as TruncationError).capacity).toBe(16);
    expect((error as Error).message).toMatch(
      /32 bytes from rank 3 \(tag 4\) do not fit the 16-byte receive buffer/,
    );
  });

  it('keeps its books: withdrawn receives, unexpected bytes, dropped contexts', () => {
    const q = new MatchQueues<Msg, Recv>();
    const r = recv('gone', 1, 1);
    q.post(r);
    expect(q.withdraw(r)).toBe(true);
    expect(q.withdraw(r)).toBe(false);
    expect(q.arrive(msg('a', 1, 1, 0, 100))).toBeUndefined(); // nobody waits any more
    q.arrive(msg('b', 1, 1, 2, 50));
    expect(q.unexpectedBytes).toBe(150);
    q.post(recv('x', 1, 1));
    expect(q.unexpectedBytes).toBe(50);
    const waiting = recv('w', 0, 0, 2);
    q.post(waiting);
    expect(q.drop(2)).toEqual([waiting]);
    expect(q.unexpectedBytes).toBe(0);
    expect(q.unexpectedCount()).toBe(0);
    expect(q.waiting()).toEqual([]);
  });
});
