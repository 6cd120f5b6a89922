// drover mpiexec inside jobs on two real sshd nodes (127.0.0.60-61, 2 CPUs each): ranks on the
// job's slots in PBS_NODEFILE order (the other node's through its agent and a drover mpi-proxy),
// their environment and tagged output, an abort from the other node ending the job with its code,
// a killed node proxy, and refused options. The ranks run the real library (drover/mpi) from a copy
// outside the repository. The examples, split communicators, a SIGKILLed rank and qdel:
// test/e2e/mpi-examples.test.ts.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../helpers/cluster.js';
import { type TestHead, waitUntil } from '../helpers/head.js';
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

const ADDRESSES = ['127.0.0.60', '127.0.0.61'];
let cluster: Cluster;
let head: TestHead;
let PROG: string;

beforeAll(async () => {
  cluster = await startMpiCluster('mpi', ADDRESSES);
  head = cluster.head;
  PROG = copyPrograms(join(head.work, 'programs'), 'rank.mjs')['rank.mjs']!;
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

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
    const { out, err } = await runJob(head, 'place', [
      'echo "nodefile=$(tr \'\\n\' , < $PBS_NODEFILE)"',
      `drover mpiexec -n 4 --tag-output node ${PROG} info; echo "rc=$?"`,
      `drover mpiexec -n 2 --ppn 1 node ${PROG} info; echo "rc=$?"`,
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
    expect(out).toContain(`[1,0]<stdout>:nodes ${nodefile.join(',')}\n`);
    const two = ranks(
      out
        .split('\n')
        .filter((l) => !l.startsWith('['))
        .join('\n'),
    );
    expect([two.get(0)?.node, two.get(1)?.node]).toEqual([nodefile[0], nodefile[2]]);
    expect(out.match(/^rc=\d+$/gm)).toEqual(['rc=0', 'rc=0']);
  });

  it('an abort on the other node ends the job with its code and message', async () => {
    const { out, err } = await runJob(head, 'abort', [
      `drover mpiexec -n 4 node ${PROG} abort 3 7; echo "rc=$?"`,
    ]);
    expect(err).toMatch(/^drover mpiexec: rank 3 on 127\.0\.0\.61 aborted the run with code 7: on purpose$/m);
    expect(out).toBe('rc=7\n');
    expect(mpiProcesses(ADDRESSES)).toEqual([]);
  });

  it('a node proxy killed: its ranks are reported lost, the run ends, and no rank is left', async () => {
    const pids = join(head.work, 'lost-pids');
    const id = await submitJob(head, 'lost', [`drover mpiexec -n 4 node ${PROG} loop ${pids}; echo "rc=$?"`]);
    const started = await waitUntil(() => readPids(pids, 4), 30_000, 'four ranks to start');
    const [proxy] = mpiProcesses(ADDRESSES, 'drover', 'mpi-proxy');
    process.kill(proxy!, 'SIGKILL');
    await head.waitState(id, 'F', 30_000);
    const out = jobFile(head, 'lost', id, 'o');
    for (const r of [0, 1])
      expect(out).toMatch(
        new RegExp(
          `^rank ${r}: PeerLostError after \\d+ allreduces: rank 2 was lost: lost: the connection to its node proxy dropped$`,
          'm',
        ),
      );
    expect(out.endsWith('rc=1\n')).toBe(true);
    expect(jobFile(head, 'lost', id, 'e')).toMatch(
      /^drover mpiexec: rank 2 on 127\.0\.0\.61 lost: the connection to its node proxy dropped$/m,
    );
    await waitUntil(() => started.every((p) => !alive(p)) || undefined, 10_000, 'the ranks to end');
  });

  it('refuses more ranks than slots (unless --oversubscribe) and bad options', async () => {
    const { out, err } = await runJob(head, 'refuse', [
      `drover mpiexec -n 5 node ${PROG} info; echo "rc=$?"`,
      `drover mpiexec -n 6 --oversubscribe node ${PROG} info > /dev/null; echo "rc=$?"`,
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
