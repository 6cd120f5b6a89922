// The communicator's collectives over the collectives module, which moves typed arrays (and
// DataViews) only: structured values travel v8-serialized. Where only the root knows what it
// sends (bcast, scatter, scatterv), the module's `mark` tells the other ranks that the bytes are
// a serialized value; elsewhere each rank's own argument says so (MPI wants all ranks to pass
// the same kind). scatter's serialized chunks are padded to one length (v8 ignores the tail).
import { deserialize, serialize } from 'node:v8';
import type { Channel } from './channel.js';
import type { Collectives } from './coll-channel.js';
import type { Data } from './collectives/typed-bytes.js';
import { MpiUsageError } from './mpi-errors.js';

const VALUE = 1;
const isView = (x: unknown): x is Data => ArrayBuffer.isView(x);

function bytesOf(value: unknown, length?: number): Uint8Array {
  const b = serialize(value);
  if (length === undefined) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  const padded = new Uint8Array(length);
  padded.set(b);
  return padded;
}

function fromBytes(b: unknown): unknown {
  const v = b as ArrayBufferView;
  return deserialize(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
}

export async function bcastAny(c: Collectives, ch: Channel, data: unknown, root: number): Promise<unknown> {
  const meta = { mark: 0 };
  if (ch.rank === root && !isView(data)) {
    meta.mark = VALUE;
    await c.bcast(ch, bytesOf(data), root, meta);
    return data;
  }
  const out = await c.bcast(ch, data as Data | undefined, root, meta);
  return ch.rank !== root && meta.mark === VALUE ? fromBytes(out) : out;
}

export async function gatherAny(c: Collectives, ch: Channel, data: unknown, root: number, v: boolean) {
  if (isView(data)) return v ? c.gatherv(ch, data, root) : c.gather(ch, data, root);
  const parts = await c.gatherv(ch, bytesOf(data), root);
  return parts?.map(fromBytes);
}

export async function allgatherAny(c: Collectives, ch: Channel, data: unknown): Promise<unknown[]> {
  if (isView(data)) return c.allgather(ch, data);
  return (await c.allgatherv(ch, bytesOf(data))).map(fromBytes);
}

export async function alltoallAny(c: Collectives, ch: Channel, chunks: unknown): Promise<unknown[]> {
  if (!Array.isArray(chunks))
    throw new MpiUsageError(`alltoall: give an array of ${ch.size} chunks, one per rank`);
  if (chunks.every(isView)) return c.alltoall(ch, chunks);
  return (
    await c.alltoall(
      ch,
      chunks.map((x) => bytesOf(x)),
    )
  ).map(fromBytes);
}

export async function scatterAny(
  c: Collectives,
  ch: Channel,
  chunks: unknown,
  root: number,
): Promise<unknown> {
  const meta = { mark: 0 };
  let send = chunks;
  if (ch.rank === root && Array.isArray(chunks) && !chunks.every(isView)) {
    const sizes = chunks.map((x) => serialize(x).byteLength);
    send = chunks.map((x) => bytesOf(x, Math.max(...sizes)));
    meta.mark = VALUE;
  }
  const out = await c.scatter(ch, send as Data[] | undefined, root, meta);
  return meta.mark === VALUE ? fromBytes(out) : out;
}

/** The root's `data` cut by `counts` (elements per rank): a typed array, or an array of values. */
export async function scattervAny(
  c: Collectives,
  ch: Channel,
  data: unknown,
  counts: readonly number[] | undefined,
  root: number,
): Promise<unknown> {
  const meta = { mark: 0 };
  let chunks: Data[] | undefined;
  if (ch.rank === root) {
    if (
      !Array.isArray(counts) ||
      counts.length !== ch.size ||
      counts.some((n) => !(Number.isInteger(n) && n >= 0))
    )
      throw new MpiUsageError(`scatterv: give ${ch.size} element counts, one per rank`);
    const cut = (at: number, n: number) =>
      isView(data)
        ? (data as Uint8Array).subarray(at, at + n)
        : bytesOf((data as unknown[]).slice(at, at + n));
    if (!isView(data) && !Array.isArray(data))
      throw new MpiUsageError('scatterv: give a typed array or an array');
    meta.mark = isView(data) ? 0 : VALUE;
    let at = 0;
    chunks = counts.map((n) => {
      const chunk = cut(at, n);
      at += n;
      return chunk;
    });
  }
  const out = await c.scatterv(ch, chunks, root, meta);
  return meta.mark === VALUE ? fromBytes(out) : out;
}
