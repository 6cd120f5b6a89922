// The order-preserving reductions: MPICH's binomial reduce and recursive-doubling allreduce, and
// the fold of the ranks beyond the largest power of two that Rabenseifner's algorithm shares. The
// partial result of lower ranks is always `invec`, so non-commutative operations reduce in rank
// order and, in allreduce, both partners of a step compute the very same operation (bit-identical
// floating point results everywhere).
import type { Channel } from '../channel.js';
import type { Op } from '../reduce-ops.js';
import { powerOfTwoBelow } from './mpich-thresholds.js';
import { bytesOf, copyOf, receivedLike, type TypedArray } from './typed-bytes.js';

const TAG_FOLD = 0;
const TAG_STEP = 1;
const TAG_UNFOLD = 2;
const TAG_ROOT = 3;

/** Combine our `mine` with `other` from virtual rank `from`, lower rank first; the result. */
export function combine<T extends TypedArray>(op: Op, mine: T, other: T, fromLower: boolean): T {
  if (fromLower) {
    op.apply(other, mine);
    return mine;
  }
  op.apply(mine, other);
  return other;
}

/** The ranks as the power-of-two algorithms see them after the fold. */
export interface Folded<T> {
  buf: T;
  /** -1 for a rank folded away */
  newrank: number;
  pof2: number;
  /** the real rank of a new rank */
  real: (newrank: number) => number;
  /** the rank that took this one's data, or took its data from it (-1 if none) */
  partner: number;
}

/**
 * MPICH's fold: of the first 2·rem virtual ranks (rem = p - pof2), one of each pair sends its
 * data to the other, which combines them; `keepOdd` says which one stays (allreduce keeps the
 * odd ones; reduce keeps the even ones so that its root, virtual rank 0, stays).
 */
export async function foldIn<T extends TypedArray>(
  ch: Channel,
  vrank: number,
  toReal: (v: number) => number,
  buf: T,
  op: Op,
  keepOdd: boolean,
): Promise<Folded<T>> {
  const pof2 = powerOfTwoBelow(ch.size);
  const rem = ch.size - pof2;
  const keepBit = keepOdd ? 1 : 0;
  const real = (nr: number) => toReal(nr < rem ? nr * 2 + keepBit : nr + rem);
  if (vrank >= 2 * rem) return { buf, newrank: vrank - rem, pof2, real, partner: -1 };
  const partnerV = vrank % 2 === keepBit ? vrank + (keepOdd ? -1 : 1) : vrank + (keepOdd ? 1 : -1);
  const partner = toReal(partnerV);
  if (vrank % 2 !== keepBit) {
    await ch.send(partner, TAG_FOLD, buf);
    return { buf, newrank: -1, pof2, real, partner };
  }
  const other = receivedLike(buf, await ch.recv(partner, TAG_FOLD), buf.length, 'reduction');
  return { buf: combine(op, buf, other, partnerV < vrank), newrank: vrank >> 1, pof2, real, partner };
}

/** The folded-away ranks get the result from the rank that took their data. */
export async function foldOut<T extends TypedArray>(ch: Channel, f: Folded<T>): Promise<T> {
  if (f.partner < 0) return f.buf;
  if (f.newrank >= 0) {
    await ch.send(f.partner, TAG_UNFOLD, f.buf);
    return f.buf;
  }
  const into = bytesOf(f.buf);
  const bytes = await ch.recv(f.partner, TAG_UNFOLD, into);
  const got = receivedLike(f.buf, bytes, f.buf.length, 'allreduce');
  if (got.buffer !== into.buffer || got.byteOffset !== into.byteOffset) f.buf.set(got as never);
  return f.buf;
}

/** Allreduce by recursive doubling: log2(pof2) exchanges of the whole vector. */
export async function allreduceDoubling<T extends TypedArray>(ch: Channel, data: T, op: Op): Promise<T> {
  const f = await foldIn(ch, ch.rank, (v) => v, copyOf(data), op, true);
  if (f.newrank >= 0) {
    for (let mask = 1; mask < f.pof2; mask <<= 1) {
      const dst = f.real(f.newrank ^ mask);
      const [, bytes] = await Promise.all([ch.send(dst, TAG_STEP, f.buf), ch.recv(dst, TAG_STEP)]);
      f.buf = combine(op, f.buf, receivedLike(f.buf, bytes, f.buf.length, 'allreduce'), dst < ch.rank);
    }
  }
  return foldOut(ch, f);
}

/**
 * Reduce by a binomial tree over ranks relative to the root. A non-commutative operation reduces
 * to rank 0 (the tree then follows rank order), which passes the result to the root.
 */
export async function reduceBinomial<T extends TypedArray>(
  ch: Channel,
  data: T,
  op: Op,
  root: number,
): Promise<T | undefined> {
  const { rank, size } = ch;
  const treeRoot = op.commutative ? root : 0;
  const rel = (rank - treeRoot + size) % size;
  let buf = copyOf(data);
  for (let mask = 1; mask < size; mask <<= 1) {
    if (rel & mask) {
      await ch.send((rel - mask + treeRoot) % size, TAG_STEP, buf);
      break;
    }
    if ((rel | mask) >= size) continue;
    const from = ((rel | mask) + treeRoot) % size;
    const other = receivedLike(buf, await ch.recv(from, TAG_STEP), buf.length, 'reduce');
    buf = combine(op, buf, other, false);
  }
  if (treeRoot === root) return rank === root ? buf : undefined;
  if (rank === treeRoot) await ch.send(root, TAG_ROOT, buf);
  if (rank !== root) return undefined;
  return receivedLike(buf, await ch.recv(treeRoot, TAG_ROOT), buf.length, 'reduce');
}
