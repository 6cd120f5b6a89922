// Collective calls of a communicator: each call gets its own Channel (mpi/channel.ts) on the
// communicator's collective context, its tags folded with the call's sequence number so that
// messages of consecutive collectives never match each other. The algorithms are in
// mpi/collectives.ts; the library's own agreements (split, dup, create and the barrier of
// finalize) use the small allgather below.
import type { Channel, Payload } from './channel.js';
import * as algorithms from './collectives.js';
import type { Engine } from './engine.js';
import type { Peer } from './rank-peer.js';

const TAG_BITS = 16;
const SEQ_MASK = 0x7fff;

/** The collective algorithms, as the communicator calls them: one function per collective. */
export type Collectives = typeof algorithms;

export function collectives(): Collectives {
  return algorithms;
}

/** The point-to-point part of a communicator that collectives run over. */
export interface CollectiveSide {
  readonly engine: Engine;
  readonly rank: number;
  readonly members: readonly Peer[];
  /** the communicator's collective context */
  readonly collContext: number;
}

export class CollChannel implements Channel {
  readonly rank: number;
  readonly size: number;
  private readonly base: number;

  constructor(
    private readonly side: CollectiveSide,
    seq: number,
  ) {
    this.rank = side.rank;
    this.size = side.members.length;
    this.base = (seq & SEQ_MASK) << TAG_BITS;
  }

  private tag(tag: number): number {
    if (!(tag >= 0 && tag < 1 << TAG_BITS)) throw new RangeError(`collective tag ${tag} is out of 0..65535`);
    return this.base | tag;
  }

  send(dest: number, tag: number, data: Payload): Promise<void> {
    const s = this.side;
    const to = s.members[dest];
    if (!to) return Promise.reject(new RangeError(`no rank ${dest} in a communicator of ${this.size}`));
    return s.engine.send(to, s.collContext, s.rank, this.tag(tag), data);
  }

  async recv(source: number, tag: number, into?: Uint8Array): Promise<Uint8Array> {
    const s = this.side;
    const m = await s.engine.recv(s.collContext, source, this.tag(tag), into, true);
    const bytes = m.data as Uint8Array;
    if (into && bytes.buffer === into.buffer) return bytes; // placed in the caller's memory
    // 8-aligned, so the algorithms may view the bytes as any typed array (a copy only if not)
    return bytes.byteOffset % 8 === 0 ? bytes : new Uint8Array(bytes);
  }

  /** Any value to `dest` (v8-serialized), for the library's own agreements. */
  sendValue(dest: number, value: unknown): Promise<void> {
    const s = this.side;
    return s.engine.send(s.members[dest]!, s.collContext, s.rank, this.base, value);
  }

  async recvValue(source: number): Promise<unknown> {
    const s = this.side;
    return (await s.engine.recv(s.collContext, source, this.base)).data;
  }
}

/** Every rank's `value`, in rank order, on every rank (gathered at rank 0, then sent out). */
export async function allgatherValues<T>(ch: CollChannel, value: T): Promise<T[]> {
  if (ch.rank !== 0) {
    await ch.sendValue(0, value);
    return (await ch.recvValue(0)) as T[];
  }
  const others = [];
  for (let r = 1; r < ch.size; r++) others.push(ch.recvValue(r));
  const all = [value, ...((await Promise.all(others)) as T[])];
  const sends = [];
  for (let r = 1; r < ch.size; r++) sends.push(ch.sendValue(r, all));
  await Promise.all(sends);
  return all;
}
