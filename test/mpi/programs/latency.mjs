// Ping-pong between ranks 0 and 1 of drover/mpi (`latency.mjs ITERATIONS [BYTES]`, 8 bytes by
// default); rank 0 prints the one-way time in µs and the bandwidth. Run by test/mpi/latency.test.ts
// (by hand: DROVER_MPI_LATENCY=1).
import { finalize, init } from '../../../dist/mpi/index.js';

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
