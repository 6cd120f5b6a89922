// Authenticated JSON lines between the heads and the witness: one JSON object per line,
// `{"m": "<the message's JSON text>", "mac": "<hex HMAC-SHA256>", "at": <unix ms>, "n": "<nonce>"}`,
// with a key both sides read from a file. The MAC covers `at`, the random nonce and `m` (so the
// time cannot be changed without the key, and two equal messages sent in the same millisecond
// still differ) and, for a reply, the MAC of the request it answers (so an old reply cannot be
// passed off as the answer to a new request). A line whose `at` is more than 30 s from the
// receiver's clock is refused, and `ReplayGuard` refuses a request seen before within that window.
// Pure logic (node:crypto only computes): the sockets are the caller's.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The longest line either side reads (bytes, without the newline). */
export const MAX_LINE_BYTES = 64 * 1024;
/** How far a line's `at` may be from the receiver's clock. */
export const MAX_CLOCK_SKEW_MS = 30_000;

export interface SignedLine {
  /** the line to write, newline included */
  line: string;
  /** its MAC: what a reply to it is bound to */
  mac: string;
}

export type Opened = { ok: true; message: unknown; mac: string; at: number } | { ok: false; reason: string };

function macOf(key: Buffer, at: number, n: string, m: string, boundTo: string): string {
  return createHmac('sha256', key).update(`${at}\n${n}\n${boundTo}\n${m}`).digest('hex');
}

/** Sign `message` at `atMs` (unix ms); `boundTo` is the request's MAC when this is its reply. */
export function signLine(key: Buffer, message: unknown, atMs: number, boundTo = ''): SignedLine {
  const m = JSON.stringify(message);
  const n = randomBytes(8).toString('hex');
  const mac = macOf(key, atMs, n, m, boundTo);
  return { line: `${JSON.stringify({ m, mac, at: atMs, n })}\n`, mac };
}

/** Check one line (without its newline) and return its message, or why it is refused. */
export function openLine(key: Buffer, line: string, nowMs: number, boundTo = ''): Opened {
  if (Buffer.byteLength(line) > MAX_LINE_BYTES) return { ok: false, reason: 'line too long' };
  let outer: unknown;
  try {
    outer = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const o = outer as { m?: unknown; mac?: unknown; at?: unknown; n?: unknown } | null;
  if (!o || typeof o !== 'object' || typeof o.m !== 'string' || typeof o.mac !== 'string')
    return { ok: false, reason: 'not a signed line' };
  if (typeof o.at !== 'number' || !Number.isFinite(o.at)) return { ok: false, reason: 'no time' };
  const n = typeof o.n === 'string' ? o.n : '';
  const want = Buffer.from(macOf(key, o.at, n, o.m, boundTo), 'hex');
  const got = Buffer.from(o.mac, 'hex');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return { ok: false, reason: 'wrong mac' };
  if (Math.abs(nowMs - o.at) > MAX_CLOCK_SKEW_MS)
    return { ok: false, reason: `time ${o.at} is more than ${MAX_CLOCK_SKEW_MS} ms from ours` };
  try {
    return { ok: true, message: JSON.parse(o.m), mac: o.mac, at: o.at };
  } catch {
    return { ok: false, reason: 'message not JSON' };
  }
}

/**
 * Splits a byte stream into lines, refusing any longer than `MAX_LINE_BYTES`: `push` returns the
 * complete lines so far, or `undefined` once a line is too long (the caller closes the stream).
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private pending = 0;

  constructor(private readonly max = MAX_LINE_BYTES) {}

  push(chunk: Buffer): string[] | undefined {
    const lines: string[] = [];
    let from = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, from)) {
      if (this.pending + nl - from > this.max) return undefined;
      this.parts.push(chunk.subarray(from, nl));
      lines.push(Buffer.concat(this.parts).toString('utf8'));
      this.parts = [];
      this.pending = 0;
      from = nl + 1;
    }
    if (from < chunk.length) {
      this.pending += chunk.length - from;
      if (this.pending > this.max) return undefined;
      this.parts.push(chunk.subarray(from));
    }
    return lines;
  }
}

/**
 * Refuses a line seen before (by its MAC) while its `at` is within the accepted window; a copy
 * replayed later is refused by the clock check instead, so a MAC is forgotten once its `at` has
 * left the window.
 */
export class ReplayGuard {
  /** MAC → the receiver's time after which the clock check refuses that line anyway */
  private seen = new Map<string, number>();
  private prunedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly windowMs = MAX_CLOCK_SKEW_MS) {}

  /** True the first time `mac` is offered; `at` is the line's time, `nowMs` the receiver's clock. */
  fresh(mac: string, at: number, nowMs: number): boolean {
    if (nowMs - this.prunedAt >= 1000) {
      for (const [m, until] of this.seen) if (until < nowMs) this.seen.delete(m);
      this.prunedAt = nowMs;
    }
    if (this.seen.has(mac)) return false;
    this.seen.set(mac, at + this.windowMs);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}
