// What the order of operations decides: a non-commutative user operation reduces in rank order,
// and allreduce gives every rank the same bits even where floating point addition is far from
// associative. Then the errors a bad call gets.
import { describe, expect, it } from 'vitest';
import type { Channel } from '../../mpi/channel.js';
import { THRESHOLDS } from '../../mpi/collectives/mpich-thresholds.js';
import { allgather, allreduce, bcast, exscan, reduce, scan, scatter } from '../../mpi/collectives.js';
import { BAND, MAX, MIN, MINLOC, op, PROD, SUM } from '../../mpi/reduce-ops.js';
import { bytes, MemoryWorld, sameBits } from '../helpers/memory-channel.js';

/** inoutvec = invec × inoutvec, for each 2x2 matrix (row-major, four elements) of the vectors. */
const matmul = op<Float64Array>((a, b) => {
  for (let m = 0; m < b.length; m += 4) {
    const [a0, a1, a2, a3] = [a[m]!, a[m + 1]!, a[m + 2]!, a[m + 3]!];
    const [b0, b1, b2, b3] = [b[m]!, b[m + 1]!, b[m + 2]!, b[m + 3]!];
    b[m] = a0 * b0 + a1 * b2;
    b[m + 1] = a0 * b1 + a1 * b3;
    b[m + 2] = a2 * b0 + a3 * b2;
    b[m + 3] = a2 * b1 + a3 * b3;
  }
}, false);

/** Shears, upper on even ranks and lower on odd ones: they do not commute, their products are exact. */
function matrices(rank: number, count: number): Float64Array {
  const out = new Float64Array(count * 4);
  for (let m = 0; m < count; m++) {
    const k = rank + (m % 3) + 1;
    out.set(rank % 2 ? [1, 0, k, 1] : [1, k, 0, 1], m * 4);
  }
  return out;
}

function product(parts: Float64Array[]): Float64Array {
  let acc = parts[0]!.slice();
  for (const next of parts.slice(1)) {
    const b = next.slice();
    matmul.apply(acc, b);
    acc = b;
  }
  return acc;
}

/** A seeded generator: the same data on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Values of wildly different magnitudes and signs (and some zeros of both signs). */
function wild(rank: number, n: number): Float64Array {
  const r = random(rank * 7919 + n);
  return Float64Array.from({ length: n }, (_, i) =>
    i % 17 === 0 ? (rank % 2 ? -0 : 0) : (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20),
  );
}

describe('a non-commutative user operation', () => {
  it('reduces in rank order in reduce, allreduce, scan and exscan, short and long', async () => {
    for (const p of [2, 3, 4, 5, 6, 7, 8, 16]) {
      for (const count of [1, 200]) {
        const data = Array.from({ length: p }, (_, r) => matrices(r, count));
        const want = product(data);
        expect(sameBits(want, product([...data].reverse())), 'the data make order matter').toBe(false);
        const world = new MemoryWorld(p);
        for (const got of await world.run((ch) => allreduce(ch, data[ch.rank]!, matmul)))
          expect(got).toEqual(want);
        for (const root of [0, p - 1, 1]) {
          const red = await world.run((ch) => reduce(ch, data[ch.rank]!, matmul, root));
          expect(red[root]).toEqual(want);
        }
        const sc = await world.run((ch) => scan(ch, data[ch.rank]!, matmul));
        for (const [r, got] of sc.entries()) expect(got).toEqual(product(data.slice(0, r + 1)));
        const ex = await world.run((ch) => exscan(ch, data[ch.rank]!, matmul));
        for (const [r, got] of ex.entries())
          expect(got).toEqual(r === 0 ? undefined : product(data.slice(0, r)));
        expect(world.undelivered()).toBe(0);
      }
    }
  });

  it('a commutative user operation on a long vector is reduced whole', async () => {
    const add = op<Float64Array>((a, b) => {
      expect(b.length).toBe(1000);
      for (let i = 0; i < b.length; i++) b[i] = a[i]! + b[i]!;
    });
    const world = new MemoryWorld(6);
    const got = await world.run((ch) => allreduce(ch, new Float64Array(1000).fill(ch.rank), add));
    for (const g of got) expect(g[999]).toBe(15);
  });
});

describe('allreduce on floating point', () => {
  it('gives every rank the same bits, with data whose sum depends on the order', async () => {
    for (const n of [5, 300, 5000]) {
      for (const p of [2, 3, 5, 6, 7, 8, 11, 16]) {
        const data = Array.from({ length: p }, (_, r) => wild(r, n));
        for (const o of [SUM, PROD, MIN, MAX]) {
          for (const opts of [{}, { rendezvous: true, misalign: true }]) {
            const got = await new MemoryWorld(p, opts).run((ch) => allreduce(ch, data[ch.rank]!, o));
            for (const g of got)
              expect(Buffer.from(bytes(g)).equals(bytes(got[0]!)), `${o.name} on ${p} ranks`).toBe(true);
          }
        }
        const f32 = await new MemoryWorld(p).run((ch) =>
          allreduce(ch, Float32Array.from(data[ch.rank]!), SUM),
        );
        for (const g of f32) expect(sameBits(g, f32[0])).toBe(true);
      }
    }
    // the order does matter for these data: a left-to-right sum differs from a right-to-left one
    const d = Array.from({ length: 7 }, (_, r) => wild(r, 300));
    const left = d.reduce((acc, v) => acc.map((x, i) => x + v[i]!));
    const right = [...d].reverse().reduce((acc, v) => acc.map((x, i) => x + v[i]!));
    expect(sameBits(left, right)).toBe(false);
  });
});

describe('bad calls get clear errors', () => {
  const world = new MemoryWorld(2);
  it('a bitwise operation on floating point', async () => {
    await expect(world.channels[0]!.send(1, 0, new Uint8Array(0)).then(() => null)).resolves.toBeNull();
    await world.channels[1]!.recv(0, 0);
    for (const ch of world.channels)
      await expect(allreduce(ch, new Float64Array(4), BAND)).rejects.toThrow(/BAND is a bitwise operation/);
  });

  it('different lengths on different ranks', async () => {
    const got = await Promise.allSettled(
      world.channels.map((ch) => allreduce(ch, new Int32Array(3 + ch.rank), SUM)),
    );
    for (const g of got)
      expect(g).toMatchObject({
        status: 'rejected',
        reason: { message: expect.stringMatching(/same kind and length/) },
      });
    const long = await Promise.allSettled(
      world.channels.map((ch) => allreduce(ch, new Float64Array(1000 + ch.rank * 2), SUM)),
    );
    for (const g of long) expect(g.status).toBe('rejected');
    const ag = await Promise.allSettled(
      world.channels.map((ch) => allgather(ch, new Uint8Array(4 + ch.rank))),
    );
    for (const g of ag)
      expect(g).toMatchObject({
        status: 'rejected',
        reason: { message: expect.stringMatching(/same length/) },
      });
  });

  it('bad roots, chunks, operations and data', async () => {
    const ch = new MemoryWorld(3).channels[0]!;
    await expect(bcast(ch, new Uint8Array(1), 3)).rejects.toThrow(
      /root 3 is not a rank of this communicator \(0..2\)/,
    );
    await expect(reduce(ch, new Int8Array(1), SUM, -1)).rejects.toThrow(/root -1/);
    await expect(bcast(ch, [1, 2] as never, 0)).rejects.toThrow(/bcast moves typed arrays/);
    await expect(scatter(ch, [new Uint8Array(1)], 0)).rejects.toThrow(/an array of 3 chunks/);
    await expect(scatter(ch, [new Uint8Array(1), new Uint8Array(2), new Uint8Array(1)], 0)).rejects.toThrow(
      /scatterv/,
    );
    await expect(scatter(ch, [new Uint8Array(1), new Int8Array(1), new Uint8Array(1)], 0)).rejects.toThrow(
      /one kind/,
    );
    await expect(allreduce(ch, new Float64Array(3), MINLOC)).rejects.toThrow(/even length/);
    await expect(allreduce(ch, new Float64Array(2), ((a: number) => a) as never)).rejects.toThrow(
      /built-in op or op\(fn\)/,
    );
  });
});

describe("MPICH's thresholds choose the algorithm", () => {
  /** Messages one call sends in all, over a fresh world. */
  async function messages(p: number, call: (ch: Channel) => Promise<unknown>): Promise<number> {
    const world = new MemoryWorld(p);
    await world.run(call);
    return world.messages;
  }
  const t = THRESHOLDS;

  it('allreduce and reduce: recursive doubling / binomial up to 2048 bytes, Rabenseifner above', async () => {
    const at = (n: number) => (ch: Channel) => allreduce(ch, new Float64Array(n / 8), SUM);
    expect(t.MPIR_CVAR_ALLREDUCE_SHORT_MSG_SIZE).toBe(2048);
    expect(await messages(4, at(2048))).toBe(4 * 2);
    expect(await messages(4, at(2056))).toBe(4 * 2 + 4 * 2);
    expect(await messages(5, at(2056))).toBe(1 + 4 * 2 + 4 * 2 + 1);
    const red = (n: number) => (ch: Channel) => reduce(ch, new Float64Array(n / 8), SUM, 1);
    expect(await messages(4, red(2048))).toBe(3);
    expect(await messages(4, red(2056))).toBe(4 * 2 + 3);
  });

  it('bcast: binomial below 12288 bytes or 8 ranks, then scatter + allgather', async () => {
    const at = (n: number) => (ch: Channel) => bcast(ch, ch.rank === 0 ? new Uint8Array(n) : undefined, 0);
    expect(await messages(7, at(1 << 20))).toBe(6);
    expect(await messages(8, at(12287))).toBe(7);
    // header, scatter, recursive doubling (nobody sends to the root)
    expect(await messages(8, at(12288))).toBe(7 + 7 + (8 * 3 - 3));
    // header, scatter, ring (nobody sends to the root)
    expect(await messages(8, at(t.MPIR_CVAR_BCAST_LONG_MSG_SIZE))).toBe(7 + 7 + 7 * 7);
    expect(await messages(9, at(12288))).toBe(8 + 8 + 8 * 8);
  });

  it('allgather: recursive doubling (2^k ranks), Bruck (short), ring (long)', async () => {
    const at = (total: number, p: number) => (ch: Channel) =>
      allgather(ch, new Uint8Array(Math.ceil(total / p)));
    expect(await messages(8, at(8000, 8))).toBe(8 * 3);
    expect(await messages(8, at(t.MPIR_CVAR_ALLGATHER_LONG_MSG_SIZE, 8))).toBe(8 * 7);
    expect(await messages(7, at(7000, 7))).toBe(7 * 3);
    expect(await messages(7, at(t.MPIR_CVAR_ALLGATHER_SHORT_MSG_SIZE, 7))).toBe(7 * 6);
  });
});
