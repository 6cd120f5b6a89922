import { describe, expect, it } from 'vitest';
import { Balancer, type Member } from '../../core/balancing/balancer.js';
import { Liveness } from '../../core/balancing/liveness.js';
import type { BalancePolicy } from '../../core/protocol/service-view.js';

function member(id: string, ncpus = 1, zone?: string, capacity = 1000): Member {
  return { id, zone, ncpus, capacity, inFlight: 0, liveness: new Liveness() };
}

/** A deterministic random source (a linear congruential generator). */
function lcg(seed = 1): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

/** Send `calls` calls, `concurrent` in flight at once (the oldest finishes first); counts per member. */
function spread(b: Balancer<Member>, calls: number, concurrent: number, key?: (k: number) => string) {
  const counts = new Map<string, number>();
  const open: Member[] = [];
  for (let k = 0; k < calls; k++) {
    if (open.length >= concurrent) open.shift()!.inFlight--;
    const m = b.choose(0, key?.(k))!;
    m.inFlight++;
    open.push(m);
    counts.set(m.id, (counts.get(m.id) ?? 0) + 1);
  }
  return counts;
}

function balancer(policy: BalancePolicy, members: Member[], zone?: string) {
  const b = new Balancer<Member>(policy, { zone, random: lcg() });
  b.setMembers(members);
  return b;
}

describe('balancing policies', () => {
  it('round robin takes each member in turn', () => {
    const b = balancer('round-robin', [member('a'), member('b'), member('c')]);
    expect(Object.fromEntries(spread(b, 300, 1))).toEqual({ a: 100, b: 100, c: 100 });
  });

  it('least outstanding spreads by CPUs: a 3-CPU member takes three times the calls of a 1-CPU one', () => {
    const b = balancer('least-outstanding', [member('small', 1), member('big', 3)]);
    const counts = spread(b, 4000, 8);
    const share = counts.get('big')! / 4000;
    expect(share).toBeGreaterThan(0.7);
    expect(share).toBeLessThan(0.8);
  });

  it('least outstanding takes turns among idle equal members', () => {
    const b = balancer('least-outstanding', [member('a'), member('b')]);
    expect(Object.fromEntries(spread(b, 100, 1))).toEqual({ a: 50, b: 50 });
  });

  it('power of two choices spreads evenly over equal members', () => {
    const b = balancer('p2c', [member('a'), member('b'), member('c'), member('d')]);
    for (const n of spread(b, 4000, 16).values()) {
      expect(n).toBeGreaterThan(800);
      expect(n).toBeLessThan(1200);
    }
  });

  it('never picks a member whose slots are all taken; none free → undefined', () => {
    const a = member('a', 1, undefined, 1);
    const bb = member('b', 1, undefined, 1);
    const b = balancer('least-outstanding', [a, bb]);
    b.choose(0)!.inFlight++;
    b.choose(0)!.inFlight++;
    expect(a.inFlight).toBe(1);
    expect(bb.inFlight).toBe(1);
    expect(b.choose(0)).toBeUndefined();
  });

  it('leaves out the members a call already tried', () => {
    const a = member('a');
    const bb = member('b');
    const b = balancer('round-robin', [a, bb]);
    for (let k = 0; k < 5; k++) expect(b.choose(0, undefined, [a])).toBe(bb);
    expect(b.hasUntried(0, [a])).toBe(true);
    expect(b.hasUntried(0, [a, bb])).toBe(false);
  });
});

describe('locality and panic', () => {
  it('prefers members of its own zone while they have free slots, then the others', () => {
    const local = member('local', 1, 'z1', 2);
    const remote = member('remote', 1, 'z2', 2);
    const b = balancer('least-outstanding', [remote, local], 'z1');
    const picks = [0, 1, 2, 3].map(() => {
      const m = b.choose(0)!;
      m.inFlight++;
      return m.id;
    });
    expect(picks).toEqual(['local', 'local', 'remote', 'remote']);
  });

  it('leaves out members that are down, unless fewer than half are live (panic: all of them)', () => {
    const ms = ['a', 'b', 'c', 'd'].map((id) => member(id));
    const b = balancer('round-robin', ms);
    ms[0]!.liveness.checkedUp = false;
    expect(new Set(spread(b, 30, 1).keys())).toEqual(new Set(['b', 'c', 'd']));
    ms[1]!.liveness.checkedUp = false;
    expect(b.panic(0)).toBe(false);
    expect(new Set(spread(b, 30, 1).keys())).toEqual(new Set(['c', 'd']));
    ms[2]!.liveness.checkedUp = false;
    expect(b.panic(0)).toBe(true);
    expect(new Set(spread(b, 40, 1).keys())).toEqual(new Set(['a', 'b', 'c', 'd']));
  });
});
