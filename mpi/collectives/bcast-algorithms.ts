// Broadcast as MPICH does it: a binomial tree for short messages or few ranks; for long ones van de
// Geijn's scatter (a binomial tree of segments) followed by an allgather of the segments, by
// recursive doubling (powers of two, below MPIR_CVAR_BCAST_LONG_MSG_SIZE) or by a ring. The ranks
// other than the root cannot know the data's kind and length, so the first message down the tree
// carries a header: kind, algorithm, byte count (and, for the binomial tree, the data itself).
import type { Channel } from '../channel.js';
import { type Blocks, doublingAllgather, ringAllgather } from './block-exchange.js';
import { isPowerOfTwo, THRESHOLDS } from './mpich-thresholds.js';
import {
  bytesOf,
  type Data,
  framed,
  header,
  kindCode,
  type Meta,
  readHeader,
  unframe,
  viewKind,
} from './typed-bytes.js';

const TAG_TREE = 0;
const TAG_SCATTER = 1;
const TAG_ALLGATHER = 2;

const Alg = {
  Binomial: 0,
  ScatterDoubling: 1,
  ScatterRing: 2,
} as const;
type Alg = (typeof Alg)[keyof typeof Alg];

function chooseAlg(nbytes: number, size: number): Alg {
  const t = THRESHOLDS;
  if (nbytes < t.MPIR_CVAR_BCAST_SHORT_MSG_SIZE || size < t.MPIR_CVAR_BCAST_MIN_PROCS) return Alg.Binomial;
  if (nbytes < t.MPIR_CVAR_BCAST_LONG_MSG_SIZE && isPowerOfTwo(size)) return Alg.ScatterDoubling;
  return Alg.ScatterRing;
}

/** The binomial tree: receive `msg` from the parent (unless root), pass it to the children. */
async function binomialTree(ch: Channel, root: number, msg: Uint8Array | undefined): Promise<Uint8Array> {
  const { rank, size } = ch;
  const rel = (rank - root + size) % size;
  let mask = 1;
  while (mask < size) {
    if (rel & mask) {
      msg = await ch.recv((rank - mask + size) % size, TAG_TREE);
      break;
    }
    mask <<= 1;
  }
  const sends: Promise<void>[] = [];
  for (mask >>= 1; mask > 0; mask >>= 1)
    if (rel + mask < size) sends.push(ch.send((rank + mask) % size, TAG_TREE, msg!));
  await Promise.all(sends);
  return msg!;
}

export async function bcastAlgorithms<T extends Data>(
  ch: Channel,
  data: T | undefined,
  root: number,
  meta?: Meta,
): Promise<T> {
  let msg: Uint8Array | undefined;
  let alg: Alg = Alg.Binomial;
  if (ch.rank === root) {
    const bytes = bytesOf(data!);
    alg = chooseAlg(bytes.byteLength, ch.size);
    const kind = kindCode(data!);
    const mark = meta?.mark ?? 0;
    msg = alg === Alg.Binomial ? framed(kind, alg, bytes, mark) : header(kind, alg, bytes.byteLength, mark);
  }
  msg = await binomialTree(ch, root, msg);
  if (ch.rank === root && alg === Alg.Binomial) return data!;
  const h = readHeader(msg);
  if (meta) meta.mark = h.mark;
  if (h.alg === Alg.Binomial) return viewKind(h.kind, unframe(msg)) as T;
  const buf = ch.rank === root ? bytesOf(data!) : new Uint8Array(h.count);
  await scatterAllgather(ch, root, buf, h.alg as Alg);
  return ch.rank === root ? data! : (viewKind(h.kind, buf) as T);
}

/** Van de Geijn: segment i (of ⌈n/p⌉ bytes) goes to virtual rank i, then every rank gathers all. */
async function scatterAllgather(ch: Channel, root: number, buf: Uint8Array, alg: Alg): Promise<void> {
  const { rank, size } = ch;
  const n = buf.byteLength;
  const seg = Math.ceil(n / size);
  const at = (i: number) => Math.min(i * seg, n);
  const vrank = (rank - root + size) % size;
  const real = (v: number) => (v + root) % size;
  let mask = 1;
  while (mask < size) {
    if (vrank & mask) {
      const bytes = await ch.recv(real(vrank - mask), TAG_SCATTER);
      buf.set(bytes, at(vrank));
      break;
    }
    mask <<= 1;
  }
  const sends: Promise<void>[] = [];
  for (mask >>= 1; mask > 0; mask >>= 1) {
    const child = vrank + mask;
    if (child < size)
      sends.push(ch.send(real(child), TAG_SCATTER, buf.subarray(at(child), at(child + mask))));
  }
  await Promise.all(sends);
  const ring = { vrank, real, tag: TAG_ALLGATHER, skipZero: true };
  if (alg === Alg.ScatterDoubling) return doublingAllgather(ch, ring, buf, (lo, hi) => [at(lo), at(hi)]);
  const blocks: Blocks = {
    get: (i) => buf.subarray(at(i), at(i + 1)),
    put: (i, bytes) => buf.set(bytes, at(i)),
  };
  return ringAllgather(ch, ring, blocks);
}
