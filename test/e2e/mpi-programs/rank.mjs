// A rank of drover mpiexec's end-to-end tests on the real library (`drover/mpi`, resolved by the
// hook the launcher puts in NODE_OPTIONS: the tests run a copy of this file outside the repository).
// `node rank.mjs MODE [ARGS]`, every rank:
//   info         prints `rank R/S=ENV_SIZE node=… address=… local=L dir=700 keyInParentArgv=false`,
//                and rank 0 `nodes N0,N1,…` (every rank's processor name, sent to it)
//   split        splits COMM_WORLD by rank parity (each half on both nodes) and by node, and prints
//                what allreduce, bcast, allgather and a ring on each part gave
//   loop FILE    one allreduce, then appends `RANK PID` to FILE and allreduces until a call fails;
//                prints `rank R: NAME: MESSAGE` and exits 1
//   abort R CODE rank R aborts the run with CODE ('on purpose'), the others wait in a receive
//   fail-after   finalizes; then rank 1 exits with status 5
//   spawn        rank 0 spawns 2 ranks of `rank.mjs child` and prints what they answer
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import * as mpi from 'drover/mpi';

const { MAX, SUM } = mpi;
const [mode = 'info', arg1 = '', arg2 = ''] = process.argv.slice(2);
const env = process.env;
const w = await mpi.init();
const say = (text) => console.log(`rank ${w.rank}: ${text}`);

async function info() {
  const dir = (statSync(env.DROVER_MPI_DIR).mode & 0o777).toString(8);
  const parentArgv = readFileSync(`/proc/${process.ppid}/cmdline`, 'utf8');
  console.log(
    `rank ${w.rank}/${w.size}=${env.DROVER_MPI_SIZE} node=${mpi.processorName()} address=${env.DROVER_MPI_ADDRESS} local=${env.DROVER_MPI_LOCAL_RANK} dir=${dir} keyInParentArgv=${parentArgv.includes(env.DROVER_MPI_KEY)}`,
  );
  if (w.rank !== 0) return w.send(mpi.processorName(), 0, 1);
  const nodes = [mpi.processorName()];
  for (let r = 1; r < w.size; r++) nodes.push((await w.recv(r, 1)).data);
  console.log(`nodes ${nodes.join(',')}`);
}

/** allreduce, bcast, allgather of the processor names and a ring on `c`, as one line. */
async function exercise(name, c) {
  const sum = (await c.allreduce(new Float64Array([w.rank + 1]), SUM))[0];
  const max = (await c.allreduce(new Int32Array([w.rank]), MAX))[0];
  const root = await c.bcast(c.rank === 0 ? `from world rank ${w.rank}` : undefined, 0);
  const nodes = await c.allgather(mpi.processorName());
  const next = (c.rank + 1) % c.size;
  const prev = (c.rank + c.size - 1) % c.size;
  const [, got] = await Promise.all([c.send(w.rank, next, 5), c.recv(prev, 5)]);
  say(
    `${name} ${c.rank}/${c.size} sum ${sum} max ${max} bcast '${root}' nodes ${nodes.join(',')} left ${got.data}`,
  );
}

async function split() {
  const parity = await w.split(w.rank % 2, w.rank);
  await exercise(`parity ${w.rank % 2}`, parity);
  const names = await w.allgather(mpi.processorName());
  const node = names.indexOf(mpi.processorName());
  // key: the reverse of the world rank, so each node's part counts down
  const byNode = await w.split(node, -w.rank);
  await exercise(`node ${node}`, byNode);
  parity.free();
  byNode.free();
}

async function loop() {
  const one = new Float64Array([1]);
  let n = 0;
  try {
    await w.allreduce(one, SUM);
    appendFileSync(arg1, `${w.rank} ${process.pid}\n`);
    for (;;) {
      const total = await w.allreduce(one, SUM);
      if (total[0] !== w.size) throw new Error(`allreduce gave ${total[0]}`);
      n++;
    }
  } catch (e) {
    say(`${e.name} after ${n} allreduces: ${e.message}`);
    // stay until the launcher ends the run: a rank leaving now would be news to the others,
    // racing the loss this run is about
    await new Promise((resolve) => setTimeout(resolve, 60_000));
    process.exit(1);
  }
}

async function spawn() {
  if (w.rank !== 0) return;
  const kids = await w.spawn(2, process.execPath, [process.argv[1], 'child']);
  for (let r = 0; r < kids.remoteSize; r++) await kids.send(r * 10, r, 1);
  const answers = [await kids.recv(0, 2), await kids.recv(1, 2)].map((m) => m.data);
  say(`spawned ${kids.remoteSize}, answers ${answers.join(',')}`);
}

async function child() {
  const p = await mpi.parent();
  const m = await p.recv(0, 1);
  say(`child on ${mpi.processorName()} got ${m.data}`);
  await p.send(m.data + w.rank + 1, 0, 2);
}

const modes = {
  info,
  split,
  loop,
  spawn,
  child,
  async abort() {
    if (w.rank === Number(arg1)) await mpi.abort(Number(arg2), 'on purpose');
    await w.recv(Number(arg1), 1); // never satisfied: the abort ends this rank
  },
  async 'fail-after'() {},
};
await modes[mode]();
await mpi.finalize();
if (mode === 'fail-after' && w.rank === 1) process.exitCode = 5;
