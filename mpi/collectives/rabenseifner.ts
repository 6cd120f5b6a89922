// Rabenseifner's reduce and allreduce for long vectors and commutative built-in operations (as
// MPICH, MPIR_Allreduce_intra_reduce_scatter_allgather and MPIR_Reduce_intra_reduce_scatter_gather):
// after the fold of the extra ranks, a reduce-scatter by recursive halving leaves each of the pof2
// ranks with one fully reduced segment, then recursive doubling gathers the segments to every
// rank (allreduce) or a binomial tree to the root (reduce). Each segment is reduced by one rank
// only and then copied, so every rank ends with the same bits.
import type { Channel } from '../channel.js';
import type { Op } from '../reduce-ops.js';
import { type Folded, foldIn, foldOut } from './reduction-trees.js';
import { bytesOf, copyOf, receivedLike, type TypedArray } from './typed-bytes.js';

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

async function reduceScatter<T extends TypedArray>(
  ch: Channel,
  f: Folded<T>,
  op: Op,
  s: Segments,
): Promise<void> {
  const buf = f.buf;
  for (let mask = 1; mask < f.pof2; mask <<= 1) {
    const newdst = f.newrank ^ mask;
    const dst = f.real(newdst);
    const mid = s.lo + (s.hi - s.lo) / 2;
    s.before.push([s.lo, s.hi]);
    const [keepLo, keepHi, sendLo, sendHi] =
      f.newrank < newdst ? [s.lo, mid, mid, s.hi] : [mid, s.hi, s.lo, mid];
    const out = buf.subarray(s.at(sendLo), s.at(sendHi));
    const [, bytes] = await Promise.all([ch.send(dst, TAG_HALVING, out), ch.recv(dst, TAG_HALVING)]);
    const mine = buf.subarray(s.at(keepLo), s.at(keepHi)) as T;
    op.apply(receivedLike(buf, bytes, mine.length, 'allreduce'), mine);
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
    const [, bytes] = await Promise.all([
      sending ? ch.send(dst, TAG_DOUBLING, buf.subarray(s.at(s.lo), s.at(s.hi))) : undefined,
      receiving ? ch.recv(dst, TAG_DOUBLING) : undefined,
    ]);
    if (!receiving) return;
    const size = buf.BYTES_PER_ELEMENT;
    if (bytes!.byteLength !== (s.at(ohi) - s.at(olo)) * size)
      throw new RangeError(
        `allreduce: rank ${dst} sent a segment of ${bytes!.byteLength} bytes, not the expected size`,
      );
    bytesOf(buf).set(bytes!, s.at(olo) * size);
    s.lo = plo;
    s.hi = phi;
  }
}

export async function allreduceRabenseifner<T extends TypedArray>(ch: Channel, data: T, op: Op): Promise<T> {
  const f = await foldIn(ch, ch.rank, (v) => v, copyOf(data), op, true);
  if (f.newrank >= 0) {
    const s = segments(data.length, op.unit, f.pof2);
    await reduceScatter(ch, f, op, s);
    await regather(ch, f, s, false);
  }
  return foldOut(ch, f);
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
  await reduceScatter(ch, f, op, s);
  await regather(ch, f, s, true);
  return rank === root ? f.buf : undefined;
}
