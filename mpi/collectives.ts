// The collective operations over a communicator's Channel (mpi/channel.ts): one function per
// collective, which checks its arguments and picks the algorithm as MPICH does, by payload size and
// rank count (thresholds in mpi/collectives/mpich-thresholds.ts). Data are typed arrays (or
// DataViews, moved as bytes); results are new arrays of the input's kind, except bcast's root,
// which gets its own array back. Every rank of the channel must call the same collective with
// matching arguments, as in MPI.
import type { Channel } from './channel.js';
import { allgatherAlgorithms, allgathervRing } from './collectives/allgather-algorithms.js';
import { bcastAlgorithms } from './collectives/bcast-algorithms.js';
import { disseminationBarrier } from './collectives/dissemination.js';
import { THRESHOLDS } from './collectives/mpich-thresholds.js';
import { alltoallExchange } from './collectives/pairwise-exchange.js';
import { scanDoubling } from './collectives/prefix-scan.js';
import { allreduceRabenseifner, reduceRabenseifner, splittable } from './collectives/rabenseifner.js';
import { allreduceDoubling, reduceBinomial } from './collectives/reduction-trees.js';
import {
  gatherBinomial,
  gathervLinear,
  scatterBinomial,
  scattervLinear,
} from './collectives/rooted-blocks.js';
import { copyOf, type Data, kindCode, type Meta, type TypedArray } from './collectives/typed-bytes.js';
import { Op } from './reduce-ops.js';

function checkRoot(ch: Channel, root: number, what: string): void {
  if (!Number.isInteger(root) || root < 0 || root >= ch.size)
    throw new RangeError(`${what}: root ${root} is not a rank of this communicator (0..${ch.size - 1})`);
}

function checkData(data: unknown, what: string): asserts data is Data {
  if (!ArrayBuffer.isView(data))
    throw new TypeError(`${what} moves typed arrays or DataViews, not ${typeof data}`);
  kindCode(data as Data);
}

function checkReduction(data: unknown, op: unknown, what: string): asserts data is TypedArray {
  if (!(op instanceof Op)) throw new TypeError(`${what}: the operation must be a built-in op or op(fn)`);
  op.check(data);
}

/** One chunk per rank, all of one kind (and, with `same`, one length). */
function checkChunks(ch: Channel, chunks: unknown, what: string, same: boolean): asserts chunks is Data[] {
  if (!Array.isArray(chunks) || chunks.length !== ch.size)
    throw new RangeError(`${what}: give an array of ${ch.size} chunks, one per rank`);
  for (const c of chunks) checkData(c, what);
  const first = chunks[0] as Data;
  for (const c of chunks as Data[]) {
    if (kindCode(c) !== kindCode(first))
      throw new TypeError(
        `${what}: every chunk must be of one kind (${first.constructor.name} and ${c.constructor.name})`,
      );
    if (same && c.byteLength !== first.byteLength)
      throw new RangeError(`${what}: chunks of ${first.byteLength} and ${c.byteLength} bytes (use ${what}v)`);
  }
}

export async function barrier(ch: Channel): Promise<void> {
  await disseminationBarrier(ch);
}

/**
 * The root's `data` on every rank (other ranks pass undefined and learn kind and length). The
 * root's `meta.mark` (0..255) reaches the others' `meta`, for callers that need to say more (e.g.
 * that the bytes are a serialized value); so with scatter and scatterv.
 */
export async function bcast<T extends Data>(
  ch: Channel,
  data: T | undefined,
  root: number,
  meta?: Meta,
): Promise<T> {
  checkRoot(ch, root, 'bcast');
  if (ch.rank === root) checkData(data, 'bcast');
  if (ch.size === 1) return data!;
  return bcastAlgorithms(ch, data, root, meta);
}

/** data(0) ∘ … ∘ data(p-1) on the root, undefined elsewhere. */
export async function reduce<T extends TypedArray>(
  ch: Channel,
  data: T,
  op: Op,
  root: number,
): Promise<T | undefined> {
  checkRoot(ch, root, 'reduce');
  checkReduction(data, op, 'reduce');
  if (ch.size === 1) return copyOf(data);
  if (data.byteLength > THRESHOLDS.MPIR_CVAR_REDUCE_SHORT_MSG_SIZE && splittable(op, data.length, ch.size))
    return reduceRabenseifner(ch, data, op, root);
  return reduceBinomial(ch, data, op, root);
}

/** data(0) ∘ … ∘ data(p-1) on every rank, bit-identical everywhere. */
/** The result in a new array, or in `into` (MPI's receive buffer; `data` itself for in place). */
export async function allreduce<T extends TypedArray>(ch: Channel, data: T, op: Op, into?: T): Promise<T> {
  checkReduction(data, op, 'allreduce');
  if (into !== undefined) checkInto(data, into, 'allreduce');
  if (data.byteLength > THRESHOLDS.MPIR_CVAR_ALLREDUCE_SHORT_MSG_SIZE && splittable(op, data.length, ch.size))
    return allreduceRabenseifner(ch, data, op, into);
  const out = ch.size === 1 ? copyOf(data) : await allreduceDoubling(ch, data, op);
  if (!into) return out;
  into.set(out as never);
  return into;
}

function checkInto(data: TypedArray, into: unknown, what: string): asserts into is TypedArray {
  if (
    !ArrayBuffer.isView(into) ||
    kindCode(into as Data) !== kindCode(data) ||
    (into as TypedArray).length !== data.length
  )
    throw new RangeError(
      `${what}: into must be a ${data.constructor.name} of ${data.length} elements, like the data`,
    );
  const a = into as TypedArray;
  const overlap =
    a.buffer === data.buffer &&
    a.byteOffset < data.byteOffset + data.byteLength &&
    data.byteOffset < a.byteOffset + a.byteLength;
  if (overlap && a !== data)
    throw new RangeError(`${what}: into overlaps the data (give the data itself to reduce in place)`);
}

/** Inclusive prefix: data(0) ∘ … ∘ data(rank). */
export async function scan<T extends TypedArray>(ch: Channel, data: T, op: Op): Promise<T> {
  checkReduction(data, op, 'scan');
  return (await scanDoubling(ch, data, op, false))!;
}

/** Exclusive prefix: data(0) ∘ … ∘ data(rank - 1); undefined on rank 0. */
export async function exscan<T extends TypedArray>(ch: Channel, data: T, op: Op): Promise<T | undefined> {
  checkReduction(data, op, 'exscan');
  return scanDoubling(ch, data, op, true);
}

/** Every rank's data (all of one length) on the root, by rank; undefined elsewhere. */
export async function gather<T extends Data>(ch: Channel, data: T, root: number): Promise<T[] | undefined> {
  checkRoot(ch, root, 'gather');
  checkData(data, 'gather');
  return gatherBinomial(ch, data, root);
}

/** As gather, the lengths may differ. */
export async function gatherv<T extends Data>(ch: Channel, data: T, root: number): Promise<T[] | undefined> {
  checkRoot(ch, root, 'gatherv');
  checkData(data, 'gatherv');
  return gathervLinear(ch, data, root);
}

/** Chunk r of the root's `chunks` (one per rank, one length) on rank r; others pass undefined. */
export async function scatter<T extends Data>(
  ch: Channel,
  chunks: T[] | undefined,
  root: number,
  meta?: Meta,
): Promise<T> {
  checkRoot(ch, root, 'scatter');
  if (ch.rank === root) checkChunks(ch, chunks, 'scatter', true);
  return scatterBinomial(ch, chunks, root, meta);
}

/** As scatter, the lengths may differ. */
export async function scatterv<T extends Data>(
  ch: Channel,
  chunks: T[] | undefined,
  root: number,
  meta?: Meta,
): Promise<T> {
  checkRoot(ch, root, 'scatterv');
  if (ch.rank === root) checkChunks(ch, chunks, 'scatterv', false);
  return scattervLinear(ch, chunks, root, meta);
}

/** Every rank's data (all of one length) on every rank, by rank. */
export async function allgather<T extends Data>(ch: Channel, data: T): Promise<T[]> {
  checkData(data, 'allgather');
  return allgatherAlgorithms(ch, data);
}

/** As allgather, the lengths may differ. */
export async function allgatherv<T extends Data>(ch: Channel, data: T): Promise<T[]> {
  checkData(data, 'allgatherv');
  return allgathervRing(ch, data);
}

/** Rank r's chunks[s] ends up as rank s's result[r]; lengths may differ. */
export async function alltoall<T extends Data>(ch: Channel, chunks: T[]): Promise<T[]> {
  checkChunks(ch, chunks, 'alltoall', false);
  return alltoallExchange(ch, chunks);
}
