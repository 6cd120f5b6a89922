// Gather and scatter as MPICH does them: binomial trees over ranks relative to the root when every
// rank has the same length (each rank passes up, or down, the blocks of its whole subtree in one
// message), linear when lengths vary (gatherv, scatterv). Scatter's receivers learn the data's
// kind and block length from a small header sent ahead of the blocks.
import type { Channel } from '../channel.js';
import {
  bytesOf,
  type Data,
  header,
  kindCode,
  type Meta,
  readHeader,
  viewKind,
  viewLike,
} from './typed-bytes.js';

const TAG_HEAD = 0;
const TAG_DATA = 1;

/** The number of ranks in the subtree of relative rank `rel` (its lowest set bit, clipped). */
function subtree(rel: number, size: number): number {
  return rel === 0 ? size : Math.min(rel & -rel, size - rel);
}

export async function gatherBinomial<T extends Data>(
  ch: Channel,
  data: T,
  root: number,
): Promise<T[] | undefined> {
  const { rank, size } = ch;
  const n = data.byteLength;
  const rel = (rank - root + size) % size;
  const span = subtree(rel, size);
  const buf = span === 1 && rel !== 0 ? bytesOf(data) : new Uint8Array(span * n);
  if (buf.buffer !== data.buffer) buf.set(bytesOf(data));
  for (let mask = 1; mask < size; mask <<= 1) {
    if (rel & mask) {
      await ch.send((rel - mask + root) % size, TAG_DATA, buf);
      return undefined;
    }
    const child = rel | mask;
    if (child >= size) continue;
    const bytes = await ch.recv((child + root) % size, TAG_DATA);
    const want = subtree(child, size) * n;
    if (bytes.byteLength !== want)
      throw new RangeError(
        `gather: rank ${(child + root) % size} sent ${bytes.byteLength} bytes where ${want} were expected: ` +
          'every rank must give the same length (gatherv takes different lengths)',
      );
    buf.set(bytes, mask * n);
  }
  const parts: T[] = new Array(size);
  for (let v = 0; v < size; v++) parts[(v + root) % size] = viewLike(data, buf.subarray(v * n, (v + 1) * n));
  return parts;
}

export async function gathervLinear<T extends Data>(
  ch: Channel,
  data: T,
  root: number,
): Promise<T[] | undefined> {
  const { rank, size } = ch;
  if (rank !== root) {
    await ch.send(root, TAG_DATA, data);
    return undefined;
  }
  const parts = await Promise.all(
    Array.from({ length: size }, (_, r) => (r === rank ? bytesOf(data).slice() : ch.recv(r, TAG_DATA))),
  );
  return parts.map((b) => viewLike(data, b));
}

export async function scatterBinomial<T extends Data>(
  ch: Channel,
  chunks: T[] | undefined,
  root: number,
  meta?: Meta,
): Promise<T> {
  const { rank, size } = ch;
  const rel = (rank - root + size) % size;
  let buf: Uint8Array;
  let head: Uint8Array;
  let mask = 1;
  if (rel === 0) {
    const n = chunks![0]!.byteLength;
    buf = new Uint8Array(n * size);
    for (let v = 0; v < size; v++) buf.set(bytesOf(chunks![(v + root) % size]!), v * n);
    head = header(kindCode(chunks![0]!), 0, n, meta?.mark);
    while (mask < size) mask <<= 1;
  } else {
    mask = rel & -rel;
    const parent = (rel - mask + root) % size;
    head = await ch.recv(parent, TAG_HEAD);
    buf = await ch.recv(parent, TAG_DATA);
  }
  const h = readHeader(head);
  if (meta) meta.mark = h.mark;
  const sends: Promise<void>[] = [];
  for (mask >>= 1; mask > 0; mask >>= 1) {
    if (rel + mask >= size) continue;
    const to = (rel + mask + root) % size;
    const end = Math.min(2 * mask, size - rel) * h.count;
    sends.push(ch.send(to, TAG_HEAD, head), ch.send(to, TAG_DATA, buf.subarray(mask * h.count, end)));
  }
  await Promise.all(sends);
  const mine = buf.subarray(0, h.count);
  return viewKind(h.kind, rel === 0 ? mine.slice() : mine) as T;
}

export async function scattervLinear<T extends Data>(
  ch: Channel,
  chunks: T[] | undefined,
  root: number,
  meta?: Meta,
): Promise<T> {
  const { rank, size } = ch;
  if (rank === root) {
    const sends: Promise<void>[] = [];
    for (let r = 0; r < size; r++) {
      if (r === rank) continue;
      const c = chunks![r]!;
      sends.push(
        ch.send(r, TAG_HEAD, header(kindCode(c), 0, c.byteLength, meta?.mark)),
        ch.send(r, TAG_DATA, c),
      );
    }
    await Promise.all(sends);
    const mine = chunks![rank]!;
    return viewLike(mine, bytesOf(mine).slice());
  }
  const h = readHeader(await ch.recv(root, TAG_HEAD));
  if (meta) meta.mark = h.mark;
  return viewKind(h.kind, await ch.recv(root, TAG_DATA)) as T;
}
