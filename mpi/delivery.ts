// What a completed receive hands back: the payload as a value (a typed array view, bytes, or the
// deserialized value), or copied into the caller's buffer when it gave one.
import { giveBack, takeBytes } from './byte-pool.js';
import { decodePayload, Kind } from './framing.js';
import { type Arrival, checkFit, type Envelope, type Status, statusOf } from './matching.js';
import type { Link } from './transport.js';

/** A message as the engine queues it. */
export interface Message extends Arrival {
  kind: number;
  elementType: number;
  payload: Uint8Array;
  /** the connection it came over (none for a message to self) */
  link?: Link;
}

export interface Received {
  data: unknown;
  status: Status;
}

/** A copy at offset 0 of its own memory (aligned for any typed array view). */
export function copied(bytes: Uint8Array): Uint8Array {
  const c = takeBytes(bytes.byteLength);
  c.set(bytes);
  return c;
}

/** Does `received` copy or decode the payload (so a view of a reused read buffer will do)? */
export function copiesOut(w: Wait, m: Message): boolean {
  if (w.raw) return fitsRaw(m, w.into);
  return w.into !== undefined || m.kind === Kind.value;
}

/** A raw receive's bytes go into its `into` when they fit there. */
function fitsRaw(m: Message, into: ArrayBufferView | undefined): into is ArrayBufferView {
  return into !== undefined && m.kind !== Kind.value && m.bytes <= into.byteLength;
}

/**
 * The receive's result; TruncationError when the message does not fit `into`. A raw receive
 * gets the payload's bytes (in `into` when they fit there, else wherever they are).
 */
export function received(m: Message, into: ArrayBufferView | undefined, raw: boolean): Received {
  const status = statusOf(m);
  if (raw) return { data: fitsRaw(m, into) ? place(m, into) : m.payload, status };
  if (!into || m.kind === Kind.value)
    return { data: decodePayload(m.kind, m.elementType, m.payload), status };
  checkFit(m, into.byteLength);
  place(m, into);
  if (into instanceof DataView) return { data: new DataView(into.buffer, into.byteOffset, m.bytes), status };
  const typed = into as Uint8Array;
  return { data: typed.subarray(0, Math.floor(m.bytes / typed.BYTES_PER_ELEMENT)), status };
}

/** The payload in `into`'s first bytes (copied unless it was read straight there, see the engine's sink). */
function place(m: Message, into: ArrayBufferView): Uint8Array {
  const at = new Uint8Array(into.buffer, into.byteOffset, m.bytes);
  const p = m.payload;
  if (p.buffer !== into.buffer || p.byteOffset !== into.byteOffset) {
    at.set(p);
    giveBack(p); // the payload is used up: its memory may take the next early arrival
  }
  return at;
}

/** A posted receive: its envelope, where its bytes go, and how it completes. */
export class Wait implements Envelope {
  resolve!: (r: Received) => void;
  reject!: (e: Error) => void;
  constructor(
    readonly context: number,
    readonly source: number,
    readonly tag: number,
    readonly into: ArrayBufferView | undefined,
    readonly raw: boolean,
  ) {}
}
