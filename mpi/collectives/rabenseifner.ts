// Rabenseifner's reduce and allreduce for long vectors and commutative built-in operations (as
// MPICH, MPIR_Allreduce_intra_reduce_scatter_allgather and MPIR_Reduce_intra_reduce_scatter_gather):
// after the fold of the extra ranks, a reduce-scatter by recursive halving leaves each of the pof2
// ranks with one fully reduced segment, then recursive doubling gathers the segments to every
// rank (allreduce) or a binomial tree to the root (reduce). Each segment is reduced by one rank
// only and then copied, so every rank ends with the same bits.
import type { Channel } from '../channel.js';
import type { Op } from '../reduce-ops.js';
import { powerOfTwoBelow } from './mpich-thresholds.js';
import { type Folded, foldIn, foldOut } from './reduction-trees.js';
import { bytesOf, copyOf, receivedLike, type TypedArray, viewLike } from './typed-bytes.js';

const TAG_HALVING = 4;
const TAG_DOUBLING = 5;

interface Segments {
  /** element offset of segment i (0..pof2) */
  at: (i: number) => number;
  /** the segment range [lo, hi) a rank held before halving step k */
  before: [number, number][];
  lo: number;
  hi: number;
}

/** Can the vector be cut into one segment per rank of the power-of-two group? */
export function splittable(op: Op, length: number, size: number): boolean {
  let pof2 = 1;
  while (pof2 * 2 <= size) pof2 *= 2;
  return op.builtin && op.commutative && op.unit > 0 && length / op.unit >= pof2;
}

function segments(length: number, unit: number, pof2: number): Segments {
  const items = length / unit;
  const q = Math.floor(items / pof2);
  const r = items % pof2;
  return { at: (i) => unit * (i * q + Math.min(i, r)), before: [], lo: 0, hi: pof2 };
}

/** A fresh array of `like`'s kind (a Buffer's is Uint8Array) and length: the caller's result. */
function fresh<T extends TypedArray>(like: T): T {
  return viewLike(like, new Uint8Array(like.byteLength));
}

/**
 * Where step `k`'s incoming segment can land in `buf` without a new allocation: the widest stretch
 * outside the range the rank still works on ([lo, hi) in segments), if it is big enough.
 */
function spare<T extends TypedArray>(buf: T, s: Segments, elements: number): Uint8Array | undefined {
  const left = s.at(s.lo);
  const right = buf.length - s.at(s.hi);
  const [from, room] = left >= right ? [0, left] : [s.at(s.hi), right];
  return room >= elements ? bytesOf(buf.subarray(from, from + elements)) : undefined;
}

/**
 * Recursive halving. While `f.buf` is still the caller's data (`owned` false), the first step
 * receives the partner's half straight into a fresh result and reduces the caller's half into it;
 * later steps receive into a part of the result not in use.
 */
async function reduceScatter<T extends TypedArray>(
  ch: Channel,
  f: Folded<T>,
  op: Op,
  s: Segments,
  owned: boolean,
  result?: T,
): Promise<void> {
  for (let mask = 1; mask < f.pof2; mask <<= 1) {
    const buf = f.buf;
    const newdst = f.newrank ^ mask;
    const dst = f.real(newdst);
    const mid = s.lo + (s.hi - s.lo) / 2;
    s.before.push([s.lo, s.hi]);
    const [keepLo, keepHi, sendLo, sendHi] =
      f.newrank < newdst ? [s.lo, mid, mid, s.hi] : [mid, s.hi, s.lo, mid];
    const mine = buf.subarray(s.at(keepLo), s.at(keepHi)) as T;
    const out = owned ? undefined : (result ?? fresh(buf));
    const target = out ? out.subarray(s.at(keepLo), s.at(keepHi)) : undefined;
    const into = target ? bytesOf(target) : spare(buf, s, mine.length);
    const [, bytes] = await Promise.all([
      ch.send(dst, TAG_HALVING, buf.subarray(s.at(sendLo), s.at(sendHi))),
      ch.recv(dst, TAG_HALVING, into),
    ]);
    const theirs = receivedLike(buf, bytes, mine.length, 'allreduce');
    if (out) {
      if (theirs.buffer !== out.buffer) target!.set(theirs as never);
      op.apply(viewLike(target!, bytesOf(mine)), target!);
      f.buf = out;
      owned = true;
    } else op.apply(theirs, mine);
    s.lo = keepLo;
    s.hi = keepHi;
  }
}

/** Undo the halving step by step; `toRoot` stops a rank once it has sent to the side of new rank 0. */
async function regather<T extends TypedArray>(
  ch: Channel,
  f: Folded<T>,
  s: Segments,
  toRoot: boolean,
): Promise<void> {
  const buf = f.buf;
  for (let k = s.before.length - 1; k >= 0; k--) {
    const mask = 1 << k;
    const dst = f.real(f.newrank ^ mask);
    const [plo, phi] = s.before[k]!;
    const [olo, ohi] = s.lo === plo ? [s.hi, phi] : [plo, s.lo];
    const sending = !toRoot || (f.newrank & mask) !== 0;
    const receiving = !toRoot || (f.newrank & mask) === 0;
    const into = bytesOf(buf.subarray(s.at(olo), s.at(ohi)));
    const [, bytes] = await Promise.all([
      sending ? ch.send(dst, TAG_DOUBLING, buf.subarray(s.at(s.lo), s.at(s.hi))) : undefined,
      receiving ? ch.recv(dst, TAG_DOUBLING, into) : undefined,
    ]);
    if (!receiving) return;
    if (bytes!.byteLength !== into.byteLength)
      throw new RangeError(
        `allreduce: rank ${dst} sent a segment of ${bytes!.byteLength} bytes, not the expected size`,
      );
    if (bytes!.buffer !== into.buffer || bytes!.byteOffset !== into.byteOffset) into.set(bytes!);
    s.lo = plo;
    s.hi = phi;
  }
}

/**
 * The result in `into` (`data` itself: in place) or a new array. A rank outside the fold reduces
 * from the caller's data without copying it first.
 */
export async function allreduceRabenseifner<T extends TypedArray>(
  ch: Channel,
  data: T,
  op: Op,
  into?: T,
): Promise<T> {
  const folding = ch.rank < 2 * (ch.size - powerOfTwoBelow(ch.size));
  const owned = folding || into === data;
  if (owned && into && into !== data) into.set(data as never);
  const start = owned ? (into ?? copyOf(data)) : data;
  const f = await foldIn(ch, ch.rank, (v) => v, start, op, true);
  if (f.newrank >= 0) {
    const s = segments(data.length, op.unit, f.pof2);
    await reduceScatter(ch, f, op, s, owned, into);
    await regather(ch, f, s, false);
  }
  const out = await foldOut(ch, f);
  if (!into || out === into) return out;
  into.set(out as never);
  return into;
}

export async function reduceRabenseifner<T extends TypedArray>(
  ch: Channel,
  data: T,
  op: Op,
  root: number,
): Promise<T | undefined> {
  const { rank, size } = ch;
  const vrank = (rank - root + size) % size;
  const f = await foldIn(ch, vrank, (v) => (v + root) % size, copyOf(data), op, false);
  if (f.newrank < 0) return undefined;
  const s = segments(data.length, op.unit, f.pof2);
  await reduceScatter(ch, f, op, s, true);
  await regather(ch, f, s, true);
  return rank === root ? f.buf : undefined;
}
