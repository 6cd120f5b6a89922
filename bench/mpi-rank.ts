// Drover's side of bench/mpi.ts: one rank of the same measurements as bench/mpi/pingpong.c, with
// the layer's public API (mpi/index.ts), started by `drover mpiexec -n N node mpi-rank.js …`.
//   mpi-rank.js one-node|two-nodes ITERATIONS MESSAGES REPEATS [allreduce]
// `two-nodes`: before init, each rank takes node 127.0.0.70 (even ranks) or 127.0.0.71 (odd) as
// its node name and TCP address, as the launcher gives ranks on two nodes inside a job: ranks 0
// and 1 then talk only over TCP between the two addresses. Rank 0 prints `latency_us 12.3`, … lines.

/** The part of the library's API this program uses (mpi/index.ts defines it). */
interface Status {
  source: number;
  tag: number;
  count: number;
}
interface Request {
  wait(): Promise<unknown>;
}
interface Comm {
  readonly rank: number;
  readonly size: number;
  send(data: ArrayBufferView, dest: number, tag?: number): Promise<void>;
  recv(source?: number, tag?: number, into?: ArrayBufferView): Promise<{ data: unknown; status: Status }>;
  isend(data: ArrayBufferView, dest: number, tag?: number): Request;
  irecv(source?: number, tag?: number, into?: ArrayBufferView): Request;
  barrier(): Promise<void>;
  allreduce(data: Float64Array, op: unknown, into?: Float64Array): Promise<Float64Array>;
}
interface Mpi {
  init(): Promise<Comm>;
  finalize(): Promise<void>;
  waitAll?(requests: Request[]): Promise<unknown[]>;
  SUM: unknown;
}

const SMALL = 8;

/**
 * Untimed ping-pongs before the timed ones: enough for V8 to have optimized the hot path (a tenth
 * of 5000 left both Node sides in their slower tiers, the library more so); as in bench/mpi-raw.ts.
 */
function warmUp(iterations: number): number {
  return Math.max(3000, Math.ceil(iterations / 10));
}
const LARGE = 1 << 20;
const WINDOW = 16;
const DOUBLES = 1 << 20;

const [placement, iterationsArg, messagesArg, repeatsArg, only] = process.argv.slice(2);
if (placement === 'two-nodes') {
  const rank = Number(process.env.DROVER_MPI_RANK);
  const node = ['127.0.0.70', '127.0.0.71'][rank % 2]!;
  process.env.DROVER_MPI_NODE = node;
  process.env.DROVER_MPI_ADDRESS = node;
  process.env.DROVER_MPI_LOCAL_RANK = String(Math.floor(rank / 2));
}
const iterations = Number(iterationsArg ?? 5000);
const messages = Number(messagesArg ?? 256);
const repeats = Number(repeatsArg ?? 10);

const mpi = (await import(new URL('../mpi/index.js', import.meta.url).href)) as Mpi;
const waitAll = mpi.waitAll ?? ((rs: Request[]) => Promise.all(rs.map((r) => r.wait())));
const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

async function latency(world: Comm): Promise<number> {
  const buf = new Uint8Array(SMALL).fill(1);
  let start = 0n;
  for (let i = -warmUp(iterations); i < iterations; i++) {
    if (i === 0) {
      await world.barrier();
      start = process.hrtime.bigint();
    }
    if (world.rank === 0) {
      await world.send(buf, 1, 1);
      await world.recv(1, 1, buf);
    } else if (world.rank === 1) {
      await world.recv(0, 1, buf);
      await world.send(buf, 0, 1);
    }
  }
  return (seconds(start) / iterations / 2) * 1e6;
}

async function bandwidth(world: Comm): Promise<number> {
  const buf = new Uint8Array(LARGE).fill(2);
  const into = Array.from({ length: WINDOW }, () => new Uint8Array(LARGE));
  const ack = new Uint8Array(1);
  const rounds = Math.max(1, Math.floor(messages / WINDOW));
  let start = 0n;
  for (let round = -1; round < rounds; round++) {
    if (round === 0) {
      await world.barrier();
      start = process.hrtime.bigint();
    }
    if (world.rank === 0) {
      await waitAll(into.map(() => world.isend(buf, 1, 2)));
      await world.recv(1, 3, ack);
    } else if (world.rank === 1) {
      await waitAll(into.map((b) => world.irecv(0, 2, b)));
      await world.send(ack, 0, 3);
    }
  }
  return (rounds * WINDOW * LARGE) / seconds(start) / 1e6;
}

/**
 * Into one result array reused (as bench/mpi/pingpong.c reuses its receive buffer), and with a
 * new result array per call (`fresh`): the figure then includes allocating it.
 */
async function allreduce(world: Comm, fresh: boolean): Promise<{ ms: number; check: number }> {
  const data = new Float64Array(DOUBLES);
  for (let i = 0; i < DOUBLES; i++) data[i] = world.rank + i * 1e-6;
  const into = fresh ? undefined : new Float64Array(DOUBLES);
  let out = await world.allreduce(data, mpi.SUM, into); // warm-up
  await world.barrier();
  const start = process.hrtime.bigint();
  for (let r = 0; r < repeats; r++) out = await world.allreduce(data, mpi.SUM, into);
  return { ms: (seconds(start) / repeats) * 1e3, check: out[DOUBLES - 1]! };
}

const world = await mpi.init();
const all = only !== 'allreduce';
const lat = all ? await latency(world) : 0;
const bw = all ? await bandwidth(world) : 0;
const ar = await allreduce(world, false);
const arNew = await allreduce(world, true);
if (world.rank === 0) {
  const lines = [`ranks ${world.size}`];
  if (all) lines.push(`latency_us ${lat.toFixed(3)}`, `bandwidth_MBps ${bw.toFixed(1)}`);
  lines.push(`allreduce_ms ${ar.ms.toFixed(3)}`, `allreduce_check ${ar.check.toFixed(6)}`);
  lines.push(`allreduce_new_ms ${arNew.ms.toFixed(3)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
await mpi.finalize();
