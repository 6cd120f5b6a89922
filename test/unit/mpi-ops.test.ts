import { describe, expect, it } from 'vitest';
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
  op,
  PROD,
  SUM,
} from '../../mpi/reduce-ops.js';
import { bytes, TYPED_KINDS, type TypedKind, typed } from '../helpers/memory-channel.js';

type V = number | bigint;
const isBig = (k: TypedKind) => k === BigInt64Array || k === BigUint64Array;
const isFloat = (k: TypedKind) => k === Float32Array || k === Float64Array;

/** What C computes for one element (before the store into the kind wraps or rounds it). */
const REFERENCE: [Op, (x: V, y: V, k: TypedKind) => V][] = [
  [SUM, (x, y) => (x as number) + (y as number)],
  [
    PROD,
    (x, y, k) =>
      isBig(k) || isFloat(k) || k === Uint8ClampedArray
        ? (x as number) * (y as number)
        : Number(BigInt.asIntN(32, BigInt(x) * BigInt(y))),
  ],
  [MIN, (x, y) => (x < y ? x : y)],
  [MAX, (x, y) => (x > y ? x : y)],
  [LAND, (x, y, k) => (x && y ? one(k) : zero(k))],
  [LOR, (x, y, k) => (x || y ? one(k) : zero(k))],
  [LXOR, (x, y, k) => (Boolean(x) !== Boolean(y) ? one(k) : zero(k))],
  [BAND, (x, y) => (x as number) & (y as number)],
  [BOR, (x, y) => (x as number) | (y as number)],
  [BXOR, (x, y) => (x as number) ^ (y as number)],
];
const one = (k: TypedKind): V => (isBig(k) ? 1n : 1);
const zero = (k: TypedKind): V => (isBig(k) ? 0n : 0);

/** Values that reach each kind's edges: zero, small ones of both signs, the extremes. */
function values(k: TypedKind, seed: number): number[] {
  const edges = isFloat(k)
    ? [-0, 1e300, -1e-300, Number.POSITIVE_INFINITY, 0.1]
    : [-128, 127, 255, 65535, -1];
  const out: number[] = [];
  for (let i = 0; i < 64; i++)
    out.push(i % 9 === 0 ? edges[(i + seed) % edges.length]! : ((i * 37 + seed * 11) % 41) - 20);
  return out;
}

describe('the built-in reduction operations', () => {
  for (const [o, ref] of REFERENCE) {
    for (const k of TYPED_KINDS) {
      const bitwise = o === BAND || o === BOR || o === BXOR;
      if (bitwise && isFloat(k)) continue;
      it(`${o.name} on ${k.name} computes inoutvec[i] = invec[i] ∘ inoutvec[i] as C does`, () => {
        const a = typed(k, values(k, 1));
        const b = typed(k, values(k, 2));
        const want = typed(k, values(k, 0));
        for (let i = 0; i < want.length; i++) (want as unknown as V[])[i] = ref(a[i]!, b[i]!, k);
        o.apply(a, b);
        expect(bytes(b)).toEqual(bytes(want));
        expect(a).toEqual(typed(k, values(k, 1)));
      });
    }
  }

  it.each([BAND, BOR, BXOR])('$name refuses floating point arrays, as MPI does', (o) => {
    expect(() => o.apply(new Float64Array(2), new Float64Array(2))).toThrow(
      /bitwise operation: MPI defines it on integer types only, not on Float64Array/,
    );
    expect(() => o.check(new Float32Array(2))).toThrow(/not on Float32Array/);
  });

  it('refuses vectors of different lengths or kinds, and what is not a typed array', () => {
    expect(() => SUM.apply(new Float64Array(2), new Float64Array(3))).toThrow(/same kind and length/);
    expect(() => SUM.apply(new Int32Array(2), new Float64Array(2))).toThrow(
      /Int32Array\(2\) with a Float64Array/,
    );
    expect(() => SUM.check([1, 2])).toThrow(/SUM reduces typed arrays, not an Array/);
    expect(() => SUM.check(new DataView(new ArrayBuffer(8)))).toThrow(/not a DataView/);
  });
});

describe('MINLOC and MAXLOC', () => {
  it.each(TYPED_KINDS)('take (value, index) pairs and keep the lower index on a tie (%o)', (k) => {
    // pairs: a tie, invec smaller, invec larger, a tie the other way round
    const inv = typed(k, [5, 3, 1, 9, 7, 2, 4, 0]);
    const io = typed(k, [5, 1, 2, 4, 6, 8, 4, 6]);
    MINLOC.apply(inv, io);
    expect(io).toEqual(typed(k, [5, 1, 1, 9, 6, 8, 4, 0]));
    const io2 = typed(k, [5, 1, 2, 4, 6, 8, 4, 6]);
    MAXLOC.apply(inv, io2);
    expect(io2).toEqual(typed(k, [5, 1, 2, 4, 7, 2, 4, 0]));
  });

  it('needs whole pairs', () => {
    expect(() => MINLOC.check(new Float64Array(3))).toThrow(
      /interleaved \(value, index\) pairs: an even length, not 3/,
    );
  });
});

describe('user operations', () => {
  it('get (invec, inoutvec) and are never split', () => {
    const calls: number[][] = [];
    const cat = op<Float64Array>((a, b) => {
      calls.push([...a, ...b]);
      for (let i = 0; i < b.length; i++) b[i] = a[i]! * 10 + b[i]!;
    }, false);
    expect(cat.commutative).toBe(false);
    expect(cat.unit).toBe(0);
    const b = new Float64Array([2, 3]);
    cat.apply(new Float64Array([1, 1]), b);
    expect([...b]).toEqual([12, 13]);
    expect(calls).toEqual([[1, 1, 2, 3]]);
    expect(op(() => {}).commutative).toBe(true);
  });

  it('must be functions', () => {
    expect(() => op(42 as never)).toThrow(/op\(\) takes a function/);
  });
});
