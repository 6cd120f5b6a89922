// The reducing collectives (reduce, allreduce, scan, exscan) on every typed array kind and every
// built-in operation, for 1 to 8 and 16 ranks and lengths on both sides of MPICH's thresholds,
// against a sequential reduction in rank order.
import { describe, expect, it } from 'vitest';
import { THRESHOLDS } from '../../mpi/collectives/mpich-thresholds.js';
import type { TypedArray } from '../../mpi/collectives/typed-bytes.js';
import { allreduce, exscan, reduce, scan } from '../../mpi/collectives.js';
import {
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
  type Op,
  PROD,
  SUM,
} from '../../mpi/reduce-ops.js';
import { MemoryWorld, sameBits, TYPED_KINDS, type TypedKind, typed } from '../helpers/memory-channel.js';

const OPS = [SUM, PROD, MIN, MAX, LAND, LOR, LXOR, BAND, BOR, BXOR, MINLOC, MAXLOC];
const BITWISE = [BAND, BOR, BXOR];

/** Data for which every reduction order gives the same exact result (no rounding, wrap-around only). */
function contribution(o: Op, rank: number, n: number): number[] {
  const v: number[] = [];
  for (let i = 0; i < n; i++) {
    if (o === PROD) v.push([1, 2, 1, -1, 1, 3][(rank + i) % 6]! * (i % 7 === 0 ? 0 : 1));
    else if (o === LAND || o === LOR || o === LXOR) v.push((rank + i) % 5 === 0 ? 0 : 3);
    else if (BITWISE.includes(o)) v.push((rank * 37 + i * 101) & 0x7f);
    else if (o === MINLOC || o === MAXLOC) v.push(i % 2 === 1 ? rank : (((i >> 1) + rank) % 3) - 1);
    else v.push(((rank * 7 + i * 3) % 11) - 5);
  }
  return v;
}

/** ((d0 ∘ d1) ∘ d2) ∘ … in rank order. */
function sequential(o: Op, data: TypedArray[]): TypedArray {
  let acc = data[0]!.slice();
  for (let r = 1; r < data.length; r++) {
    const next = data[r]!.slice();
    o.apply(acc, next);
    acc = next;
  }
  return acc;
}

/** Lengths below and above the thresholds (Rabenseifner needs one item per rank of 16 at least). */
function lengths(k: TypedKind): number[] {
  const short = THRESHOLDS.MPIR_CVAR_ALLREDUCE_SHORT_MSG_SIZE;
  return [6, Math.ceil(short / k.BYTES_PER_ELEMENT / 2) * 2 + 34];
}

/** Bit for bit, with vitest's account of the difference when not. */
function expectBits(got: ArrayBufferView | undefined, want: ArrayBufferView | undefined): void {
  if (!sameBits(got, want)) expect(got).toEqual(want);
}

async function checkAll(k: TypedKind, o: Op, p: number, n: number): Promise<void> {
  const world = new MemoryWorld(p);
  const data = Array.from({ length: p }, (_, r) => typed(k, contribution(o, r, n)));
  const prefix = data.map((_, r) => sequential(o, data.slice(0, r + 1)));
  const all = await world.run((ch) => allreduce(ch, data[ch.rank]!, o));
  for (const got of all) expectBits(got, prefix[p - 1]);
  const root = (n + p) % p;
  const red = await world.run((ch) => reduce(ch, data[ch.rank]!, o, root));
  for (const [r, got] of red.entries()) expectBits(got, r === root ? prefix[p - 1] : undefined);
  const sc = await world.run((ch) => scan(ch, data[ch.rank]!, o));
  for (const [r, got] of sc.entries()) expectBits(got, prefix[r]);
  const ex = await world.run((ch) => exscan(ch, data[ch.rank]!, o));
  for (const [r, got] of ex.entries()) expectBits(got, prefix[r - 1]);
  for (let r = 0; r < p; r++) expectBits(data[r], typed(k, contribution(o, r, n)));
  expect(world.undelivered()).toBe(0);
}

describe('reduce, allreduce, scan and exscan against a sequential reduction', () => {
  for (const o of OPS) {
    for (const k of TYPED_KINDS) {
      if (BITWISE.includes(o) && (k === Float32Array || k === Float64Array)) continue;
      it(`${o.name} on ${k.name}, 1 to 7 ranks`, async () => {
        for (let p = 1; p <= 7; p++) for (const n of lengths(k)) await checkAll(k, o, p, n);
      });
    }
  }

  it.each([
    [SUM, Float64Array],
    [MAXLOC, Int32Array],
    [PROD, BigInt64Array],
    [BOR, Uint16Array],
    [MIN, Float32Array],
    [LAND, Uint8ClampedArray],
  ] as const)('%o on %o, 8 and 16 ranks', async (o, k) => {
    for (const p of [8, 16]) for (const n of lengths(k)) await checkAll(k, o, p, n);
  });
});
