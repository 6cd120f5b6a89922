// A rank of test/mpi/coll-wire.test.ts: long-vector reductions (Rabenseifner's algorithm)
// over the real sockets, checked against the sequential result; prints `ok …` or the failure.
// With DROVER_TEST_NODES=K, rank r takes itself for a rank of node r mod K (over TCP), as in
// test/mpi/programs/scenarios.mjs.
import * as mpi from 'drover/mpi';

const nodes = Number(process.env.DROVER_TEST_NODES ?? 0);
if (nodes > 0) process.env.DROVER_MPI_NODE += `-${Number(process.env.DROVER_MPI_RANK) % nodes}`;

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

/** rank r's vector: values whose sum depends on the order of addition */
function vector(Ctor, n, r) {
  return Ctor.from({ length: n }, (_, i) =>
    Ctor === Float64Array ? (i % 7) * 0.1 + r / 3 : (i * 31 + r * 17) % 251,
  );
}

function checksum(a) {
  const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let h = 0;
  for (let i = 0; i < b.length; i++) h = (Math.imul(h, 31) + b[i]) | 0;
  return h;
}

const w = await mpi.init();
try {
  for (const [Ctor, op, n] of [
    [Float64Array, mpi.SUM, 300_001],
    [Int32Array, mpi.MAX, 65_537],
    [Uint8Array, mpi.MIN, 100_003],
  ]) {
    const data = vector(Ctor, n, w.rank);
    const before = checksum(data);
    for (let round = 0; round < 2; round++) {
      const out = await w.allreduce(data, op);
      check(out !== data && out.buffer !== data.buffer, 'a fresh result');
      check(out.constructor === Ctor && out.length === n, `${Ctor.name}(${n}) back`);
      check(checksum(data) === before, 'the input left alone');
      const all = Array.from({ length: w.size }, (_, r) => vector(Ctor, n, r));
      for (const i of [0, 1, n >> 1, n - 2, n - 1]) {
        const values = all.map((v) => v[i]);
        const want = op === mpi.SUM ? null : op === mpi.MAX ? Math.max(...values) : Math.min(...values);
        if (want !== null) check(out[i] === want, `${Ctor.name}[${i}] = ${want}, not ${out[i]}`);
        else check(Math.abs(out[i] - values.reduce((a, b) => a + b)) < 1e-9, `sum at ${i}`);
      }
      const given = new Ctor(n);
      check((await w.allreduce(data, op, given)) === given, 'the result in the array given');
      check(checksum(given) === checksum(out), 'into: the same result');
      const inPlace = data.slice();
      check((await w.allreduce(inPlace, op, inPlace)) === inPlace, 'in place: the data array back');
      check(checksum(inPlace) === checksum(out), 'in place: the same result');
      const wrong = await w.allreduce(data, op, new Ctor(n - 1)).catch((e) => e);
      check(wrong instanceof RangeError && /into must be/.test(wrong.message), 'a wrong into refused');
      const sums = await w.allgather(new Int32Array([checksum(out)]));
      check(
        sums.every((s) => s[0] === sums[0][0]),
        'the same bits on every rank',
      );
      const root = w.size - 1;
      const red = await w.reduce(data, op, root);
      // (the root's segments may be summed in another order than allreduce's: not bit for bit)
      if (w.rank === root)
        check(
          red.every((v, i) => Math.abs(v - out[i]) < 1e-9),
          'reduce = allreduce',
        );
      else check(red === undefined, 'nothing off the root');
    }
  }
  process.stdout.write(`ok ${w.rank}\n`);
} catch (e) {
  process.stdout.write(`failed on rank ${w.rank}: ${e.stack}\n`);
}
await mpi.finalize();
