// The wire-up server's bookkeeping (cli/mpi/wireup-state.ts): hello, the store and its fence,
// get across universes, finalize, exits judged as losses, groups, and spawn's answer.
import { describe, expect, it } from 'vitest';
import { type Effect, WireupState } from '../../cli/mpi/wireup-state.js';

const KEY = 'k'.repeat(48);

function world(size: number): { s: WireupState; u: string } {
  const s = new WireupState(KEY);
  s.addUniverse('w', size);
  for (let rank = 0; rank < size; rank++)
    expect(s.hello({ t: 'hello', key: KEY, universe: 'w', rank })).toEqual({
      ref: { universe: 'w', rank },
      size,
    });
  return { s, u: 'w' };
}
const ref = (rank: number, universe = 'w') => ({ universe, rank });
const sends = (e: Effect[]) => e.flatMap((x) => ('send' in x ? [[x.send.rank, x.m] as const] : []));

describe('wire-up bookkeeping', () => {
  it('refuses a wrong key, an unknown universe, a rank out of range and a second hello', () => {
    const s = new WireupState(KEY);
    s.addUniverse('w', 2);
    expect(s.hello({ t: 'hello', key: 'nope', universe: 'w', rank: 0 })).toEqual({ error: 'wrong key' });
    expect(s.hello({ t: 'hello', key: KEY, universe: 'x', rank: 0 })).toEqual({
      error: 'no universe x in this run',
    });
    expect(s.hello({ t: 'hello', key: KEY, universe: 'w', rank: 2 })).toEqual({
      error: 'rank 2 is out of range (size 2)',
    });
    expect(s.hello({ t: 'hello', key: KEY, universe: 'w', rank: 1 })).toHaveProperty('ref');
    expect(s.hello({ t: 'hello', key: KEY, universe: 'w', rank: 1 })).toEqual({
      error: 'rank 1 has already said hello',
    });
  });

  it('answers a fence once every rank is in, with the whole store, each with its own id', () => {
    const { s } = world(3);
    s.handle(ref(0), { t: 'put', key: 'a', value: '0' });
    expect(s.handle(ref(0), { t: 'fence', id: 7 })).toEqual([]);
    s.handle(ref(2), { t: 'put', key: 'c', value: '2' });
    expect(s.handle(ref(2), { t: 'fence', id: 1 })).toEqual([]);
    const done = sends(s.handle(ref(1), { t: 'fence', id: 3 }));
    const store = { a: '0', c: '2' };
    expect(done).toEqual([
      [0, { t: 'fenced', id: 7, store }],
      [2, { t: 'fenced', id: 1, store }],
      [1, { t: 'fenced', id: 3, store }],
    ]);
    // the next fence starts afresh
    expect(s.handle(ref(0), { t: 'fence', id: 8 })).toEqual([]);
  });

  it('a finalized rank is no longer waited for in a fence', () => {
    const { s } = world(2);
    expect(s.handle(ref(0), { t: 'fence', id: 1 })).toEqual([]);
    expect(sends(s.handle(ref(1), { t: 'finalize' }))).toEqual([[0, { t: 'fenced', id: 1, store: {} }]]);
  });

  it('gets one value, also from another universe; an unknown universe is an error', () => {
    const { s } = world(1);
    s.addUniverse('x', 1, 'w');
    s.hello({ t: 'hello', key: KEY, universe: 'x', rank: 0 });
    s.handle(ref(0, 'x'), { t: 'put', key: 'addr', value: 'here' });
    expect(sends(s.handle(ref(0), { t: 'get', id: 4, key: 'addr', universe: 'x' }))).toEqual([
      [0, { t: 'value', id: 4, value: 'here' }],
    ]);
    expect(sends(s.handle(ref(0), { t: 'get', id: 5, key: 'addr' }))).toEqual([
      [0, { t: 'value', id: 5, value: null }],
    ]);
    expect(sends(s.handle(ref(0), { t: 'get', id: 6, key: 'a', universe: 'zz' }))).toEqual([
      [0, { t: 'error', id: 6, message: 'no universe zz' }],
    ]);
  });

  it('judges exits: before finalize after hello, or failing, is a loss; after finalize it is not', () => {
    const s = new WireupState(KEY);
    s.addUniverse('w', 3);
    s.hello({ t: 'hello', key: KEY, universe: 'w', rank: 0 });
    s.hello({ t: 'hello', key: KEY, universe: 'w', rank: 1 });
    expect(s.isLoss(ref(0), false)).toBe(true);
    s.handle(ref(1), { t: 'finalize' });
    expect(s.isLoss(ref(1), true)).toBe(false);
    // rank 2 never said hello: a clean exit is a program that does not use MPI, a failing one is a loss
    expect(s.isLoss(ref(2), false)).toBe(false);
    expect(s.isLoss(ref(2), true)).toBe(true);
    s.exited(ref(2));
    expect(s.isLoss(ref(2), true)).toBe(false);
    expect(
      s.everyone({ t: 'abort', code: 1, message: 'x' }, ref(0)).map((e) => ('send' in e ? e.send.rank : -1)),
    ).toEqual([1]);
    expect(s.allExited()).toBe(false);
    s.exited(ref(0));
    s.exited(ref(1));
    expect(s.allExited()).toBe(true);
  });

  it('an exit lets a fence the exited rank was not in complete', () => {
    const { s } = world(2);
    s.handle(ref(1), { t: 'finalize' });
    expect(s.handle(ref(0), { t: 'fence', id: 2 })).toHaveLength(1);
  });

  it('keeps named groups: join (once), members, leave, and leaving at finalize', () => {
    const { s } = world(3);
    const members = (e: Effect[]) => (sends(e)[0]![1] as { members: unknown[] }).members;
    expect(members(s.handle(ref(2), { t: 'group', id: 1, op: 'join', name: 'g' }))).toEqual([ref(2)]);
    s.handle(ref(0), { t: 'group', id: 2, op: 'join', name: 'g' });
    s.handle(ref(0), { t: 'group', id: 3, op: 'join', name: 'g' });
    expect(members(s.handle(ref(1), { t: 'group', id: 4, op: 'members', name: 'g' }))).toEqual([
      ref(2),
      ref(0),
    ]);
    expect(members(s.handle(ref(2), { t: 'group', id: 5, op: 'leave', name: 'g' }))).toEqual([ref(0)]);
    s.handle(ref(0), { t: 'finalize' });
    expect(members(s.handle(ref(1), { t: 'group', id: 6, op: 'members', name: 'g' }))).toEqual([]);
  });

  it('hands abort and spawn to the launcher, and answers spawned after the new universe first fences', () => {
    const { s } = world(1);
    expect(s.handle(ref(0), { t: 'abort', code: 3, message: 'm' })).toEqual([
      { abort: { code: 3, message: 'm', from: ref(0) } },
    ]);
    expect(s.handle(ref(0), { t: 'spawn', id: 9, n: 2, argv: ['x'] })).toEqual([
      { spawn: { id: 9, n: 2, argv: ['x'], from: ref(0) } },
    ]);
    const u = s.addUniverse('c', 2, 'w', { to: ref(0), id: 9 });
    expect(u.index).toBe(2);
    for (const rank of [0, 1]) s.hello({ t: 'hello', key: KEY, universe: 'c', rank });
    s.handle(ref(0, 'c'), { t: 'fence', id: 1 });
    const out = s.handle(ref(1, 'c'), { t: 'fence', id: 1 });
    expect(out.at(-1)).toEqual({ send: ref(0), m: { t: 'spawned', id: 9, universe: 'c', size: 2 } });
  });

  it('answers a spawn with an error when its ranks all end before their first fence', () => {
    const { s } = world(1);
    s.addUniverse('c', 1, 'w', { to: ref(0), id: 4 });
    expect(sends(s.exited(ref(0, 'c')))).toEqual([
      [0, { t: 'error', id: 4, message: 'the spawned ranks ended before their first fence' }],
    ]);
  });
});
