// What drover mpiexec's end-to-end tests in jobs share (test/e2e/mpi-launch.test.ts,
// test/e2e/mpi-examples.test.ts): a cluster of two real sshd nodes with 2 CPUs each, jobs of
// `select=2:ncpus=2:mpiprocs=2`, copies of the test rank programs outside the repository (so that
// `drover/mpi` resolves through the launcher's hook), and looking for processes left behind.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Cluster, startCluster } from './cluster.js';
import { ROOT, type TestHead } from './head.js';

/** Start a cluster of nodes `<name>1`, `<name>2` on `addresses` (2 CPUs each). */
export function startMpiCluster(name: string, addresses: string[]): Promise<Cluster> {
  return startCluster({
    name,
    head: { killDelay: 1 },
    nodes: addresses.map((address, i) => ({ name: `${name}${i + 1}`, address, args: ['--ncpus', '2'] })),
  });
}

/** Copies of test/e2e/mpi-programs/`names` in `dir` (made if missing); their paths, by name. */
export function copyPrograms(dir: string, ...names: string[]): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  return Object.fromEntries(
    names.map((n) => {
      copyFileSync(join(ROOT, 'test/e2e/mpi-programs', n), join(dir, n));
      return [n, join(dir, n)];
    }),
  );
}

/** The PIDs of the processes whose command line holds all of `words`. */
export function processesWith(...words: string[]): number[] {
  return processes((cmd) => words.every((w) => cmd.includes(w)));
}

/**
 * The PIDs of the ranks and node proxies of runs on `nodes` (their environment names one of them
 * in DROVER_MPI_NODE), whatever the test file that started them; with `words` in their command line.
 */
export function mpiProcesses(nodes: string[], ...words: string[]): number[] {
  const vars = nodes.map((n) => `DROVER_MPI_NODE=${n}\0`);
  return processes(
    (cmd, environ) => words.every((w) => cmd.includes(w)) && vars.some((v) => environ().includes(v)),
  );
}

function processes(match: (cmd: string, environ: () => string) => boolean): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((p) => {
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
        const environ = () => `${readFileSync(`/proc/${p}/environ`, 'utf8')}\0`;
        return match(cmd, environ) ? [Number(p)] : [];
      } catch {
        return [];
      }
    });
}

export const alive = (pid: number): boolean => {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
};

/** The `n` PIDs the ranks wrote to `path` (a line each: `PID` or `RANK PID`) by rank or line, once all are there. */
export function readPids(path: string, n: number): number[] | undefined {
  let lines: string[];
  try {
    lines = readFileSync(path, 'utf8').trim().split('\n');
  } catch {
    return undefined;
  }
  if (lines.length !== n) return undefined;
  const pids: number[] = [];
  lines.forEach((l, i) => {
    const [a, b] = l.split(' ');
    if (b === undefined) pids[i] = Number(a);
    else pids[Number(a)] = Number(b);
  });
  return pids;
}

/** A job's output (`o`) or error (`e`) file named `name` in `dir` (the head's work directory). */
export const jobFile = (
  head: TestHead,
  name: string,
  id: string,
  stream: 'o' | 'e',
  dir = head.work,
): string => readFileSync(join(dir, `${name}.${stream}${id.split('.')[0]}`), 'utf8');

/** Write `name`.sh (a 4-slot job of `lines`) in the head's work directory and submit it. */
export function submitJob(head: TestHead, name: string, lines: string[]): Promise<string> {
  writeFileSync(
    join(head.work, `${name}.sh`),
    [`#PBS -N ${name}`, '#PBS -l select=2:ncpus=2:mpiprocs=2', ...lines, ''].join('\n'),
  );
  return head.submit([`${name}.sh`]);
}

/** Submit a job of `lines`, wait for its end, return its output and error. */
export async function runJob(
  head: TestHead,
  name: string,
  lines: string[],
): Promise<{ out: string; err: string }> {
  const id = await submitJob(head, name, lines);
  await head.waitState(id, 'F', 60_000);
  return { out: jobFile(head, name, id, 'o'), err: jobFile(head, name, id, 'e') };
}
