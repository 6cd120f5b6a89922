// The collectives that move data (barrier, bcast, gather(v), scatter(v), allgather(v), alltoall)
// for 1 to 9 and 16 ranks and sizes on both sides of MPICH's thresholds, every typed array kind,
// against what each rank must end up with.
import { describe, expect, it } from 'vitest';
import { concat, type Data } from '../../mpi/collectives/typed-bytes.js';
import {
  allgather,
  allgatherv,
  alltoall,
  barrier,
  bcast,
  gather,
  gatherv,
  scatter,
  scatterv,
} from '../../mpi/collectives.js';
import {
  MemoryWorld,
  type MemoryWorldOptions,
  sameBits,
  TYPED_KINDS,
  type TypedKind,
  typed,
} from '../helpers/memory-channel.js';

const RANKS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 16];

const made = new Map<string, Data>();
/** Rank `r`'s block `b` of `n` elements: distinct everywhere, so a misplaced block shows. */
function block(k: TypedKind, r: number, b: number, n: number): Data {
  const key = `${k.name} ${r} ${b} ${n}`;
  let d = made.get(key);
  if (!d) {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = (r * 31 + b * 7 + i) % 100;
    d = typed(k, [...a]);
    made.set(key, d);
  }
  return d;
}

function expectBits(got: Data | undefined, want: Data | undefined, what: string): void {
  if (!sameBits(got, want)) expect(got, what).toEqual(want);
}

/** Elements per rank: short, across the allgather thresholds and (with bytes) bcast's. */
const SHORT = [0, 1, 5];
const LONG_BYTES = [13_000, 70_000];

describe('barrier', () => {
  it.each(RANKS)('lets no rank out before every rank is in (%i ranks)', async (p) => {
    const world = new MemoryWorld(p);
    let arrived = 0;
    await world.run(async (ch) => {
      for (let i = 0; i < ch.rank * 3; i++) await Promise.resolve();
      arrived++;
      await barrier(ch);
      expect(arrived).toBe(p);
    });
    expect(world.undelivered()).toBe(0);
  });
});

async function checkBcast(p: number, k: TypedKind, n: number, opts: MemoryWorldOptions = {}): Promise<void> {
  const world = new MemoryWorld(p, opts);
  for (const root of new Set([0, p - 1, p >> 1])) {
    const want = block(k, root, 0, n);
    const got = await world.run((ch) => bcast(ch, ch.rank === root ? want : undefined, root));
    for (const [r, g] of got.entries()) expectBits(g, want, `rank ${r} of ${p}, root ${root}`);
  }
  expect(world.undelivered()).toBe(0);
}

async function checkGathers(
  p: number,
  k: TypedKind,
  n: number,
  opts: MemoryWorldOptions = {},
): Promise<void> {
  const world = new MemoryWorld(p, opts);
  const mine = (r: number) => block(k, r, 0, n);
  const root = p >> 1;
  const g = await world.run((ch) => gather(ch, mine(ch.rank), root));
  for (const [r, parts] of g.entries()) expect(parts === undefined).toBe(r !== root);
  for (const [s, part] of g[root]!.entries()) expectBits(part, mine(s), `gather from ${s}`);
  const all = await world.run((ch) => allgather(ch, mine(ch.rank)));
  for (const parts of all)
    for (const [s, part] of parts.entries()) expectBits(part, mine(s), `allgather from ${s}`);
  const sc = await world.run((ch) =>
    scatter(
      ch,
      ch.rank === root ? Array.from({ length: p }, (_, s) => block(k, root, s, n)) : undefined,
      root,
    ),
  );
  for (const [r, part] of sc.entries()) expectBits(part, block(k, root, r, n), `scatter to ${r}`);
  const a2a = await world.run((ch) =>
    alltoall(
      ch,
      Array.from({ length: p }, (_, s) => block(k, ch.rank, s, n)),
    ),
  );
  for (const [r, parts] of a2a.entries())
    for (const [s, part] of parts.entries()) expectBits(part, block(k, s, r, n), `alltoall ${s}→${r}`);
  expect(world.undelivered()).toBe(0);
}

async function checkVaried(p: number, k: TypedKind, n: number): Promise<void> {
  const world = new MemoryWorld(p);
  const mine = (r: number) => block(k, r, 1, ((r * n) % 7) + r);
  const root = p - 1;
  const g = await world.run((ch) => gatherv(ch, mine(ch.rank), root));
  for (const [s, part] of g[root]!.entries()) expectBits(part, mine(s), `gatherv from ${s}`);
  const all = await world.run((ch) => allgatherv(ch, mine(ch.rank)));
  for (const parts of all)
    for (const [s, part] of parts.entries()) expectBits(part, mine(s), `allgatherv from ${s}`);
  const sc = await world.run((ch) =>
    scatterv(ch, ch.rank === root ? Array.from({ length: p }, (_, s) => mine(s)) : undefined, root),
  );
  for (const [r, part] of sc.entries()) expectBits(part, mine(r), `scatterv to ${r}`);
  const a2a = await world.run((ch) =>
    alltoall(
      ch,
      Array.from({ length: p }, (_, s) => block(k, ch.rank, s, s + ch.rank)),
    ),
  );
  for (const [r, parts] of a2a.entries())
    for (const [s, part] of parts.entries()) expectBits(part, block(k, s, r, r + s), `alltoallv ${s}→${r}`);
  expect(world.undelivered()).toBe(0);
}

describe('bcast, gather, scatter, allgather and alltoall', () => {
  it.each(TYPED_KINDS)('carry %o of short lengths for 1 to 9 and 16 ranks', async (k) => {
    for (const p of RANKS)
      for (const n of SHORT) {
        await checkBcast(p, k, n);
        await checkGathers(p, k, n);
        await checkVaried(p, k, n);
      }
  });

  it.each(LONG_BYTES)('carry long data (%i bytes per rank) past every size threshold', async (nbytes) => {
    for (const p of RANKS) {
      await checkBcast(p, Float64Array, nbytes / 8);
      await checkGathers(p, Int16Array, nbytes / 2);
    }
  });

  it('bcast above MPIR_CVAR_BCAST_LONG_MSG_SIZE takes the ring after the scatter, for powers of two too', async () => {
    for (const p of [8, 9, 16]) await checkBcast(p, Uint8Array, 600_001);
  });

  it('bcast hands DataViews and Buffers over as bytes', async () => {
    const world = new MemoryWorld(3);
    const got = await world.run((ch) => bcast(ch, ch.rank === 1 ? Buffer.from('hello') : undefined, 1));
    for (const g of got) expect(Buffer.from(g).toString()).toBe('hello');
    const dv = await world.run((ch) =>
      bcast(ch, ch.rank === 0 ? new DataView(new Uint8Array([1, 2, 3]).buffer) : undefined, 0),
    );
    for (const g of dv) expect(g).toBeInstanceOf(DataView);
    expect(dv[2]!.getUint8(2)).toBe(3);
  });
});

describe("the root's mark", () => {
  it('reaches every rank with bcast (short and long), scatter and scatterv', async () => {
    const world = new MemoryWorld(9);
    for (const n of [3, 20_000]) {
      const metas = world.channels.map((ch) => ({ mark: ch.rank === 2 ? 7 : 0 }));
      await world.run((ch) => bcast(ch, ch.rank === 2 ? new Uint8Array(n) : undefined, 2, metas[ch.rank]));
      expect(metas.map((m) => m.mark)).toEqual(Array(9).fill(7));
    }
    for (const fn of [scatter, scatterv]) {
      const metas = world.channels.map((ch) => ({ mark: ch.rank === 4 ? 200 : 0 }));
      const chunks = Array.from({ length: 9 }, () => new Uint8Array(2));
      await world.run((ch) => fn(ch, ch.rank === 4 ? chunks : undefined, 4, metas[ch.rank]));
      expect(metas.map((m) => m.mark)).toEqual(Array(9).fill(200));
    }
    const ch = world.channels[0]!;
    await expect(bcast(ch, new Uint8Array(1), 0, { mark: 256 })).rejects.toThrow(/a mark is 0..255, not 256/);
  });

  it('concat puts the parts of a gather one after the other, as MPI gives them', async () => {
    const got = await new MemoryWorld(3).run((ch) =>
      gatherv(ch, new Int16Array(ch.rank + 1).fill(ch.rank), 0),
    );
    expect(concat(got[0]!)).toEqual(new Int16Array([0, 1, 1, 2, 2, 2]));
  });
});

describe('on harsh transports', () => {
  it.each([
    { rendezvous: true },
    { misalign: true },
  ])('never rely on buffering or alignment (%o)', async (opts) => {
    for (const p of [3, 8, 9]) {
      await checkBcast(p, Float64Array, 2000, opts);
      await checkBcast(p, BigInt64Array, 3, opts);
      await checkGathers(p, Float64Array, 3, opts);
      await checkGathers(p, Float32Array, 20_000, opts);
    }
  });
});
