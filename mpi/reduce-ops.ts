// Reduction operations with MPI's semantics: `apply(invec, inoutvec)` sets
// inoutvec[i] = invec[i] ∘ inoutvec[i], where invec holds the lower ranks' partial result, so a
// non-commutative operation reduces in rank order. The built-in operations work on every typed
// array kind; the bitwise ones refuse floating point arrays, as MPI does. MINLOC and MAXLOC take
// interleaved (value, index) pairs and, on equal values, keep the lower index.
import type { BigIntArray, NumberArray, TypedArray } from './collectives/typed-bytes.js';
import { isTypedArray } from './collectives/typed-bytes.js';

type Kernel<A> = (invec: A, inoutvec: A) => void;
interface Kernels {
  /** the hot path, kept monomorphic */
  f64?: Kernel<Float64Array>;
  /** Int32Array and Uint32Array where the generic loop would lose bits */
  i32?: Kernel<Int32Array | Uint32Array>;
  num: Kernel<NumberArray>;
  big: Kernel<BigIntArray>;
  integerOnly?: boolean;
}
type UserFn<T extends TypedArray> = (invec: T, inoutvec: T) => void;

export class Op {
  private constructor(
    readonly name: string,
    readonly commutative: boolean,
    /** elements forming one item the algorithms never split: 1, 2 for MINLOC/MAXLOC, 0 for user functions */
    readonly unit: number,
    private readonly kernels: Kernels | undefined,
    private readonly fn: UserFn<TypedArray> | undefined,
  ) {}

  static builtin(name: string, kernels: Kernels, unit = 1): Op {
    return new Op(name, true, unit, kernels, undefined);
  }

  static user(fn: UserFn<TypedArray>, commutative: boolean): Op {
    return new Op(fn.name ? `op(${fn.name})` : 'a user op', commutative, 0, undefined, fn);
  }

  get builtin(): boolean {
    return this.kernels !== undefined;
  }

  /** Throws a clear error if this operation is not defined on `data`. */
  check(data: unknown): void {
    if (!isTypedArray(data)) throw new TypeError(`${this.name} reduces typed arrays, not ${describe(data)}`);
    const k = this.kernels;
    if (k?.integerOnly && isFloat(data))
      throw new TypeError(
        `${this.name} is a bitwise operation: MPI defines it on integer types only, not on ${data.constructor.name}`,
      );
    if (this.unit === 2 && data.length % 2 !== 0)
      throw new RangeError(
        `${this.name} takes interleaved (value, index) pairs: an even length, not ${data.length}`,
      );
  }

  /** inoutvec[i] = invec[i] ∘ inoutvec[i] */
  apply(invec: TypedArray, inoutvec: TypedArray): void {
    if (invec.length !== inoutvec.length || invec.constructor !== inoutvec.constructor)
      throw new RangeError(
        `${this.name}: cannot combine a ${invec.constructor.name}(${invec.length}) with a ` +
          `${inoutvec.constructor.name}(${inoutvec.length}): every rank must give the same kind and length`,
      );
    const k = this.kernels;
    if (!k) this.fn!(invec, inoutvec);
    else if (k.f64 && inoutvec instanceof Float64Array) k.f64(invec as Float64Array, inoutvec);
    else if (inoutvec instanceof BigInt64Array || inoutvec instanceof BigUint64Array)
      k.big(invec as BigIntArray, inoutvec);
    else if (k.i32 && (inoutvec instanceof Int32Array || inoutvec instanceof Uint32Array))
      k.i32(invec as Int32Array, inoutvec);
    else {
      if (k.integerOnly && isFloat(inoutvec)) this.check(inoutvec);
      k.num(invec as NumberArray, inoutvec);
    }
  }
}

function isFloat(a: TypedArray): boolean {
  return a instanceof Float64Array || a instanceof Float32Array;
}

function describe(x: unknown): string {
  if (x === null || typeof x !== 'object') return String(x === null ? 'null' : typeof x);
  const name = x.constructor?.name ?? 'object';
  return `${/^[aeiou]/i.test(name) ? 'an' : 'a'} ${name}`;
}

// The loops are written out per operation (no per-element closure) so V8 can keep them tight.
function sumF64(a: Float64Array, b: Float64Array): void {
  for (let i = 0, n = b.length; i < n; i++) b[i] = a[i]! + b[i]!;
}
function maxF64(a: Float64Array, b: Float64Array): void {
  for (let i = 0, n = b.length; i < n; i++) {
    const x = a[i]!;
    if (x > b[i]!) b[i] = x;
  }
}
function minF64(a: Float64Array, b: Float64Array): void {
  for (let i = 0, n = b.length; i < n; i++) {
    const x = a[i]!;
    if (x < b[i]!) b[i] = x;
  }
}

type Vec<T> = { [i: number]: T; readonly length: number };

function sum<T extends number | bigint>(a: Vec<T>, b: Vec<T>): void {
  for (let i = 0, n = b.length; i < n; i++) b[i] = ((a[i] as number) + (b[i] as number)) as T;
}
function prod<T extends number | bigint>(a: Vec<T>, b: Vec<T>): void {
  for (let i = 0, n = b.length; i < n; i++) b[i] = ((a[i] as number) * (b[i] as number)) as T;
}
function imul(a: Int32Array | Uint32Array, b: Int32Array | Uint32Array): void {
  for (let i = 0, n = b.length; i < n; i++) b[i] = Math.imul(a[i]!, b[i]!);
}
// MPICH's MPL_MIN/MPL_MAX: ((a) < (b) ? (a) : (b)), with invec as a
function min<T extends number | bigint>(a: Vec<T>, b: Vec<T>): void {
  for (let i = 0, n = b.length; i < n; i++) if (a[i]! < b[i]!) b[i] = a[i]!;
}
function max<T extends number | bigint>(a: Vec<T>, b: Vec<T>): void {
  for (let i = 0, n = b.length; i < n; i++) if (a[i]! > b[i]!) b[i] = a[i]!;
}
function logical(and: boolean, one: number | bigint, zero: number | bigint) {
  return <T extends number | bigint>(a: Vec<T>, b: Vec<T>): void => {
    for (let i = 0, n = b.length; i < n; i++) {
      const x = Boolean(a[i]);
      const y = Boolean(b[i]);
      b[i] = ((and ? x && y : x || y) ? one : zero) as T;
    }
  };
}
function band<T extends number | bigint>(a: Vec<T>, b: Vec<T>): void {
  for (let i = 0, n = b.length; i < n; i++) b[i] = ((a[i] as number) & (b[i] as number)) as T;
}
function bor<T extends number | bigint>(a: Vec<T>, b: Vec<T>): void {
  for (let i = 0, n = b.length; i < n; i++) b[i] = ((a[i] as number) | (b[i] as number)) as T;
}
function bxor<T extends number | bigint>(a: Vec<T>, b: Vec<T>): void {
  for (let i = 0, n = b.length; i < n; i++) b[i] = ((a[i] as number) ^ (b[i] as number)) as T;
}
/** (value, index) pairs: the smaller (MINLOC) or larger (MAXLOC) value; on a tie the lower index */
function loc(wantLess: boolean) {
  return <T extends number | bigint>(a: Vec<T>, b: Vec<T>): void => {
    for (let i = 0, n = b.length; i < n; i += 2) {
      const x = a[i]!;
      const y = b[i]!;
      if (wantLess ? x < y : x > y) {
        b[i] = x;
        b[i + 1] = a[i + 1]!;
      } else if (x === y && a[i + 1]! < b[i + 1]!) b[i + 1] = a[i + 1]!;
    }
  };
}

export const SUM = Op.builtin('SUM', { f64: sumF64, num: sum, big: sum });
export const PROD = Op.builtin('PROD', { i32: imul, num: prod, big: prod });
export const MIN = Op.builtin('MIN', { f64: minF64, num: min, big: min });
export const MAX = Op.builtin('MAX', { f64: maxF64, num: max, big: max });
export const LAND = Op.builtin('LAND', { num: logical(true, 1, 0), big: logical(true, 1n, 0n) });
export const LOR = Op.builtin('LOR', { num: logical(false, 1, 0), big: logical(false, 1n, 0n) });
export const LXOR = Op.builtin('LXOR', {
  num: (a, b) => {
    for (let i = 0; i < b.length; i++) b[i] = Boolean(a[i]) !== Boolean(b[i]) ? 1 : 0;
  },
  big: (a, b) => {
    for (let i = 0; i < b.length; i++) b[i] = Boolean(a[i]) !== Boolean(b[i]) ? 1n : 0n;
  },
});
export const BAND = Op.builtin('BAND', { num: band, big: band, integerOnly: true });
export const BOR = Op.builtin('BOR', { num: bor, big: bor, integerOnly: true });
export const BXOR = Op.builtin('BXOR', { num: bxor, big: bxor, integerOnly: true });
export const MINLOC = Op.builtin('MINLOC', { num: loc(true), big: loc(true) }, 2);
export const MAXLOC = Op.builtin('MAXLOC', { num: loc(false), big: loc(false) }, 2);

/**
 * A user reduction with MPI's semantics: `fn(invec, inoutvec)` must set
 * inoutvec[i] = invec[i] ∘ inoutvec[i], invec holding the lower ranks' partial result. A
 * non-commutative operation is applied in rank order. The collectives never split a user
 * operation's vector, so `fn` may treat it as a whole (e.g. a 2x2 matrix in four elements).
 */
export function op<T extends TypedArray = TypedArray>(fn: UserFn<T>, commutative = true): Op {
  if (typeof fn !== 'function') throw new TypeError(`op() takes a function, not ${describe(fn)}`);
  return Op.user(fn as UserFn<TypedArray>, commutative);
}
