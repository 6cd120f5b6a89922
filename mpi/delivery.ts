// What a completed receive hands back: the payload as a value (a typed array view, bytes, or the
// deserialized value), or copied into the caller's buffer when it gave one.
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

/** The receive's result; TruncationError when the message does not fit `into`. */
export function received(m: Message, into: ArrayBufferView | undefined, raw: boolean): Received {
  const status = statusOf(m);
  if (raw) return { data: m.payload, status };
  if (!into || m.kind === Kind.value)
    return { data: decodePayload(m.kind, m.elementType, m.payload), status };
  checkFit(m, into.byteLength);
  const p = m.payload;
  // a large payload may have been read straight into `into` (see the engine's sink)
  if (p.buffer !== into.buffer || p.byteOffset !== into.byteOffset)
    new Uint8Array(into.buffer, into.byteOffset, m.bytes).set(p);
  if (into instanceof DataView) return { data: new DataView(into.buffer, into.byteOffset, m.bytes), status };
  const typed = into as Uint8Array;
  return { data: typed.subarray(0, Math.floor(m.bytes / typed.BYTES_PER_ELEMENT)), status };
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
