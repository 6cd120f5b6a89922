// The 2-D heat equation on an N×N plate by Jacobi iteration: the top edge is held at 100, the other
// edges at 0, and every inner point becomes the mean of its four neighbours until no point changes
// by more than TOLERANCE. The rows are split over the ranks in blocks; before each step a rank
// swaps its first and last rows with its neighbours (the halo exchange, isend + irecv), and an
// allreduce with MAX of the largest change tells every rank at once whether to stop.
//   drover mpiexec -n 4 node heat.mjs [N] [--check]     (default N = 32)
//   drover mpiexec -n 1 node heat.mjs [N] --reference   (the sequential computation alone)
// Every point gets the same arithmetic however the rows are split, so the iterations and the
// checksum (rank 0 gathers the rows and sums the plate in one order) do not depend on the number
// of ranks; --check also runs the sequential reference on rank 0 and compares. Rank 0 prints:
//   heat: 32x32 plate on 4 ranks
//   heat: converged after 1486 iterations (largest change below 0.0001)
//   heat: checksum 102345.103230682
//   heat: the sequential reference agrees          (with --check)
import { abort, finalize, init, MAX, waitAll } from 'drover/mpi';

const TOLERANCE = 1e-4;
const MAX_ITERATIONS = 20_000;
const HOT = 100;
const args = process.argv.slice(2);
const N = Number(args.find((a) => !a.startsWith('--')) ?? 32);
if (!Number.isInteger(N) || N < 3) {
  console.error(`heat: N must be an integer ≥ 3, not ${args[0]}`);
  process.exit(2);
}

/** The new value of point (i, j) of `u` (rows of N): one expression, used by both computations. */
const stencil = (u, at) => 0.25 * (u[at - N] + u[at + N] + u[at - 1] + u[at + 1]);

/**
 * One Jacobi step over `rows` rows of `u` (with a halo row above and below: row 0 and rows + 1),
 * writing into `next`; `first` is the global index of u's row 1. The plate's edges stay as they
 * are. Returns the largest change.
 */
function step(u, next, rows, first) {
  let change = 0;
  for (let r = 1; r <= rows; r++) {
    const g = first + r - 1;
    if (g === 0 || g === N - 1) continue;
    for (let j = 1; j < N - 1; j++) {
      const at = r * N + j;
      next[at] = stencil(u, at);
      change = Math.max(change, Math.abs(next[at] - u[at]));
    }
  }
  return change;
}

/** `rows` rows starting at global row `first`, with halos, and their edges set. */
function plate(rows, first) {
  const u = new Float64Array((rows + 2) * N);
  if (first === 0) u.fill(HOT, N, 2 * N);
  return [u, u.slice()];
}

/** A weighted sum of the whole plate (rows of N, no halos), in one fixed order. */
function checksum(whole) {
  let sum = 0;
  for (let k = 0; k < whole.length; k++) sum += whole[k] * (1 + (k % 7));
  return sum;
}

/** The sequential reference: the whole plate in one process. */
function sequential() {
  let [u, next] = plate(N, 0);
  let iterations = 0;
  for (let change = Infinity; change >= TOLERANCE && iterations < MAX_ITERATIONS; iterations++) {
    change = step(u, next, N, 0);
    [u, next] = [next, u];
  }
  return { iterations, sum: checksum(u.subarray(N, (N + 1) * N)) };
}

function report(size, iterations, sum) {
  console.log(`heat: ${N}x${N} plate on ${size} rank${size === 1 ? '' : 's'}`);
  console.log(`heat: converged after ${iterations} iterations (largest change below ${TOLERANCE})`);
  console.log(`heat: checksum ${sum.toFixed(9)}`);
}

const world = await init();
const { rank, size } = world;
if (args.includes('--reference')) {
  if (rank === 0) {
    const { iterations, sum } = sequential();
    report(1, iterations, sum);
  }
  await finalize();
  process.exit(0);
}
if (size > N) abort(2, `heat: ${size} ranks for ${N} rows: at most one rank per row`);

/** Rank r's rows are [firstRow(r), firstRow(r + 1)): blocks, the first N % size one row longer. */
const firstRow = (r) => r * Math.floor(N / size) + Math.min(r, N % size);
const first = firstRow(rank);
const rows = firstRow(rank + 1) - first;
const up = rank - 1;
const down = rank + 1 < size ? rank + 1 : -1;
const HALO = 1;

/** Swap boundary rows with the neighbours: my first row up, my last row down, halos filled. */
async function exchange(u) {
  const requests = [];
  if (up >= 0) {
    requests.push(world.irecv(up, HALO, u.subarray(0, N)));
    requests.push(world.isend(u.subarray(N, 2 * N), up, HALO));
  }
  if (down >= 0) {
    requests.push(world.irecv(down, HALO, u.subarray((rows + 1) * N, (rows + 2) * N)));
    requests.push(world.isend(u.subarray(rows * N, (rows + 1) * N), down, HALO));
  }
  await waitAll(requests);
}

let [u, next] = plate(rows, first);
let iterations = 0;
const change = new Float64Array(1);
for (let global = Infinity; global >= TOLERANCE && iterations < MAX_ITERATIONS; iterations++) {
  await exchange(u);
  change[0] = step(u, next, rows, first);
  global = (await world.allreduce(change, MAX))[0];
  [u, next] = [next, u];
}

// rank 0 gathers the rows in rank order and sums the plate as the sequential reference does
const RESULT = 2;
const mine = u.subarray(N, (rows + 1) * N);
if (rank === 0) {
  const whole = new Float64Array(N * N);
  whole.set(mine, 0);
  for (let r = 1; r < size; r++) await world.recv(r, RESULT, whole.subarray(firstRow(r) * N, firstRow(r + 1) * N));
  const sum = checksum(whole);
  report(size, iterations, sum);
  if (args.includes('--check')) {
    const ref = sequential();
    if (ref.iterations !== iterations || ref.sum !== sum)
      abort(1, `heat: the sequential reference differs: ${ref.iterations} iterations, checksum ${ref.sum}`);
    console.log('heat: the sequential reference agrees');
  }
} else await world.send(mine, 0, RESULT);
await finalize();
