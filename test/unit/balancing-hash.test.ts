import { describe, expect, it } from 'vitest';
import { Balancer, type Member } from '../../core/balancing/balancer.js';
import { HashRing } from '../../core/balancing/hash-ring.js';
import { Liveness } from '../../core/balancing/liveness.js';

const ids = ['svc.0', 'svc.1', 'svc.2', 'svc.3', 'svc.4'];
const keys = Array.from({ length: 5000 }, (_, k) => `session-${k}`);

function member(id: string): Member {
  return { id, ncpus: 1, capacity: 1000, inFlight: 0, liveness: new Liveness() };
}

describe('consistent hashing', () => {
  it('gives each member a fair share of the keys', () => {
    const ring = new HashRing(ids);
    const counts = new Map<number, number>();
    for (const k of keys) counts.set(ring.owner(k), (counts.get(ring.owner(k)) ?? 0) + 1);
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(1000 * 0.75);
      expect(n).toBeLessThan(1000 * 1.25);
    }
  });

  it('moves only the keys of a member that goes, and spreads them over the others', () => {
    const before = new HashRing(ids);
    const after = new HashRing(ids.filter((id) => id !== 'svc.2'));
    const movedTo = new Map<string, number>();
    for (const k of keys) {
      const was = before.ids[before.owner(k)]!;
      const is = after.ids[after.owner(k)]!;
      if (was !== 'svc.2') expect(is).toBe(was);
      else movedTo.set(is, (movedTo.get(is) ?? 0) + 1);
    }
    expect(movedTo.size).toBe(4);
  });

  it('sends the same key to the same member while it is under the bound', () => {
    const b = new Balancer<Member>('hash');
    b.setMembers(ids.map(member));
    const first = b.choose(0, 'user-42')!;
    for (let k = 0; k < 20; k++) expect(b.choose(0, 'user-42')).toBe(first);
  });

  it('bounds the load: a hot key overflows to the next members, none above 1.25× the average', () => {
    const b = new Balancer<Member>('hash', { boundFactor: 1.25 });
    const ms = ids.map(member);
    b.setMembers(ms);
    for (let k = 0; k < 100; k++) b.choose(0, 'hot-key')!.inFlight++;
    const avg = 100 / ms.length;
    for (const m of ms) expect(m.inFlight).toBeLessThanOrEqual(Math.ceil(1.25 * (avg + 1)));
    expect(Math.max(...ms.map((m) => m.inFlight))).toBeGreaterThan(avg);
  });

  it('walks past members that are down', () => {
    const ms = ids.map(member);
    const b = new Balancer<Member>('hash');
    b.setMembers(ms);
    const owner = b.choose(0, 'k')!;
    owner.liveness.checkedUp = false;
    const next = b.choose(0, 'k')!;
    expect(next).not.toBe(owner);
    owner.liveness.checkedUp = true;
    expect(b.choose(0, 'k')).toBe(owner);
  });

  it('falls back to least outstanding for a call without a key', () => {
    const ms = ids.map(member);
    const b = new Balancer<Member>('hash');
    b.setMembers(ms);
    for (let k = 0; k < 5; k++) b.choose(0)!.inFlight++;
    expect(ms.map((m) => m.inFlight)).toEqual([1, 1, 1, 1, 1]);
  });
});
