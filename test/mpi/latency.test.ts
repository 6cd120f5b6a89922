// Prints (does not assert) drover/mpi's 8-byte ping-pong latency next to a raw Node socket
// ping-pong between two processes, over Unix sockets and TCP. Run by hand:
//   npm run build && DROVER_MPI_LATENCY=1 npx vitest run test/mpi/latency.test.ts
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, it } from 'vitest';
import { WireupServer } from '../helpers/wireup-server.js';

const PROGRAMS = join(import.meta.dirname, 'programs');
const ITERATIONS = '10000';
const servers: WireupServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function mpi(nodes: (rank: number) => string): Promise<number> {
  const server = await WireupServer.start();
  servers.push(server);
  const ranks = server.launch(2, [join(PROGRAMS, 'latency.mjs'), ITERATIONS], { node: nodes });
  await server.allExited();
  return Number(/mpi ([\d.]+)/.exec(ranks[0]!.stdout)?.[1]);
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
      ['unix', () => 'node0'],
      ['tcp', (r: number) => `node${r}`],
    ] as const) {
      const floor = await raw(mode);
      const ours = await mpi(nodes);
      console.log(
        `${mode}: raw ${floor.toFixed(2)} µs, drover/mpi ${ours.toFixed(2)} µs, +${((ours / floor - 1) * 100).toFixed(0)} %`,
      );
    }
  },
);
