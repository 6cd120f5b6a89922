// Inclusive and exclusive scans by recursive doubling (MPICH's MPIR_Scan_intra_recursive_doubling
// and MPIR_Exscan_intra_recursive_doubling): at step 2^k a rank swaps with rank ^ 2^k the partial
// result of its block of 2^k ranks, and folds what came from a lower block into its own result.
// Lower ranks' data is always `invec`, so non-commutative operations reduce in rank order.
import type { Channel } from '../channel.js';
import type { Op } from '../reduce-ops.js';
import { combine } from './reduction-trees.js';
import { copyOf, receivedLike, type TypedArray } from './typed-bytes.js';

const TAG = 0;

/** Rank r gets data(0) ∘ … ∘ data(r); with `exclusive`, data(0) ∘ … ∘ data(r-1) (rank 0: undefined). */
export async function scanDoubling<T extends TypedArray>(
  ch: Channel,
  data: T,
  op: Op,
  exclusive: boolean,
): Promise<T | undefined> {
  const { rank, size } = ch;
  let partial = copyOf(data);
  let result: T | undefined = exclusive ? undefined : copyOf(data);
  for (let mask = 1; mask < size; mask <<= 1) {
    const dst = rank ^ mask;
    if (dst >= size) continue;
    const [, bytes] = await Promise.all([ch.send(dst, TAG, partial), ch.recv(dst, TAG)]);
    const other = receivedLike(partial, bytes, partial.length, exclusive ? 'exscan' : 'scan');
    if (dst < rank) {
      if (result === undefined) result = copyOf(other);
      else op.apply(other, result);
      op.apply(other, partial);
    } else {
      partial = combine(op, partial, other, false);
    }
  }
  return result;
}
