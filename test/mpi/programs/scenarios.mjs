// Rank programs for the library's multi-process tests (test/mpi/ranks.test.ts):
// `drover mpiexec -n N node scenarios.mjs NAME` runs one scenario on every rank and prints `ok …`
// lines (or the failure) for the test to read. With DROVER_TEST_NODES=K in its environment, rank r
// takes itself for a rank of node r mod K (a suffix to DROVER_MPI_NODE), so that ranks of one
// machine talk over TCP as ranks of different nodes do.
import * as mpi from 'drover/mpi';

const nodes = Number(process.env.DROVER_TEST_NODES ?? 0);
if (nodes > 0) process.env.DROVER_MPI_NODE += `-${Number(process.env.DROVER_MPI_RANK) % nodes}`;

const { ANY_SOURCE, ANY_TAG, PeerLostError, TruncationError } = mpi;

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

const SKIP_FINALIZE = Symbol('skip finalize');

const scenarios = {
  async pingpong(w) {
    const peer = 1 - w.rank;
    for (let i = 0; i < 200; i++) {
      if (w.rank === 0) {
        await w.send(new Float64Array([i, i + 0.5]), peer, 7);
        const m = await w.recv(peer, 8);
        check(m.data instanceof Float64Array && m.data[0] === i + 1, `reply ${i}`);
      } else {
        const m = await w.recv(peer, 7);
        check(m.status.source === 0 && m.status.tag === 7 && m.status.count === 2, 'status');
        await w.send(new Float64Array([m.data[0] + 1]), peer, 8);
      }
    }
    // structured values, a big message spanning many socket reads, probe then receive
    const big = new Float64Array(3 * 1024 * 1024 + 1).map((_, i) => i);
    if (w.rank === 0) {
      await w.send({ hello: 'world', list: [1, 2, 3] }, peer, 1);
      await w.send(big, peer, 2);
    } else {
      const s = await w.probe(ANY_SOURCE, ANY_TAG);
      check(s.source === 0 && s.tag === 1 && s.count === 1, `probe ${JSON.stringify(s)}`);
      check(w.iprobe(0, 1)?.tag === 1, 'iprobe sees the same message');
      const v = await w.recv(s.source, s.tag);
      check(v.data.hello === 'world' && v.data.list[2] === 3, 'structured');
      const b = await w.recv(0, 2);
      check(b.data.length === big.length && b.data[big.length - 1] === big.length - 1, 'big');
      check(
        b.data.every((x, i) => x === i),
        'big contents',
      );
    }
    console.log(`ok pingpong ${w.rank}`);
  },

  async order(w) {
    const last = w.size - 1;
    const n = 500;
    if (w.rank !== last) {
      const sends = [];
      for (let i = 0; i < n; i++) sends.push(w.isend(new Int32Array([w.rank, i]), last, i % 3));
      await mpi.waitAll(sends);
    } else {
      const next = new Array(w.size).fill(0);
      for (let k = 0; k < n * last; k++) {
        const { data, status } = await w.recv(ANY_SOURCE, ANY_TAG);
        check(data[0] === status.source && data[1] === next[status.source], `in order from ${status.source}`);
        check(status.tag === data[1] % 3, 'tag');
        next[status.source]++;
      }
      console.log(`ok sources ${next.slice(0, last).join(',')}`);
    }
    // posted receives are satisfied in posting order
    if (w.rank === 0) {
      const reqs = [w.irecv(1, 5), w.irecv(ANY_SOURCE, 5), w.irecv(1, ANY_TAG)];
      check(
        reqs.every((r) => r.test() === undefined),
        'nothing yet',
      );
      await w.send('go', 1, 9);
      const got = await mpi.waitAll(reqs);
      check(got.map((m) => m.data).join() === 'a,b,c', `posting order ${got.map((m) => m.data)}`);
      const two = [w.irecv(1, 6), w.irecv(1, 7)];
      const pending = mpi.waitAny(two);
      await w.send('go', 1, 9);
      const any = await pending;
      check(any.index === 1 && any.result.data === 'seven', `waitAny ${any.index}`);
      check((await two[0].wait()).data === 'six', 'the other one');
      console.log('ok posting order');
    } else if (w.rank === 1) {
      await w.recv(0, 9);
      for (const x of ['a', 'b', 'c']) await w.send(x, 0, 5);
      await w.recv(0, 9);
      await w.send('seven', 0, 7);
      await w.send('six', 0, 6);
    }
  },

  async truncation(w) {
    if (w.rank === 1) {
      await w.send(new Float64Array([1, 2]), 0, 3);
      await w.send(new Float64Array([4]), 0, 3);
      return;
    }
    try {
      await w.recv(1, 3, new Float64Array(1));
      check(false, 'no truncation error');
    } catch (e) {
      check(e instanceof TruncationError, e.message);
      check(e.status.count === 2 && e.status.bytes === 16 && e.status.source === 1, 'status');
      console.log(`ok truncated ${e.message}`);
    }
    const m = await w.recv(1, 3, new Float64Array(4));
    check(m.data.length === 1 && m.data[0] === 4, 'next message');
  },

  async split(w) {
    const sub = await w.split(w.rank % 2, -w.rank);
    // key -rank reverses the order inside each color
    const expect = [...Array(w.size).keys()].filter((r) => r % 2 === w.rank % 2).reverse();
    check(JSON.stringify(sub.group) === JSON.stringify(expect), `group ${sub.group}`);
    check(sub.rank === expect.indexOf(w.rank) && sub.size === expect.length, 'rank');
    // the same tag on world and on sub never matches across communicators
    const right = (sub.rank + 1) % sub.size;
    const left = (sub.rank + sub.size - 1) % sub.size;
    await w.send(`world from ${w.rank}`, sub.group[right], 4);
    await sub.send(`sub from ${sub.rank}`, right, 4);
    const a = await sub.recv(ANY_SOURCE, 4);
    const b = await w.recv(ANY_SOURCE, 4);
    check(a.data === `sub from ${left}` && a.status.source === left, `sub got ${a.data}`);
    check(b.data === `world from ${sub.group[left]}`, `world got ${b.data}`);
    const d = await sub.dup();
    check(d.size === sub.size && d.rank === sub.rank, 'dup');
    const evens = await w.create([0, 2]);
    check((evens !== undefined) === (w.rank === 0 || w.rank === 2), 'create');
    if (evens) {
      await evens.send(w.rank, 1 - evens.rank);
      check((await evens.recv()).data === 2 - w.rank, 'create traffic');
      evens.free();
    }
    d.free();
    console.log(`ok split ${w.rank} -> ${sub.rank}/${sub.size}`);
  },

  async killed(w) {
    // rank 0 waits for the victim, rank 1 for anyone, rank 2 in a collective rank 0 never joins
    const victim = w.size - 1;
    if (w.rank === victim) {
      console.log(`posted ${w.rank} ${process.pid}`);
      // killed by the test; the timer holds the loop (a bare pending await would let Node end the
      // process with 13, "unsettled top-level await", before the kill)
      setInterval(() => {}, 60_000);
      await new Promise(() => {});
    }
    const started = Date.now();
    const pending = [w.recv(victim, 1), w.recv(ANY_SOURCE, ANY_TAG), w.dup()][w.rank];
    console.log(`posted ${w.rank} ${process.pid}`);
    try {
      await pending;
      check(false, 'the call completed');
    } catch (e) {
      check(e instanceof PeerLostError && e.rank === victim, e.message);
      console.log(`ok lost ${e.message} after ${Date.now() - started} ms`);
    }
    await w.send('x', victim).then(
      () => check(false, 'send to a lost rank'),
      (e) => check(e instanceof PeerLostError, e.message),
    );
    for (const collective of [() => w.barrier(), () => w.split(0)]) {
      await collective().then(
        () => check(false, 'collective with a lost rank'),
        (e) => check(e instanceof PeerLostError, e.message),
      );
    }
    console.log('ok later calls fail');
    process.exit(0);
  },

  /** rank 1 ends without finalize: its process exits (nothing of the library holds it) */
  async forgets(w) {
    await w.barrier();
    if (w.rank === 1) return SKIP_FINALIZE;
    try {
      await w.recv(1, 5);
      console.log('failed: a message from a rank that ended');
    } catch (e) {
      console.log(e instanceof PeerLostError ? `ok lost ${e.rank}` : `failed ${e.stack}`);
    }
    // stay until the launcher ends the run, so that rank 1 is the only rank that ended by itself
    await new Promise((resolve) => setTimeout(resolve, 60_000));
    return SKIP_FINALIZE;
  },
  async abort(w) {
    if (w.rank === 1) await mpi.abort(3, 'rank 1 gives up');
    await w.recv(1, 1); // never satisfied: the abort ends this rank
  },

  async groups(w) {
    await mpi.joinGroup('g');
    (await w.dup()).free(); // every rank has joined
    check((await mpi.groupMembers('g')).length === w.size, 'members');
    if (w.rank === 0) await mpi.multicast('g', { hi: 'all' }, 3);
    else check((await w.recv(0, 3)).data.hi === 'all', 'multicast');
    (await w.dup()).free();
    const left = await mpi.leaveGroup('g');
    check(!left.some((m) => m.rank === w.rank), 'left');
    console.log(`ok groups ${w.rank}`);
  },

  async spawn(w) {
    if (w.rank !== 0) return;
    const kids = await w.spawn(2, 'node', [new URL(import.meta.url).pathname, 'child']);
    check(kids.remoteSize === 2, 'remote size');
    for (let r = 0; r < 2; r++) await kids.send(new Int32Array([r * 10]), r, 1);
    const replies = [await kids.recv(ANY_SOURCE, 2), await kids.recv(ANY_SOURCE, 2)];
    const sum = replies.reduce((s, m) => s + m.data, 0);
    check(sum === 1 + 12, `replies ${replies.map((m) => m.data)}`);
    console.log('ok spawned');
  },

  async child(w) {
    const p = await mpi.parent();
    const m = await p.recv(0, 1);
    await p.send(m.data[0] + w.rank + 1, 0, 2);
    console.log(`ok child ${w.rank}`);
  },
};

const name = process.argv[2];
try {
  const world = await mpi.init();
  if ((await scenarios[name](world)) !== SKIP_FINALIZE) await mpi.finalize();
} catch (e) {
  console.log(`failed ${e.stack}`);
  process.exit(1);
}
