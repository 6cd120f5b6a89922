// The barrier by dissemination (Hensgen, Finkel and Manber; MPICH's barrier): in round k each rank
// signals rank + 2^k and waits for rank - 2^k, so after ⌈log2 p⌉ rounds every rank has heard,
// directly or not, from every other.
import type { Channel } from '../channel.js';

const EMPTY = new Uint8Array(0);

export async function disseminationBarrier(ch: Channel): Promise<void> {
  const { rank, size } = ch;
  for (let mask = 1, round = 0; mask < size; mask <<= 1, round++) {
    const to = (rank + mask) % size;
    const from = (rank - mask + size) % size;
    await Promise.all([ch.send(to, round, EMPTY), ch.recv(from, round)]);
  }
}
