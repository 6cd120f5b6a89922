// Prints (does not assert) drover/mpi's 8-byte ping-pong latency next to a raw Node socket
// ping-pong between two processes, over Unix sockets and TCP. Run by hand:
//   npm run build && DROVER_MPI_LATENCY=1 npx vitest run test/mpi/latency.test.ts
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, it } from 'vitest';
import { MpiexecRuns } from '../helpers/mpiexec-runs.js';

const PROGRAMS = join(import.meta.dirname, 'programs');
const ITERATIONS = '10000';
const work = mkdtempSync(join(tmpdir(), 'drover-mpi-latency-'));
const runs = new MpiexecRuns(work);
afterAll(async () => {
  await runs.stop();
  rmSync(work, { recursive: true, force: true });
});

/** drover/mpi's one-way latency between 2 ranks under drover mpiexec (`nodes`: DROVER_TEST_NODES). */
async function mpi(nodes: string): Promise<number> {
  const program = join(work, 'latency.mjs');
  copyFileSync(join(PROGRAMS, 'latency.mjs'), program);
  const r = await runs.start(['-n', '2', 'node', program, ITERATIONS], { DROVER_TEST_NODES: nodes }).done;
  return Number(/mpi ([\d.]+)/.exec(r.out)?.[1]);
}

async function raw(mode: 'unix' | 'tcp'): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, [
    join(PROGRAMS, 'raw-pingpong.mjs'),
    mode,
    ITERATIONS,
  ]);
  return Number(/raw-\w+ ([\d.]+)/.exec(stdout)?.[1]);
}

it.runIf(process.env.DROVER_MPI_LATENCY)(
  'prints the 8-byte one-way latency against raw Node sockets',
  async () => {
    for (const [mode, nodes] of [
      ['unix', '1'],
      ['tcp', '2'],
    ] as const) {
      const floor = await raw(mode);
      const ours = await mpi(nodes);
      console.log(
        `${mode}: raw ${floor.toFixed(2)} µs, drover/mpi ${ours.toFixed(2)} µs, +${((ours / floor - 1) * 100).toFixed(0)} %`,
      );
    }
  },
);
