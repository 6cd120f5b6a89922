// The live tail of a running job's output (`drover peek`, GET /v1/jobs/:id/output): the head asks
// the agent that runs the attempt for the bytes of its spooled stream from an offset (the `tail?`
// and `tail` messages of core/protocol/agent-protocol.ts); each answer holds at most
// TAIL_MAX_BYTES, cut at a character boundary so that its text is valid UTF-8.

/** The most bytes one answer carries (the rest follows from `next`). */
export const TAIL_MAX_BYTES = 64 * 1024;

/** What the head answers: the text, the offset to ask from next, whether the attempt still runs. */
export interface OutputTail {
  text: string;
  next: number;
  running: boolean;
}

/** The length of the UTF-8 sequence a lead byte starts (0: not a lead byte). */
function sequenceLength(byte: number): number {
  if (byte < 0x80) return 1;
  if (byte >= 0xc0 && byte < 0xe0) return 2;
  if (byte >= 0xe0 && byte < 0xf0) return 3;
  if (byte >= 0xf0 && byte < 0xf8) return 4;
  return 0;
}

/**
 * How many of `bytes` to send so that a character the job has only half written (or that the
 * size limit cut) is left for the next answer: all of them but a trailing incomplete sequence.
 * Bytes that are no UTF-8 at all are sent (they decode to U+FFFD) rather than held forever.
 */
export function wholeCharacters(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let i = n - 1; i >= 0 && i >= n - 4; i--) {
    const b = bytes[i]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const len = sequenceLength(b);
    return len > 0 && i + len > n ? i : n;
  }
  return n;
}
