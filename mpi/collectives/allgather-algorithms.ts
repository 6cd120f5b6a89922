// Allgather as MPICH chooses it by the total bytes p·n: recursive doubling for powers of two below
// MPIR_CVAR_ALLGATHER_LONG_MSG_SIZE, Bruck's algorithm for other rank counts below
// MPIR_CVAR_ALLGATHER_SHORT_MSG_SIZE, a ring otherwise; allgatherv (lengths differ, so each
// message must hold one rank's block only) by the ring. The result is one block per rank.
import type { Channel } from '../channel.js';
import { doublingAllgather, ringAllgather } from './block-exchange.js';
import { isPowerOfTwo, THRESHOLDS } from './mpich-thresholds.js';
import { bytesOf, type Data, viewLike } from './typed-bytes.js';

const TAG = 0;

export async function allgatherAlgorithms<T extends Data>(ch: Channel, data: T): Promise<T[]> {
  const { rank, size } = ch;
  const n = data.byteLength;
  const total = n * size;
  if (isPowerOfTwo(size) && total < THRESHOLDS.MPIR_CVAR_ALLGATHER_LONG_MSG_SIZE) {
    const buf = new Uint8Array(total);
    buf.set(bytesOf(data), rank * n);
    const ring = { vrank: rank, real: (v: number) => v, tag: TAG };
    await doublingAllgather(ch, ring, buf, (lo, hi) => [lo * n, hi * n]);
    return Array.from({ length: size }, (_, i) => viewLike(data, buf.subarray(i * n, (i + 1) * n)));
  }
  if (total < THRESHOLDS.MPIR_CVAR_ALLGATHER_SHORT_MSG_SIZE) return bruck(ch, data);
  return allgathervRing(ch, data, true);
}

/** Each rank may give a different length; the blocks arrive in their own buffers (no copy). */
export async function allgathervRing<T extends Data>(ch: Channel, data: T, sameLength = false): Promise<T[]> {
  const { rank, size } = ch;
  const parts: Uint8Array[] = new Array(size);
  parts[rank] = bytesOf(data).slice();
  const ring = { vrank: rank, real: (v: number) => v, tag: TAG };
  await ringAllgather(ch, ring, {
    get: (i) => parts[i]!,
    put: (i, bytes) => {
      if (sameLength && bytes.byteLength !== data.byteLength)
        throw lengthError(bytes.byteLength, data.byteLength);
      parts[i] = bytes;
    },
  });
  return parts.map((b) => viewLike(data, b));
}

/**
 * Bruck: in step k rank r sends the 2^k blocks it holds (its own first) to r - 2^k and receives
 * as many from r + 2^k; a last step covers the rest. Block i of the buffer is rank (r + i) mod p.
 */
async function bruck<T extends Data>(ch: Channel, data: T): Promise<T[]> {
  const { rank, size } = ch;
  const n = data.byteLength;
  const buf = new Uint8Array(n * size);
  buf.set(bytesOf(data), 0);
  for (let have = 1; have < size; ) {
    const count = Math.min(have, size - have);
    const src = (rank + have) % size;
    const dst = (rank - have + size) % size;
    const [, bytes] = await Promise.all([ch.send(dst, TAG, buf.subarray(0, count * n)), ch.recv(src, TAG)]);
    if (bytes.byteLength !== count * n) throw lengthError(bytes.byteLength, count * n);
    buf.set(bytes, have * n);
    have += count;
  }
  const parts: T[] = new Array(size);
  for (let i = 0; i < size; i++) parts[(rank + i) % size] = viewLike(data, buf.subarray(i * n, (i + 1) * n));
  return parts;
}

function lengthError(got: number, want: number): RangeError {
  return new RangeError(
    `allgather: received ${got} bytes where ${want} were expected: every rank must give the same length ` +
      '(allgatherv takes different lengths)',
  );
}
