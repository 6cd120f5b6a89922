// Pass a token around the ring of ranks: rank 0 starts it at 0, every rank adds its rank + 1 and
// passes it on to the next, and rank 0 prints the sum once the token is back: 1 + 2 + … + size.
//   drover mpiexec -n 4 node ring.mjs        (qsub ring.pbs inside a job)
// Prints, on rank 0 only:   ring: 4 ranks, token sum 10 (expected 10)
import { finalize, init } from 'drover/mpi';

const world = await init();
const { rank, size } = world;
const next = (rank + 1) % size;
const previous = (rank + size - 1) % size;
const TAG = 1;

const token = new Float64Array(1);
if (rank === 0) {
  token[0] = rank + 1;
  // isend, not send: with one rank, rank 0 is its own next and must post its receive too; the
  // token comes back into another buffer, as a buffer being sent must not change until sent
  const sent = world.isend(token, next, TAG);
  const back = new Float64Array(1);
  await world.recv(previous, TAG, back);
  await sent.wait();
  const expected = (size * (size + 1)) / 2;
  console.log(`ring: ${size} rank${size === 1 ? '' : 's'}, token sum ${back[0]} (expected ${expected})`);
} else {
  await world.recv(previous, TAG, token);
  token[0] += rank + 1;
  await world.send(token, next, TAG);
}
await finalize();
