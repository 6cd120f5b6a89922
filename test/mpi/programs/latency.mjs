// Ping-pong between ranks 0 and 1 of drover/mpi (`latency.mjs ITERATIONS [BYTES]`, 8 bytes by
// default); rank 0 prints the one-way time in µs and the bandwidth. Run by test/mpi/latency.test.ts
// (by hand: DROVER_MPI_LATENCY=1) under drover mpiexec; DROVER_TEST_NODES=2 puts the two ranks on
// "different nodes" of this machine (they talk over TCP), as in test/mpi/programs/scenarios.mjs.
import { finalize, init } from 'drover/mpi';

const nodes = Number(process.env.DROVER_TEST_NODES ?? 0);
if (nodes > 0) process.env.DROVER_MPI_NODE += `-${Number(process.env.DROVER_MPI_RANK) % nodes}`;

const w = await init();
const iterations = Number(process.argv[2] ?? 20000);
const bytes = Number(process.argv[3] ?? 8);
const buf = new Uint8Array(bytes);
const into = new Uint8Array(bytes);
const peer = 1 - w.rank;
for (let round = 0; round < 2; round++) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    if (w.rank === 0) {
      await w.send(buf, peer, 1);
      await w.recv(peer, 1, into);
    } else {
      await w.recv(peer, 1, into);
      await w.send(buf, peer, 1);
    }
  }
  const us = Number(process.hrtime.bigint() - start) / 1000 / iterations / 2;
  if (w.rank === 0 && round === 1) console.log(`mpi ${us.toFixed(2)} µs ${(bytes / us).toFixed(0)} MB/s`);
}
await finalize();
