// Open MPI's column of bench/mpi.ts: bench/mpi/pingpong.c built with Debian's mpicc into the
// bench's temporary directory, run by mpirun with shared memory (btl self,vader) or TCP (btl
// tcp,self on lo) on one node, and across two "nodes" 127.0.0.70 and 127.0.0.71: a hostfile of the
// two and an rsh agent that starts each node's orted on this machine instead of over SSH, so every
// rank's peers on the other node are reachable only by TCP.
import { chmodSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../test/helpers/head.js';
import { type Figures, failure, parseFigures, runPeer, type Sizes, which } from './mpi-run.js';

export type OmpiPlacement = 'shm' | 'tcp' | 'two-nodes';
export const NODES = ['127.0.0.70', '127.0.0.71'];

export interface OpenMpi {
  binary: string;
  mpirun: string;
  hostfile: string;
  agent: string;
}

/** Build the program; a string says why Open MPI's column cannot run. */
export async function prepareOpenMpi(work: string): Promise<OpenMpi | string> {
  const mpicc = which('mpicc');
  const mpirun = which('mpirun');
  if (!mpicc || !mpirun)
    return 'Open MPI is missing (mpicc, mpirun): apt-get install -y openmpi-bin libopenmpi-dev';
  const binary = join(work, 'pingpong');
  const built = await runPeer(mpicc, ['-O2', '-o', binary, join(ROOT, 'bench/mpi/pingpong.c')], 60_000);
  if (built.code !== 0) return failure('mpicc', built);
  const hostfile = join(work, 'hostfile');
  writeFileSync(hostfile, NODES.map((n) => `${n} slots=2\n`).join(''));
  const agent = join(work, 'local-rsh');
  writeFileSync(
    agent,
    [
      '#!/bin/sh',
      "# stands in for ssh: runs the node's command here (the nodes are loopback addresses)",
      'while [ $# -gt 0 ]; do case "$1" in -*) shift;; *) break;; esac; done',
      'shift',
      'exec /bin/sh -c "$*"',
      '',
    ].join('\n'),
  );
  chmodSync(agent, 0o755);
  return { binary, mpirun, hostfile, agent };
}

function mpirunArgs(o: OpenMpi, placement: OmpiPlacement, ranks: number): string[] {
  // unbound, as the Node processes are; more ranks than cores must be allowed (--oversubscribe),
  // and then they yield while they poll (mpirun sets that itself when it sees the oversubscription;
  // across the two "nodes" it sees 2 slots each, so it is set here)
  const over = ranks > cpus().length;
  const args = ['-n', String(ranks), '--bind-to', 'none', ...(over ? ['--oversubscribe'] : [])];
  if (process.getuid?.() === 0) args.push('--allow-run-as-root');
  if (placement === 'shm') return [...args, '--mca', 'btl', 'self,vader'];
  const tcp = ['--mca', 'btl', 'tcp,self', '--mca', 'btl_tcp_if_include', 'lo'];
  if (placement === 'tcp') return [...args, ...tcp];
  return [
    ...args,
    ...tcp,
    ...['--hostfile', o.hostfile, '--map-by', 'node', '--mca', 'plm_rsh_agent', o.agent],
    ...['--mca', 'oob_tcp_if_include', 'lo', '--mca', 'mpi_yield_when_idle', over ? '1' : '0'],
  ];
}

/** One mpirun; the figures, or why not. */
export async function runOpenMpi(
  o: OpenMpi,
  placement: OmpiPlacement,
  ranks: number,
  sizes: Sizes,
): Promise<Figures | string> {
  const program = [o.binary, String(sizes.iterations), String(sizes.messages), String(sizes.repeats)];
  if (ranks !== 2) program.push('allreduce');
  const r = await runPeer(o.mpirun, [...mpirunArgs(o, placement, ranks), ...program], 90_000);
  if (r.code !== 0) return failure(`mpirun (${placement}, ${ranks} ranks)`, r);
  return parseFigures(r.out);
}
