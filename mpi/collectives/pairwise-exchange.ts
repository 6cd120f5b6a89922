// Alltoall as MPICH does it for medium and long blocks: up to MPIR_CVAR_ALLTOALL_MEDIUM_MSG_SIZE
// bytes per block every exchange is posted at once; above, p - 1 pairwise steps (partner rank ^ i
// for powers of two, else send to rank + i and receive from rank - i) bound what is in flight.
// Either way each pair swaps exactly one message per direction under one tag, so ranks may choose
// differently (block lengths may differ, as in alltoallv). MPICH's Bruck variant for tiny blocks
// is not used: posting everything at once serves them too.
import type { Channel } from '../channel.js';
import { isPowerOfTwo, THRESHOLDS } from './mpich-thresholds.js';
import { bytesOf, type Data, viewLike } from './typed-bytes.js';

const TAG = 0;

export async function alltoallExchange<T extends Data>(ch: Channel, chunks: T[]): Promise<T[]> {
  const { rank, size } = ch;
  const like = chunks[rank]!;
  const parts: Uint8Array[] = new Array(size);
  parts[rank] = bytesOf(like).slice();
  const largest = Math.max(...chunks.map((c) => c.byteLength));
  if (largest <= THRESHOLDS.MPIR_CVAR_ALLTOALL_MEDIUM_MSG_SIZE) {
    const peers = Array.from({ length: size - 1 }, (_, i) => (rank + i + 1) % size);
    await Promise.all([
      ...peers.map((p) => ch.send(p, TAG, chunks[p]!)),
      ...peers.map(async (p) => {
        parts[p] = await ch.recv(p, TAG);
      }),
    ]);
  } else {
    const pof2 = isPowerOfTwo(size);
    for (let i = 1; i < size; i++) {
      const dst = pof2 ? rank ^ i : (rank + i) % size;
      const src = pof2 ? rank ^ i : (rank - i + size) % size;
      const [, bytes] = await Promise.all([ch.send(dst, TAG, chunks[dst]!), ch.recv(src, TAG)]);
      parts[src] = bytes;
    }
  }
  return parts.map((b) => viewLike(like, b));
}
