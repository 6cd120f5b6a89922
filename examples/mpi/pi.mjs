// Monte Carlo π: throw points into the unit square and count those inside the quarter circle.
// The samples come in BLOCKS fixed blocks, each with its own seeded generator; rank r takes blocks
// r, r + size, r + 2·size, …, so the count — and the printed estimate — is the same for any number
// of ranks (and the same on every run). `reduce` with SUM adds the counts up on rank 0.
//   drover mpiexec -n 4 node pi.mjs [SAMPLES]      (default 4000000)
// Prints, on rank 0 only:   pi: 3.142401 from 4000000 samples on 4 ranks (error 0.000808)
import { finalize, init, SUM } from 'drover/mpi';

const BLOCKS = 64;
const samples = Number(process.argv[2] ?? 4_000_000);
if (!Number.isInteger(samples) || samples < BLOCKS) {
  console.error(`pi: SAMPLES must be an integer ≥ ${BLOCKS}, not ${process.argv[2]}`);
  process.exit(2);
}

/** mulberry32: a small, fast generator of 32-bit values in [0, 1), the same everywhere. */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Points of block `b` inside the quarter circle. */
function hits(b) {
  const n = Math.floor(samples / BLOCKS) + (b < samples % BLOCKS ? 1 : 0);
  const random = generator(0x9e3779b9 ^ (b + 1));
  let inside = 0;
  for (let i = 0; i < n; i++) {
    const x = random();
    const y = random();
    if (x * x + y * y < 1) inside++;
  }
  return inside;
}

const world = await init();
const mine = new Float64Array(1); // counts up to 2^53 add exactly in a double
for (let b = world.rank; b < BLOCKS; b += world.size) mine[0] += hits(b);
const total = await world.reduce(mine, SUM, 0); // the sum on rank 0, undefined elsewhere
if (world.rank === 0) {
  const pi = (4 * total[0]) / samples;
  const error = Math.abs(pi - Math.PI);
  console.log(`pi: ${pi.toFixed(6)} from ${samples} samples on ${world.size} rank${world.size === 1 ? '' : 's'} (error ${error.toFixed(6)})`);
}
await finalize();
