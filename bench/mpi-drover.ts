// Drover's column of bench/mpi.ts: bench/mpi-rank.ts run by `drover mpiexec -n N node …` outside
// a job (all ranks on this machine). On one node the ranks talk over the layer's same-node path;
// for two nodes each rank declares itself on 127.0.0.70 or 127.0.0.71 (bench/mpi-rank.ts says how).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../test/helpers/head.js';
import { type Figures, failure, parseFigures, runPeer, type Sizes } from './mpi-run.js';

export type DroverPlacement = 'one-node' | 'two-nodes';
const LIBRARY = join(ROOT, 'dist/mpi/index.js');
const CLI = join(ROOT, 'dist/cli/drover.js');
const RANK = join(ROOT, 'dist/bench/mpi-rank.js');

/** Undefined when the layer and its launcher are here; otherwise why Drover's column is skipped. */
export async function droverMissing(): Promise<string | undefined> {
  if (!existsSync(LIBRARY)) return `this tree has no MPI library yet (${LIBRARY}, from mpi/index.ts)`;
  // its usage names it (with or without a zero exit); a tree without it prints the general help
  const help = await runPeer(process.execPath, [CLI, 'mpiexec', '--help'], 30_000);
  if (!/drover mpiexec/.test(help.out + help.err)) return 'this tree has no `drover mpiexec` yet (cli/mpi/)';
  return undefined;
}

/** One `drover mpiexec` run; the figures, or why not. */
export async function runDrover(
  placement: DroverPlacement,
  ranks: number,
  sizes: Sizes,
): Promise<Figures | string> {
  const program = [RANK, placement, String(sizes.iterations), String(sizes.messages), String(sizes.repeats)];
  if (ranks !== 2) program.push('allreduce');
  const args = [CLI, 'mpiexec', '-n', String(ranks), process.execPath, ...program];
  const r = await runPeer(process.execPath, args, 90_000);
  if (r.code !== 0) return failure(`drover mpiexec (${placement}, ${ranks} ranks)`, r);
  return parseFigures(r.out);
}
