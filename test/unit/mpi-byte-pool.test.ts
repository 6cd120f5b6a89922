// The memory kept for early large payloads (mpi/byte-pool.ts): only memory it handed out and got
// back is reused, once, and never for a much smaller payload; small payloads are never pooled.
import { describe, expect, it } from 'vitest';
import { giveBack, takeBytes } from '../../mpi/byte-pool.js';

describe('mpi byte pool', () => {
  it('reuses memory given back, once', () => {
    const a = takeBytes(1 << 20);
    expect(a.byteLength).toBe(1 << 20);
    giveBack(a);
    giveBack(a); // a second give-back must not let two payloads share it
    const b = takeBytes(900_000);
    expect(b.buffer).toBe(a.buffer);
    expect(b.byteLength).toBe(900_000);
    expect(takeBytes(900_000).buffer).not.toBe(a.buffer);
  });

  it('keeps no memory it did not hand out, nor small or much larger blocks for small payloads', () => {
    const foreign = new Uint8Array(1 << 20);
    giveBack(foreign);
    expect(takeBytes(1 << 20).buffer).not.toBe(foreign.buffer);
    const big = takeBytes(4 << 20);
    giveBack(big);
    expect(takeBytes(100_000).buffer).not.toBe(big.buffer);
    const small = takeBytes(100);
    giveBack(small);
    expect(takeBytes(100).buffer).not.toBe(small.buffer);
  });
});
