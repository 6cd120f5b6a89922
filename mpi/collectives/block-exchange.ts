// Allgather patterns over blocks numbered by virtual rank (a rank's distance from a root, or its
// rank): the ring, and recursive doubling for powers of two. Shared by bcast's second phase
// (van de Geijn) and by allgather. `real` maps a virtual rank to the communicator's rank; `skipZero`
// spares virtual rank 0 (a bcast root, which holds everything already) from receiving.
import type { Channel } from '../channel.js';

/** Where the blocks live: `get` what to send, `put` what arrived. */
export interface Blocks {
  get(i: number): Uint8Array;
  put(i: number, bytes: Uint8Array): void;
}

export interface Ring {
  vrank: number;
  real: (v: number) => number;
  tag: number;
  skipZero?: boolean;
}

/** p - 1 steps: send the block last received to the right, receive the next from the left. */
export async function ringAllgather(ch: Channel, ring: Ring, blocks: Blocks): Promise<void> {
  const { size } = ch;
  const { vrank, real, tag } = ring;
  const right = real((vrank + 1) % size);
  const left = real((vrank - 1 + size) % size);
  const sendsOut = !(ring.skipZero && (vrank + 1) % size === 0);
  const receives = !(ring.skipZero && vrank === 0);
  for (let i = 0; i < size - 1; i++) {
    const out = (vrank - i + size) % size;
    const into = (vrank - i - 1 + size) % size;
    const [, bytes] = await Promise.all([
      sendsOut ? ch.send(right, tag, blocks.get(out)) : undefined,
      receives ? ch.recv(left, tag) : undefined,
    ]);
    if (bytes) blocks.put(into, bytes);
  }
}

/**
 * Recursive doubling (p a power of two): at step `mask` a rank and its partner (vrank ^ mask)
 * swap the `mask` blocks each holds, in one contiguous buffer; `span(lo, hi)` gives the bytes of
 * blocks lo..hi-1.
 */
export async function doublingAllgather(
  ch: Channel,
  ring: Ring,
  buf: Uint8Array,
  span: (lo: number, hi: number) => [number, number],
): Promise<void> {
  const { vrank, real, tag } = ring;
  for (let mask = 1; mask < ch.size; mask <<= 1) {
    const partner = vrank ^ mask;
    const mine = vrank & ~(mask - 1);
    const theirs = partner & ~(mask - 1);
    const [s0, s1] = span(mine, mine + mask);
    const [r0, r1] = span(theirs, theirs + mask);
    const [, bytes] = await Promise.all([
      ring.skipZero && partner === 0 ? undefined : ch.send(real(partner), tag, buf.subarray(s0, s1)),
      ring.skipZero && vrank === 0 ? undefined : ch.recv(real(partner), tag),
    ]);
    if (!bytes) continue;
    if (bytes.byteLength !== r1 - r0)
      throw new RangeError(
        `allgather: received ${bytes.byteLength} bytes from rank ${real(partner)} where ${r1 - r0} were ` +
          'expected: every rank must give the same length',
      );
    buf.set(bytes, r0);
  }
}
