// An in-memory world of N ranks speaking the Channel contract of mpi/channel.ts, to run every
// rank's side of a collective concurrently in one process: one FIFO queue per (source, dest, tag),
// delivery on a later turn of the event loop, and the bytes copied at send as a transport would.
// Options make it harsher than a real transport: `rendezvous` resolves a send only once the
// receiver has taken the message (an algorithm that relies on buffering deadlocks), `misalign`
// hands out received bytes at an odd byte offset (the receiver must copy before viewing them).

import type { Channel, Payload } from '../../mpi/channel.js';
import { ELEMENT_TYPES } from '../../mpi/framing.js';

export interface MemoryWorldOptions {
  rendezvous?: boolean;
  misalign?: boolean;
}

interface Envelope {
  bytes: Uint8Array;
  taken: () => void;
}

export class MemoryWorld {
  private readonly queues = new Map<string, Envelope[]>();
  private readonly waiting = new Map<string, ((e: Envelope) => void)[]>();
  readonly channels: Channel[];
  messages = 0;

  constructor(
    readonly size: number,
    private readonly opts: MemoryWorldOptions = {},
  ) {
    this.channels = Array.from({ length: size }, (_, rank) => this.channel(rank));
  }

  /** Messages sent but never received: a correct collective leaves none. */
  undelivered(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  /** Run `fn` on every rank concurrently; the results by rank. */
  run<T>(fn: (ch: Channel) => Promise<T>): Promise<T[]> {
    return Promise.all(this.channels.map((ch) => fn(ch)));
  }

  private channel(rank: number): Channel {
    return {
      rank,
      size: this.size,
      send: (dest, tag, data) => this.send(rank, dest, tag, data),
      recv: (source, tag) => this.recv(source, rank, tag),
    };
  }

  private listAt<V>(map: Map<string, V[]>, key: string): V[] {
    let list = map.get(key);
    if (!list) {
      list = [];
      map.set(key, list);
    }
    return list;
  }

  private check(what: string, peer: number, tag: number): void {
    if (!Number.isInteger(peer) || peer < 0 || peer >= this.size)
      throw new RangeError(`${what}: rank ${peer} is not in a world of ${this.size}`);
    if (!Number.isInteger(tag) || tag < 0 || tag > 65535)
      throw new RangeError(`${what}: tag ${tag} is not in 0..65535`);
  }

  private copy(data: Payload): Uint8Array {
    const src = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (!this.opts.misalign) return src.slice();
    // a Buffer at an odd offset, as the sockets deliver them
    const out = Buffer.alloc(src.byteLength + 1).subarray(1);
    out.set(src);
    return out;
  }

  private send(source: number, dest: number, tag: number, data: Payload): Promise<void> {
    this.check('send', dest, tag);
    if (!ArrayBuffer.isView(data)) throw new TypeError('send: data must be an ArrayBufferView');
    const key = `${source}>${dest}#${tag}`;
    const bytes = this.copy(data);
    this.messages++;
    return new Promise((resolve) => {
      const env: Envelope = { bytes, taken: () => this.opts.rendezvous && resolve() };
      queueMicrotask(() => {
        const w = this.waiting.get(key)?.shift();
        if (w) w(env);
        else this.listAt(this.queues, key).push(env);
        if (!this.opts.rendezvous) resolve();
      });
    });
  }

  private recv(source: number, dest: number, tag: number): Promise<Uint8Array> {
    this.check('recv', source, tag);
    const key = `${source}>${dest}#${tag}`;
    return new Promise((resolve) => {
      const take = (env: Envelope) => {
        env.taken();
        resolve(env.bytes);
      };
      const queued = this.queues.get(key);
      if (queued && queued.length > 0) take(queued.shift()!);
      else this.listAt(this.waiting, key).push(take);
    });
  }
}

/** Every typed array kind the collectives and reduction operations support. */
export const TYPED_KINDS = ELEMENT_TYPES;
export type TypedKind = (typeof TYPED_KINDS)[number];

/** A typed array of `kind` from plain numbers (converted to BigInt for the 64-bit integer kinds). */
export function typed(kind: TypedKind, values: number[]): InstanceType<TypedKind> {
  if (kind === BigInt64Array || kind === BigUint64Array)
    return kind.from(values.map((v) => BigInt(Math.trunc(v))) as bigint[]);
  return (kind as Float64ArrayConstructor).from(values) as InstanceType<TypedKind>;
}

/** The bytes of a typed array, for comparisons that see -0, NaN payloads and every bit. */
export function bytes(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Same kind and the same bytes (every bit, -0 and NaN payloads included). */
export function sameBits(a: ArrayBufferView | undefined, b: ArrayBufferView | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.constructor === b.constructor && Buffer.from(bytes(a)).equals(bytes(b));
}
