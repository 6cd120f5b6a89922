// Memory for large payloads that arrive before their receive is posted. Fresh memory costs a page
// fault per 4 KiB on first touch (several ms per MiB on a VM), so once a receive has copied such
// a payload into its own buffer (mpi/delivery.ts), the payload's memory is kept for the next one.
const MIN_BYTES = 64 * 1024;
const MAX_POOLED_BYTES = 64 << 20;

/** memory this module handed out (only that may come back) */
const ours = new WeakSet<ArrayBuffer>();
const free: ArrayBuffer[] = [];
let pooled = 0;

/** `length` bytes at offset 0 of their own memory: reused when some fits, else new. */
export function takeBytes(length: number): Uint8Array {
  if (length < MIN_BYTES) return new Uint8Array(length);
  let best = -1;
  for (let i = 0; i < free.length; i++) {
    const n = free[i]!.byteLength;
    if (n >= length && n <= 2 * length && (best < 0 || n < free[best]!.byteLength)) best = i;
  }
  if (best >= 0) {
    const [b] = free.splice(best, 1);
    pooled -= b!.byteLength;
    return new Uint8Array(b!, 0, length);
  }
  const b = new ArrayBuffer(length);
  ours.add(b);
  return new Uint8Array(b);
}

/** `bytes` (from takeBytes) will not be used again by anyone: their memory may be reused. */
export function giveBack(bytes: Uint8Array): void {
  const b = bytes.buffer;
  if (!(b instanceof ArrayBuffer) || !ours.has(b) || free.includes(b)) return;
  if (pooled + b.byteLength > MAX_POOLED_BYTES) return;
  free.push(b);
  pooled += b.byteLength;
}
