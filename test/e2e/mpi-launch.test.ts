// drover mpiexec inside jobs on two real sshd nodes (127.0.0.60-61, 2 CPUs each): ranks on the
// job's slots in PBS_NODEFILE order (the other node's through its agent and a drover mpi-proxy),
// their environment and tagged output, a killed rank ending the run with a clear message, an
// abort's code, qdel leaving no rank behind, and refused options.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import { ROOT, type TestHead, waitUntil } from '../helpers/head.js';

const ADDRESSES = ['127.0.0.60', '127.0.0.61'];
const PROG = join(ROOT, 'test/e2e/mpi-programs/prog.mjs');
let cluster: Cluster;
let head: TestHead;

/** The PIDs of the processes whose command line holds all of `words`. */
function processesWith(...words: string[]): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((p) => {
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
        return words.every((w) => cmd.includes(w)) ? [Number(p)] : [];
      } catch {
        return [];
      }
    });
}

const alive = (pid: number) => {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
};

/** The `n` PIDs the ranks wrote to `path`, once all are there. */
function readPids(path: string, n: number): number[] | undefined {
  try {
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    return lines.length === n ? lines.map(Number) : undefined;
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  cluster = await startCluster({
    name: 'mpi',
    head: { killDelay: 1 },
    nodes: ADDRESSES.map((address, i) => ({ name: `mpi${i + 1}`, address, args: ['--ncpus', '2'] })),
  });
  head = cluster.head;
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

const file = (name: string, id: string, stream: 'o' | 'e') =>
  readFileSync(join(head.work, `${name}.${stream}${id.split('.')[0]}`), 'utf8');

async function runJob(name: string, lines: string[]): Promise<{ out: string; err: string }> {
  writeFileSync(
    join(head.work, `${name}.sh`),
    [`#PBS -N ${name}`, '#PBS -l select=2:ncpus=2:mpiprocs=2', ...lines, ''].join('\n'),
  );
  const id = await head.submit([`${name}.sh`]);
  await head.waitState(id, 'F', 60_000);
  return { out: file(name, id, 'o'), err: file(name, id, 'e') };
}

/** `rank R/S=S node=… address=… local=L dir=700 keyInParentArgv=false` lines after `prefix` (a
 * regular expression), by rank. */
function ranks(out: string, prefix = ''): Map<number, Record<string, string>> {
  const found = new Map<number, Record<string, string>>();
  const re = new RegExp(`^${prefix}rank (\\d+)/(\\S+) (.*)$`);
  for (const l of out.split('\n')) {
    const m = re.exec(l);
    if (m)
      found.set(Number(m[1]), {
        size: m[2]!,
        ...Object.fromEntries(m[3]!.split(' ').map((kv) => kv.split('='))),
      });
  }
  return found;
}

describe('drover mpiexec inside a job on two SSH nodes', () => {
  it("places 4 ranks on the job's slots in PBS_NODEFILE order, with their environment and tagged output", async () => {
    const { out, err } = await runJob('place', [
      'echo "nodefile=$(tr \'\\n\' , < $PBS_NODEFILE)"',
      `drover mpiexec -n 4 --tag-output node ${PROG} ok; echo "rc=$?"`,
      `drover mpiexec -n 2 --ppn 1 node ${PROG} ok; echo "rc=$?"`,
    ]);
    expect(err).toBe('');
    const nodefile = /^nodefile=(.*),$/m.exec(out)![1]!.split(',');
    expect([...new Set(nodefile)].sort()).toEqual(ADDRESSES);
    const tagged = [0, 1, 2, 3].map((r) => {
      const [line] = out.split('\n').filter((l) => l.startsWith(`[1,${r}]<stdout>:rank ${r}/`));
      return line;
    });
    expect(tagged.every((l) => l !== undefined)).toBe(true);
    const four = ranks(out, '\\[1,\\d\\]<stdout>:');
    for (const [r, v] of four) {
      expect(v).toMatchObject({ size: '4=4', node: nodefile[r], address: nodefile[r], local: String(r % 2) });
      expect(v).toMatchObject({ dir: '700', keyInParentArgv: 'false' });
    }
    expect(four.size).toBe(4);
    expect(out).toMatch(
      /^\[1,0\]<stdout>:store node-0=\S+ \S+,node-1=\S+ \S+,node-2=\S+ \S+,node-3=\S+ \S+$/m,
    );
    const two = ranks(
      out
        .split('\n')
        .filter((l) => !l.startsWith('['))
        .join('\n'),
    );
    expect([two.get(0)?.node, two.get(1)?.node]).toEqual([nodefile[0], nodefile[2]]);
    expect(out.match(/^rc=\d+$/gm)).toEqual(['rc=0', 'rc=0']);
  });

  it('a rank killed on the other node ends the run within seconds with a message; no process is left', async () => {
    const { out, err } = await runJob('die', [
      's=$(date +%s%N)',
      `drover mpiexec -n 4 node ${PROG} die 3; echo "rc=$? ms=$(( ($(date +%s%N) - s) / 1000000 ))"`,
      `drover mpiexec -n 4 node ${PROG} abort 1 7; echo "rc=$?"`,
    ]);
    expect(err).toMatch(
      /^drover mpiexec: rank 3 on 127\.0\.0\.6[01] exited with status 137 \(SIGKILL\) before finalize$/m,
    );
    expect(err).toMatch(
      /^drover mpiexec: rank 1 on 127\.0\.0\.6[01] aborted the run with code 7: on purpose$/m,
    );
    const [, rc, ms] = /^rc=(\d+) ms=(\d+)$/m.exec(out)!;
    expect(rc).toBe('137');
    expect(Number(ms)).toBeLessThan(10_000);
    for (const r of [0, 1, 2]) expect(out).toContain(`rank ${r}: peer-lost rank 3: exited with status 137`);
    expect(out).toMatch(/^rc=7$/m);
    expect(processesWith(PROG)).toEqual([]);
    expect(processesWith('drover', 'mpi-proxy')).toEqual([]);
  });

  it('qdel of a running MPI job leaves no rank and no proxy on either node', async () => {
    const pids = join(head.work, 'rank-pids');
    writeFileSync(
      join(head.work, 'hang.sh'),
      `#PBS -N hang\n#PBS -l select=2:ncpus=2:mpiprocs=2\ndrover mpiexec -n 4 node ${PROG} hang ${pids}\n`,
    );
    const id = await head.submit(['hang.sh']);
    const started = await waitUntil(() => readPids(pids, 4), 30_000, 'four ranks to start');
    expect(processesWith('drover', 'mpi-proxy')).toHaveLength(1);
    expect((await head.run('qdel', [id])).code).toBe(0);
    await head.waitState(id, 'F', 30_000);
    await waitUntil(() => started.every((p) => !alive(p)) || undefined, 10_000, 'the ranks to end');
    await waitUntil(
      () => processesWith('drover', 'mpi-proxy').length === 0 || undefined,
      10_000,
      'the proxy to end',
    );
  });

  it('a node proxy killed: its ranks are reported lost, the run ends, and no rank is left', async () => {
    const pids = join(head.work, 'lost-pids');
    writeFileSync(
      join(head.work, 'lost.sh'),
      `#PBS -N lost\n#PBS -l select=2:ncpus=2:mpiprocs=2\ndrover mpiexec -n 4 node ${PROG} hang ${pids}; echo "rc=$?"\n`,
    );
    const id = await head.submit(['lost.sh']);
    const started = await waitUntil(() => readPids(pids, 4), 30_000, 'four ranks to start');
    const [proxy] = processesWith('drover', 'mpi-proxy');
    process.kill(proxy!, 'SIGKILL');
    await head.waitState(id, 'F', 30_000);
    const out = file('lost', id, 'o');
    expect(out).toContain('rank 0: peer-lost rank 2: lost: the connection to its node proxy dropped\n');
    expect(out.endsWith('rc=1\n')).toBe(true);
    expect(file('lost', id, 'e')).toMatch(
      /^drover mpiexec: rank 2 on 127\.0\.0\.6[01] lost: the connection to its node proxy dropped$/m,
    );
    await waitUntil(() => started.every((p) => !alive(p)) || undefined, 10_000, 'the ranks to end');
  });

  it('refuses more ranks than slots (unless --oversubscribe) and bad options', async () => {
    const { out, err } = await runJob('refuse', [
      `drover mpiexec -n 5 node ${PROG} ok; echo "rc=$?"`,
      `drover mpiexec -n 6 --oversubscribe node ${PROG} ok > /dev/null; echo "rc=$?"`,
      `drover mpiexec -n 0 node ${PROG}; echo "rc=$?"`,
      `drover mpiexec -n 2 --ppn x node ${PROG}; echo "rc=$?"`,
    ]);
    expect(out).toBe('rc=1\nrc=0\nrc=2\nrc=2\n');
    expect(err).toContain(
      "drover mpiexec: 5 ranks do not fit the job's 4 slots (--oversubscribe to run them anyway)\n",
    );
    expect(err).toContain("drover mpiexec: -n wants a positive integer, got '0'\n");
    expect(err).toContain("drover mpiexec: --ppn wants a positive integer, got 'x'\n");
  });
});
