// MUNGE's client ↔ munged messages over munged's Unix socket (message format version 4, used by
// munge 0.5.x): an 11-byte header — magic u32, version u8, type u8, retry u8, body length u32 —
// then a body whose fields depend on the type. Integers are big-endian; strings carry their
// length (NUL included) in one byte before them. munged learns who the client is from the socket
// (SO_PEERCRED on Linux), so a request holds nothing about its sender.
// Replies are parsed with every length checked: a short or malformed reply is an error value.
// The error numbers and names are in munge-errors.ts.
import { type MungeError, malformed, mungeError } from './munge-errors.js';

/** Where Debian's munged listens. */
export const DEFAULT_MUNGE_SOCKET = '/run/munge/munge.socket.2';
export const MUNGE_MAGIC = 0x00606d4b;
export const MUNGE_MSG_VERSION = 4;
export const MUNGE_HEADER_SIZE = 11;
/** munged refuses request bodies above this (MUNGE_MAXIMUM_REQ_LEN) */
export const MUNGE_MAX_REQUEST = 1_048_576;
/** the largest reply body accepted: a credential for a 1 MiB payload, base64-armored, fits */
export const MUNGE_MAX_REPLY = 4 * 1_048_576;

export const MungeMsg = { ENC_REQ: 2, ENC_RSP: 3, DEC_REQ: 4, DEC_RSP: 5 } as const;

/** cipher, MAC and compression "default": the daemon picks */
const DEFAULT_ALGORITHM = 1;
/** ttl 0: the daemon's default ttl */
const DEFAULT_TTL = 0;
/** MUNGE_UID_ANY / MUNGE_GID_ANY: anyone may decode */
export const MUNGE_ANY_ID = 0xffffffff;

function frame(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(MUNGE_HEADER_SIZE);
  header.writeUInt32BE(MUNGE_MAGIC, 0);
  header.writeUInt8(MUNGE_MSG_VERSION, 4);
  header.writeUInt8(type, 5);
  header.writeUInt8(0, 6); // retry: 0 always (munged lets a retried decode replay a credential)
  header.writeUInt32BE(body.length, 7);
  return Buffer.concat([header, body]);
}

/** ENC_REQ for a credential holding `payload`, with the daemon's defaults and no decode restriction. */
export function encodeRequest(payload: Buffer): Buffer {
  const body = Buffer.alloc(4 + 4 + 4 + 4 + 4 + payload.length);
  let at = body.writeUInt8(DEFAULT_ALGORITHM, 0); // cipher
  at = body.writeUInt8(DEFAULT_ALGORITHM, at); // mac
  at = body.writeUInt8(DEFAULT_ALGORITHM, at); // zip
  at = body.writeUInt8(0, at); // realm length: no realm
  at = body.writeUInt32BE(DEFAULT_TTL, at);
  at = body.writeUInt32BE(MUNGE_ANY_ID, at); // auth uid
  at = body.writeUInt32BE(MUNGE_ANY_ID, at); // auth gid
  at = body.writeUInt32BE(payload.length, at);
  payload.copy(body, at);
  if (body.length > MUNGE_MAX_REQUEST)
    throw new RangeError(`munge payload too large (${payload.length} bytes)`);
  return frame(MungeMsg.ENC_REQ, body);
}

/** DEC_REQ for a credential; sent NUL-terminated, as libmunge does. */
export function decodeRequest(credential: string): Buffer {
  const text = Buffer.from(`${credential}\0`, 'latin1');
  const body = Buffer.alloc(4 + text.length);
  body.writeUInt32BE(text.length, 0);
  text.copy(body, 4);
  if (body.length > MUNGE_MAX_REQUEST)
    throw new RangeError(`munge credential too large (${text.length} bytes)`);
  return frame(MungeMsg.DEC_REQ, body);
}

export interface MungeFrame {
  type: number;
  retry: number;
  body: Buffer;
}

/**
 * The first message in `bytes` as received so far: undefined while it is incomplete, an error as
 * soon as the header is wrong (magic, version, not `expectType`, longer than `maxLength`).
 */
export function readFrame(
  bytes: Buffer,
  expectType?: number,
  maxLength = MUNGE_MAX_REPLY,
): { frame: MungeFrame; rest: Buffer } | { error: string } | undefined {
  if (bytes.length >= 4 && bytes.readUInt32BE(0) !== MUNGE_MAGIC) return { error: 'bad message magic' };
  if (bytes.length < MUNGE_HEADER_SIZE) return undefined;
  const version = bytes.readUInt8(4);
  if (version !== MUNGE_MSG_VERSION) return { error: `unsupported message version ${version}` };
  const type = bytes.readUInt8(5);
  if (expectType !== undefined && type !== expectType) {
    return { error: `unexpected message type ${type} (wanted ${expectType})` };
  }
  const length = bytes.readUInt32BE(7);
  if (length > maxLength) return { error: `message body of ${length} bytes exceeds ${maxLength}` };
  const end = MUNGE_HEADER_SIZE + length;
  if (bytes.length < end) return undefined;
  return {
    frame: { type, retry: bytes.readUInt8(6), body: bytes.subarray(MUNGE_HEADER_SIZE, end) },
    rest: bytes.subarray(end),
  };
}

/** Reads fields off a body; reading past the end yields zeros/empty and marks the reader short. */
class Fields {
  private at = 0;
  short = false;

  constructor(private readonly body: Buffer) {}

  private take(n: number): Buffer {
    if (this.short || this.at + n > this.body.length) {
      this.short = true;
      return Buffer.alloc(0);
    }
    const bytes = this.body.subarray(this.at, this.at + n);
    this.at += n;
    return bytes;
  }

  u8(): number {
    const b = this.take(1);
    return b.length === 1 ? b.readUInt8(0) : 0;
  }

  u32(): number {
    const b = this.take(4);
    return b.length === 4 ? b.readUInt32BE(0) : 0;
  }

  /** bytes preceded by their length in a u8 or u32 */
  counted(width: 1 | 4): Buffer {
    return this.take(width === 1 ? this.u8() : this.u32());
  }

  /** a string preceded by its length (NUL included) in a u8; the NUL is dropped */
  text(): string {
    const b = this.counted(1);
    return b.toString('latin1').replace(/\0+$/, '');
  }

  /** every byte read, none left over */
  get complete(): boolean {
    return !this.short && this.at === this.body.length;
  }
}

export interface EncodeReply {
  error?: MungeError;
  /** `MUNGE:…:` */
  credential?: string;
}

/** An ENC_RSP body. */
export function parseEncodeReply(body: Buffer): EncodeReply {
  const f = new Fields(body);
  const num = f.u8();
  const message = f.text();
  const data = f.counted(4);
  if (!f.complete) return { error: malformed('encode reply') };
  if (num !== 0) return { error: mungeError(num, message) };
  const credential = data.toString('latin1').replace(/\0+$/, '');
  // it goes into an HTTP header: printable ASCII only
  if (!/^MUNGE:[\x21-\x7e]+$/.test(credential)) return { error: malformed('credential') };
  return { credential };
}

export interface DecodeReply {
  /** set when munged refused the credential; for EXPIRED, REWOUND and REPLAYED the fields below
   * still describe it, for any other error they are munged's reset values and mean nothing */
  error?: MungeError;
  /** of the process that encoded the credential */
  uid: number;
  gid: number;
  /** dotted IPv4 address of the host that encoded it ('0.0.0.0' when absent) */
  addr: string;
  /** Unix seconds */
  encodedAt: number;
  decodedAt: number;
  /** seconds, as bounded by the decoding daemon's maximum */
  ttl: number;
  cipher: number;
  mac: number;
  zip: number;
  realm: string;
  /** who may decode it (MUNGE_ANY_ID: anyone) */
  authUid: number;
  authGid: number;
  payload: Buffer;
}

function unknownCredential(error: MungeError): DecodeReply {
  return {
    error,
    uid: MUNGE_ANY_ID,
    gid: MUNGE_ANY_ID,
    addr: '0.0.0.0',
    encodedAt: 0,
    decodedAt: 0,
    ttl: 0,
    cipher: 0,
    mac: 0,
    zip: 0,
    realm: '',
    authUid: MUNGE_ANY_ID,
    authGid: MUNGE_ANY_ID,
    payload: Buffer.alloc(0),
  };
}

/** A DEC_RSP body. */
export function parseDecodeReply(body: Buffer): DecodeReply {
  const f = new Fields(body);
  const num = f.u8();
  const message = f.text();
  const cipher = f.u8();
  const mac = f.u8();
  const zip = f.u8();
  const realm = f.text();
  const ttl = f.u32();
  const addr = f.counted(1);
  const encodedAt = f.u32();
  const decodedAt = f.u32();
  const uid = f.u32();
  const gid = f.u32();
  const authUid = f.u32();
  const authGid = f.u32();
  const payload = f.counted(4);
  if (!f.complete || (addr.length !== 0 && addr.length !== 4)) {
    return unknownCredential(malformed('decode reply'));
  }
  return {
    ...(num !== 0 ? { error: mungeError(num, message) } : {}),
    uid,
    gid,
    addr: addr.length === 4 ? [...addr].join('.') : '0.0.0.0',
    encodedAt,
    decodedAt,
    ttl,
    cipher,
    mac,
    zip,
    realm,
    authUid,
    authGid,
    payload: Buffer.from(payload),
  };
}
