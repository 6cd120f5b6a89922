// Typed arrays as the collectives see them: their kinds, a kind code that travels in a small
// header when a root hands data to ranks that cannot know its kind (bcast, scatter), and views of
// received bytes as a typed array without copying (unless the bytes sit at an unaligned offset).
import { ELEMENT_TYPES } from '../framing.js';

export type BigIntArray = BigInt64Array | BigUint64Array;
export type NumberArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;
export type TypedArray = NumberArray | BigIntArray;

/** Data the collectives move: typed arrays, or DataViews (moved as bytes). */
export type Data = TypedArray | DataView;

type DataCtor = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): Data;
  readonly BYTES_PER_ELEMENT?: number;
  readonly name: string;
};

/** Index = kind code in headers: the frames' element types (mpi/framing.ts), then DataView. */
const KINDS: DataCtor[] = [...ELEMENT_TYPES, DataView as unknown as DataCtor];

export function isTypedArray(x: unknown): x is TypedArray {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

/** The kind's code; a subclass (a Buffer is a Uint8Array) travels, and arrives, as its base kind. */
export function kindCode(data: Data): number {
  const c = KINDS.findIndex((k) => data instanceof k);
  if (c < 0) throw new TypeError(`a collective cannot move a ${data?.constructor?.name ?? typeof data}`);
  return c;
}

function ctorOf(data: Data): DataCtor {
  return KINDS[kindCode(data)]!;
}

export function elementSize(data: Data): number {
  return data instanceof DataView ? 1 : data.BYTES_PER_ELEMENT;
}

/** The bytes of `data`, without copying. */
export function bytesOf(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function view(ctor: DataCtor, bytes: Uint8Array): Data {
  const size = ctor.BYTES_PER_ELEMENT ?? 1;
  if (bytes.byteLength % size !== 0)
    throw new RangeError(`${bytes.byteLength} bytes are not a whole number of ${ctor.name} elements`);
  let b = bytes;
  // a copy (Buffer's own slice() would give a view of the same misaligned memory)
  if (b.byteOffset % size !== 0) b = new Uint8Array(b);
  return new ctor(b.buffer, b.byteOffset, b.byteLength / size);
}

/** Received bytes as data of the same kind as `like` (a view where alignment allows, else a copy). */
export function viewLike<T extends Data>(like: T, bytes: Uint8Array): T {
  return view(ctorOf(like), bytes) as T;
}

/** Received bytes as data of kind `code` (from a header). */
export function viewKind(code: number, bytes: Uint8Array): Data {
  const ctor = KINDS[code];
  if (!ctor) throw new RangeError(`unknown data kind code ${code} in a collective header`);
  return view(ctor, bytes);
}

/** A fresh copy of `data`, of its kind. */
export function copyOf<T extends Data>(data: T): T {
  return viewLike(data, bytesOf(data).slice());
}

/** The parts (of one kind) one after the other in a new array, e.g. a gather's result as MPI gives it. */
export function concat<T extends Data>(parts: T[]): T {
  if (parts.length === 0) throw new RangeError('concat: no parts');
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(bytesOf(p), at);
    at += p.byteLength;
  }
  return viewLike(parts[0]!, out);
}

const HEADER_BYTES = 16;

/**
 * What the root of a bcast or scatter tells the other ranks besides the data: a mark of its
 * caller's (0..255; e.g. "these bytes are a serialized value"), set by the root, read by the rest.
 */
export interface Meta {
  mark: number;
}

/** A 16-byte header (keeps 8-byte alignment of what follows): kind, algorithm, mark, a byte count. */
export function header(kind: number, alg: number, count: number, mark = 0): Uint8Array {
  if (!Number.isInteger(mark) || mark < 0 || mark > 255)
    throw new RangeError(`a mark is 0..255, not ${mark}`);
  const h = new Uint8Array(HEADER_BYTES);
  const dv = new DataView(h.buffer);
  dv.setUint8(0, kind);
  dv.setUint8(1, alg);
  dv.setUint8(2, mark);
  dv.setFloat64(8, count, true);
  return h;
}

export function readHeader(bytes: Uint8Array): { kind: number; alg: number; count: number; mark: number } {
  if (bytes.byteLength < HEADER_BYTES)
    throw new RangeError(`a collective header of ${bytes.byteLength} bytes (expected ${HEADER_BYTES})`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  return { kind: dv.getUint8(0), alg: dv.getUint8(1), mark: dv.getUint8(2), count: dv.getFloat64(8, true) };
}

/** `payload` with a header in front (one copy; used for small messages only). */
export function framed(kind: number, alg: number, payload: Uint8Array, mark = 0): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + payload.byteLength);
  out.set(header(kind, alg, payload.byteLength, mark));
  out.set(payload, HEADER_BYTES);
  return out;
}

export function unframe(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(HEADER_BYTES);
}

/** Bytes received from a peer as data like `like`, which must hold `length` elements. */
export function receivedLike<T extends Data>(like: T, bytes: Uint8Array, length: number, what: string): T {
  const size = elementSize(like);
  if (bytes.byteLength !== length * size)
    throw new RangeError(
      `${what}: received ${bytes.byteLength} bytes where ${length * size} were expected: every rank ` +
        'must give the same kind and length',
    );
  return viewLike(like, bytes);
}
