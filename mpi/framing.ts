// The rank-to-rank wire format: a 24-byte header per frame followed by its payload.
//   u8 kind | u8 element type | u16 magic 'MP' | u32 context | i32 source | i32 tag | u64 length
// (little-endian). Typed arrays and Buffers go as their own memory (no copy above COPY_LIMIT,
// where header and payload are written together by a corked socket), other values as
// v8.serialize bytes. The reader hands a payload that lies whole in one input chunk back as a
// view of that chunk (`transient`: the transport reuses its read buffer, so whoever keeps it
// copies it), and assembles one spanning chunks in a buffer of its own or a receive's.
import { constants as bufferConstants } from 'node:buffer';
import { deserialize, serialize } from 'node:v8';
import { takeBytes } from './byte-pool.js';

export const HEADER_BYTES = 24;
const MAGIC = 0x504d;
/** payloads up to this size are copied behind their header: one write beats two */
export const COPY_LIMIT = 16 * 1024;
/** the rest of a payload at least this long is read straight into it, not via the read buffer */
const IN_PLACE = 64 * 1024;

export const Kind = {
  /** raw bytes: a Buffer, a DataView, a Uint8Array given as bytes */
  bytes: 0,
  /** a typed array: the element type travels in the header */
  typed: 1,
  /** any other value, v8-serialized */
  value: 2,
  /** first frame of a connection: its payload names the connecting rank and carries the run's key (`universe rank key`, lines) */
  hello: 3,
  /** the sender has finalized: its connection closing next is expected */
  bye: 4,
} as const;

type TypedArrayCtor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Uint8ClampedArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

/** The element types a typed-array frame may carry, by their code in the header. */
export const ELEMENT_TYPES: TypedArrayCtor[] = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
];

/** What a message carries, ready for the wire. */
export interface Outgoing {
  kind: number;
  elementType: number;
  /** the payload's bytes: the caller's memory for typed arrays and Buffers */
  bytes: Uint8Array;
  /** elements (typed arrays), bytes (raw), 1 (a value) */
  count: number;
}

/** How `data` travels: typed arrays and byte views by reference, anything else serialized. */
export function outgoing(data: unknown): Outgoing {
  if (ArrayBuffer.isView(data)) {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const code = Buffer.isBuffer(data) || data instanceof DataView ? -1 : ELEMENT_TYPES.indexOf(ctorOf(data));
    if (code < 0) return { kind: Kind.bytes, elementType: 0, bytes, count: data.byteLength };
    return { kind: Kind.typed, elementType: code, bytes, count: (data as Uint8Array).length };
  }
  const bytes = serialize(data);
  return { kind: Kind.value, elementType: 0, bytes, count: 1 };
}

function ctorOf(data: ArrayBufferView): TypedArrayCtor {
  return (data as unknown as { constructor: TypedArrayCtor }).constructor;
}

/** Element count of a payload as received. */
export function countOf(kind: number, elementType: number, bytes: number): number {
  if (kind === Kind.typed) return bytes / (ELEMENT_TYPES[elementType]?.BYTES_PER_ELEMENT ?? 1);
  return kind === Kind.value ? 1 : bytes;
}

export function writeHeader(
  into: Uint8Array,
  at: number,
  kind: number,
  elementType: number,
  context: number,
  source: number,
  tag: number,
  length: number,
): void {
  const b = into as Buffer;
  b[at] = kind;
  b[at + 1] = elementType;
  b.writeUInt16LE(MAGIC, at + 2);
  b.writeUInt32LE(context, at + 4);
  b.writeInt32LE(source, at + 8);
  b.writeInt32LE(tag, at + 12);
  b.writeUInt32LE(length % 0x1_0000_0000, at + 16);
  b.writeUInt32LE(Math.floor(length / 0x1_0000_0000), at + 20);
}

/**
 * One frame as the buffers to write: a single copied buffer for small payloads, else the header
 * and the payload's own memory (the caller must not change it until the write has completed).
 */
export function encodeFrame(out: Outgoing, context: number, source: number, tag: number): Buffer[] {
  const n = out.bytes.byteLength;
  if (n <= COPY_LIMIT) {
    const b = Buffer.allocUnsafe(HEADER_BYTES + n);
    writeHeader(b, 0, out.kind, out.elementType, context, source, tag, n);
    b.set(out.bytes, HEADER_BYTES);
    return [b];
  }
  const h = Buffer.allocUnsafe(HEADER_BYTES);
  writeHeader(h, 0, out.kind, out.elementType, context, source, tag, n);
  return [h, Buffer.from(out.bytes.buffer, out.bytes.byteOffset, n)];
}

/** The value a payload stands for: a typed array view (aligned), bytes, or the deserialized value. */
export function decodePayload(kind: number, elementType: number, payload: Uint8Array): unknown {
  if (kind === Kind.value) return deserialize(payload);
  if (kind !== Kind.typed)
    return Buffer.isBuffer(payload)
      ? payload
      : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const Ctor = ELEMENT_TYPES[elementType]!;
  const size = Ctor.BYTES_PER_ELEMENT;
  let p = payload;
  if (p.byteOffset % size !== 0) p = new Uint8Array(p); // a copy starts at offset 0
  return new Ctor(p.buffer as ArrayBuffer, p.byteOffset, p.byteLength / size);
}

/** Receives each complete frame; `transient`: `payload` is a view of the chunk being pushed. */
export type FrameHandler = (
  kind: number,
  elementType: number,
  context: number,
  source: number,
  tag: number,
  payload: Uint8Array,
  transient: boolean,
) => void;

/** Where a payload spanning several chunks should be assembled (a receive's buffer), if anywhere. */
export type PayloadSink = (
  kind: number,
  elementType: number,
  context: number,
  source: number,
  tag: number,
  length: number,
) => Uint8Array | undefined;

export class FrameError extends Error {
  override readonly name = 'FrameError';
}

/** Cuts a byte stream into frames. Headers are parsed from the chunk or one reused buffer. */
export class FrameReader {
  private readonly header = Buffer.allocUnsafe(HEADER_BYTES);
  private headerFill = 0;
  private payload: Uint8Array | null = null;
  private payloadFill = 0;
  private kind = 0;
  private elementType = 0;
  private context = 0;
  private source = 0;
  private tag = 0;

  constructor(
    private readonly onFrame: FrameHandler,
    private readonly sink?: PayloadSink,
  ) {}

  /** Feeds `chunk` (its first `end` bytes); throws FrameError on a stream that is not this format. */
  push(bytes: Uint8Array, end = bytes.length): void {
    let at = 0;
    if (this.payload && this.readsInPlace(bytes)) {
      this.payloadFill += end; // read straight into the payload (see next())
      if (this.payloadFill === this.payload.length) this.emit(this.payload, false);
      return;
    }
    const chunk = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, end);
    while (at < end) {
      if (this.payload) {
        const n = Math.min(end - at, this.payload.length - this.payloadFill);
        this.payload.set(chunk.subarray(at, at + n), this.payloadFill);
        this.payloadFill += n;
        at += n;
        if (this.payloadFill === this.payload.length) this.emit(this.payload, false);
        continue;
      }
      let length: number;
      if (this.headerFill === 0 && end - at >= HEADER_BYTES) {
        length = this.parse(chunk, at);
        at += HEADER_BYTES;
      } else {
        const n = Math.min(end - at, HEADER_BYTES - this.headerFill);
        this.header.set(chunk.subarray(at, at + n), this.headerFill);
        this.headerFill += n;
        at += n;
        if (this.headerFill < HEADER_BYTES) return;
        this.headerFill = 0;
        length = this.parse(this.header, 0);
      }
      if (end - at >= length) {
        this.emit(chunk.subarray(at, at + length), true);
        at += length;
      } else {
        const k = this.kind;
        const into =
          length > COPY_LIMIT
            ? this.sink?.(k, this.elementType, this.context, this.source, this.tag, length)
            : undefined;
        this.payload = into ?? (length > 4096 ? takeBytes(length) : Buffer.allocUnsafe(length));
        this.payloadFill = 0;
      }
    }
  }

  /**
   * Where the next read should land: the rest of a large payload being assembled (no copy), or
   * `fallback` (then push() parses or copies from it).
   */
  next(fallback: Uint8Array): Uint8Array {
    const p = this.payload;
    if (!p || p.length - this.payloadFill < IN_PLACE) return fallback;
    return p.subarray(this.payloadFill);
  }

  private readsInPlace(chunk: Uint8Array): boolean {
    const p = this.payload!;
    return chunk.buffer === p.buffer && chunk.byteOffset === p.byteOffset + this.payloadFill;
  }

  private parse(b: Buffer, at: number): number {
    if (b.readUInt16LE(at + 2) !== MAGIC || b[at]! > Kind.bye || b[at + 1]! >= ELEMENT_TYPES.length)
      throw new FrameError('not a drover/mpi frame');
    this.kind = b[at]!;
    this.elementType = b[at + 1]!;
    this.context = b.readUInt32LE(at + 4);
    this.source = b.readInt32LE(at + 8);
    this.tag = b.readInt32LE(at + 12);
    const length = b.readUInt32LE(at + 16) + b.readUInt32LE(at + 20) * 0x1_0000_0000;
    if (length > bufferConstants.MAX_LENGTH) throw new FrameError(`frame of ${length} bytes is too long`);
    return length;
  }

  private emit(payload: Uint8Array, transient: boolean): void {
    this.payload = null;
    this.onFrame(this.kind, this.elementType, this.context, this.source, this.tag, payload, transient);
  }
}
