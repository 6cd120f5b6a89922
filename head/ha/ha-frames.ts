// The frames of the link between two heads (head/ha/): a 4-byte big-endian length, then the
// message in V8's serialization (Buffers, typed arrays and big integers arrive as they left,
// which a replicated statement's arguments need).
import { deserialize, serialize } from 'node:v8';
import type { LoggedStatement } from '../db/statement-log.js';

/** A file or directory under the head's home as it is now (files null: removed; one file
 * with rel '': `path` is that file). */
export interface MirroredTree {
  path: string;
  files: { rel: string; data: Buffer; mode: number }[] | null;
}

export type PrimaryFrame =
  /** the whole database as of batch `seq` of `lineage`, and the files beside it */
  | { t: 'snapshot'; lineage: string; seq: number; epoch: number; db: Buffer; files: MirroredTree[] }
  | { t: 'batch'; seq: number; statements: LoggedStatement[] }
  | { t: 'files'; files: MirroredTree[] }
  /** heartbeat, with where clients reach the primary (its API, for a standby's redirects) */
  | { t: 'ping'; n: number; epoch: number; api: string | null }
  /** planned switchover: the standby is in sync up to `seq`; it should take over now */
  | { t: 'hand-over'; seq: number; epoch: number };

export type StandbyFrame =
  /** first: who the standby is and what it has (lineage and seq of its last applied batch) */
  | { t: 'hello'; from: string; lineage: string | null; seq: number; epoch: number }
  | { t: 'ack'; seq: number }
  | { t: 'pong'; n: number };

/** Frames bigger than this are a broken peer (a snapshot of a large database stays under it). */
const MAX_FRAME = 1 << 30;

export function encodeFrame(frame: PrimaryFrame | StandbyFrame): Buffer {
  const body = serialize(frame);
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
}

/** Cuts a byte stream into frames (a large frame's chunks are joined once, when all are in). */
export class FrameDecoder<T> {
  private chunks: Buffer[] = [];
  private size = 0;
  /** bytes the next frame needs, header included (0: not known yet) */
  private need = 0;

  push(chunk: Buffer): T[] {
    this.chunks.push(chunk);
    this.size += chunk.length;
    const out: T[] = [];
    while (this.size >= 4 && this.size >= this.need) {
      const buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
      this.chunks = [buf];
      const len = buf.readUInt32BE(0);
      if (len > MAX_FRAME) throw new Error(`frame of ${len} bytes`);
      this.need = 4 + len;
      if (buf.length < this.need) break;
      out.push(deserialize(buf.subarray(4, this.need)) as T);
      const rest = buf.subarray(this.need);
      this.chunks = rest.length ? [rest] : [];
      this.size = rest.length;
      this.need = 0;
    }
    return out;
  }
}
