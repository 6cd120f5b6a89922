// The real library (drover/mpi) under drover mpiexec in 4-rank jobs over two real sshd nodes
// (127.0.0.62-63, 2 CPUs each, ranks 0-1 on the first, 2-3 on the second): the examples of
// examples/mpi/ submitted with their own job scripts, communicators split across and along the
// nodes, spawn onto the other node, a rank SIGKILLed in a loop of allreduces, and qdel or the
// walltime ending ranks in such a loop. The programs run from copies outside the repository, as a
// user's would.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../helpers/cluster.js';
import { ROOT, type TestHead, waitUntil } from '../helpers/head.js';
import {
  alive,
  copyPrograms,
  jobFile,
  mpiProcesses,
  readPids,
  runJob,
  startMpiCluster,
  submitJob,
} from '../helpers/mpi-cluster.js';

const [A, B] = ['127.0.0.62', '127.0.0.63'];
let cluster: Cluster;
let head: TestHead;
let rank: string;

beforeAll(async () => {
  cluster = await startMpiCluster('mpix', [A, B]);
  head = cluster.head;
  rank = copyPrograms(join(head.work, 'programs'), 'rank.mjs')['rank.mjs']!;
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

describe('drover/mpi in jobs on two SSH nodes', () => {
  it('runs the examples with their job scripts and prints the right results', async () => {
    const dir = join(head.work, 'examples');
    mkdirSync(dir);
    const names = ['ring', 'pi', 'heat'];
    for (const n of names)
      for (const ext of ['mjs', 'pbs'])
        copyFileSync(join(ROOT, 'examples/mpi', `${n}.${ext}`), join(dir, `${n}.${ext}`));
    const ids: string[] = [];
    for (const n of names) {
      const r = await head.run('qsub', [`${n}.pbs`], { cwd: dir });
      expect(r.stderr).toBe('');
      ids.push(r.stdout.trim());
    }
    const out = await Promise.all(
      names.map(async (n, i) => {
        await head.waitState(ids[i]!, 'F', 90_000);
        return readFileSync(join(dir, `mpi-${n}.o${ids[i]!.split('.')[0]}`), 'utf8');
      }),
    );
    expect(out[0]).toBe('ring: 4 ranks, token sum 10 (expected 10)\n');
    expect(out[1]).toBe('pi: 3.142401 from 4000000 samples on 4 ranks (error 0.000808)\n');
    expect(out[2]).toBe(
      [
        'heat: 32x32 plate on 4 ranks',
        'heat: converged after 1486 iterations (largest change below 0.0001)',
        'heat: checksum 102345.103230682',
        'heat: the sequential reference agrees',
        '',
      ].join('\n'),
    );
  }, 120_000);

  it('splits COMM_WORLD across and along the nodes, and spawns onto the other node', async () => {
    const { out, err } = await runJob(head, 'split', [
      `drover mpiexec -n 4 node ${rank} split; echo "rc=$?"`,
      `drover mpiexec -n 2 --ppn 1 node ${rank} spawn; echo "rc=$?"`,
    ]);
    expect(err).toBe('');
    const both = `nodes ${A},${B}`;
    expect(lines(out).sort()).toEqual(
      [
        `rank 0: parity 0 0/2 sum 4 max 2 bcast 'from world rank 0' ${both} left 2`,
        `rank 2: parity 0 1/2 sum 4 max 2 bcast 'from world rank 0' ${both} left 0`,
        `rank 1: parity 1 0/2 sum 6 max 3 bcast 'from world rank 1' ${both} left 3`,
        `rank 3: parity 1 1/2 sum 6 max 3 bcast 'from world rank 1' ${both} left 1`,
        `rank 0: node 0 1/2 sum 3 max 1 bcast 'from world rank 1' nodes ${A},${A} left 1`,
        `rank 1: node 0 0/2 sum 3 max 1 bcast 'from world rank 1' nodes ${A},${A} left 0`,
        `rank 2: node 2 1/2 sum 7 max 3 bcast 'from world rank 3' nodes ${B},${B} left 3`,
        `rank 3: node 2 0/2 sum 7 max 3 bcast 'from world rank 3' nodes ${B},${B} left 2`,
        'rank 0: spawned 2, answers 1,12',
        // the spawned ranks go on the job's next slots: the second node's
        `rank 0: child on ${B} got 0`,
        `rank 1: child on ${B} got 10`,
        'rc=0',
        'rc=0',
      ].sort(),
    );
  });

  it('a rank SIGKILLed in a loop of allreduces ends the job within seconds, naming it; nothing is left', async () => {
    const pids = join(head.work, 'killed-pids');
    const id = await submitJob(head, 'killed', [
      `drover mpiexec -n 4 node ${rank} loop ${pids}; echo "rc=$? end=$(date +%s%3N)"`,
    ]);
    const ranks = await waitUntil(() => readPids(pids, 4), 30_000, 'four ranks in the loop');
    const killedAt = Date.now();
    process.kill(ranks[3]!, 'SIGKILL');
    await head.waitState(id, 'F', 30_000);
    const out = jobFile(head, 'killed', id, 'o');
    const [, rc, end] = /^rc=(\d+) end=(\d+)$/m.exec(out)!;
    expect(rc).toBe('137');
    expect(Number(end) - killedAt).toBeLessThan(5000);
    expect(jobFile(head, 'killed', id, 'e')).toBe(
      `drover mpiexec: rank 3 on ${B} exited with status 137 (SIGKILL) before finalize\n`,
    );
    for (const r of [0, 1, 2])
      expect(out).toMatch(
        new RegExp(`^rank ${r}: PeerLostError after \\d+ allreduces: rank 3 was lost: `, 'm'),
      );
    expect(ranks.filter(alive)).toEqual([]);
    expect(mpiProcesses([A, B])).toEqual([]);
  });

  it('qdel of ranks in a loop of allreduces leaves no rank and no proxy on either node', async () => {
    const pids = join(head.work, 'qdel-pids');
    const id = await submitJob(head, 'qdel', [`drover mpiexec -n 4 node ${rank} loop ${pids}`]);
    const ranks = await waitUntil(() => readPids(pids, 4), 30_000, 'four ranks in the loop');
    expect(mpiProcesses([B], 'drover', 'mpi-proxy')).toHaveLength(1);
    expect((await head.run('qdel', [id])).code).toBe(0);
    await head.waitState(id, 'F', 30_000);
    await waitUntil(() => ranks.every((p) => !alive(p)) || undefined, 10_000, 'the ranks to end');
    await waitUntil(() => mpiProcesses([A, B]).length === 0 || undefined, 10_000, 'the proxy to end');
  });

  it('the walltime ends ranks in a loop of allreduces on both nodes', async () => {
    const pids = join(head.work, 'walltime-pids');
    const id = await submitJob(head, 'walltime', [
      '#PBS -l walltime=00:00:06',
      `drover mpiexec -n 4 node ${rank} loop ${pids}`,
    ]);
    const ranks = await waitUntil(() => readPids(pids, 4), 30_000, 'four ranks in the loop');
    const job = await head.waitState(id, 'F', 30_000);
    expect(job).toMatchObject({
      Exit_status: -29,
      comment: expect.stringMatching(/exceeded resource walltime$/),
    });
    await waitUntil(() => ranks.every((p) => !alive(p)) || undefined, 10_000, 'the ranks to end');
    await waitUntil(() => mpiProcesses([A, B]).length === 0 || undefined, 10_000, 'the proxy to end');
  });
});
