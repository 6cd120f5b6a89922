// Failure handling over SSH: heartbeats, node down with its reason, fencing (software
// and the admin's command), requeue of rerunnable jobs, -r n jobs ending with −20, stale copies
// killed when their node returns, agents that lose their jobs, and qrerun. Three real sshd on
// 127.0.0.16-18; the head uses a 3 s node timeout and 0.5 s heartbeats to keep this quick.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, slotNodes, startCluster } from '../helpers/cluster.js';
import { type TestHead, waitUntil } from '../helpers/head.js';
import type { TestSshd } from '../helpers/sshd.js';

let cluster: Cluster;
let base: string;
let sshds: TestSshd[];
let head: TestHead;
const agentPid = (i: number) => cluster.nodes[i]!.agentPid();
const lines = (file: string) =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
const nodeIndex = (execHost: unknown) => Number(/^f(\d)/.exec(String(execHost))![1]) - 1;

beforeAll(async () => {
  cluster = await startCluster({
    name: 'f',
    head: { killDelay: 1, extraArgs: ['--node-timeout', '3', '--heartbeat', '0.5'] },
    // f1's fence command fails (a power switch that does not answer); f2's records the call
    nodes: slotNodes('f', ['127.0.0.16', '127.0.0.17', '127.0.0.18'], (i, dir): string[] =>
      i === 0
        ? ['--fence-cmd', '/bin/false']
        : i === 1
          ? ['--fence-cmd', `/bin/sh -c 'echo $DROVER_NODE >> ${join(dir, 'fenced.log')}'`]
          : [],
    ),
  });
  ({ head, base } = cluster);
  sshds = cluster.nodes.map((n) => n.sshd);
});

afterAll(async () => {
  await cluster?.stop();
});

/** A job that logs where it starts and ends, and ends only once `gate` exists. */
function gatedScript(name: string, gate: string, log: string): string {
  return `#PBS -N ${name}\necho "start $(hostname) $PBS_JOBID" >> ${log}\nwhile [ ! -e ${gate} ]; do sleep 0.1; done\necho "end $PBS_NODEFILE" >> ${log}\necho done\n`;
}

async function nodeState(name: string): Promise<string> {
  const r = await head.run('pbsnodes', ['-l']);
  return r.stdout.split('\n').find((l) => l.startsWith(`${name} `)) ?? `${name} free`;
}

describe('failure handling', () => {
  it('a paused agent: node down after the timeout, the job fenced and rerun elsewhere, the stale copy killed on return', async () => {
    const gate = join(base, 'gate-pause');
    const log = join(base, 'pause.log');
    // f2 has a fence command that succeeds; put the job there
    const id = await head.submit(['-l', 'select=1:ncpus=1:slot=f2'], gatedScript('paused', gate, log));
    const first = await head.waitState(id, 'R');
    expect(nodeIndex(first.exec_host)).toBe(1);
    await waitUntil(() => (lines(log).length === 1 ? true : undefined), 10_000, 'the first attempt to start');
    const paused = Date.now();
    process.kill(agentPid(1), 'SIGSTOP');
    const down = await waitUntil(
      async () => {
        const s = await nodeState('f2');
        return /down/.test(s) ? s : undefined;
      },
      15_000,
      'f2 down',
    );
    expect(down).toMatch(/agent not answering: no heartbeat/);
    const detectedMs = Date.now() - paused;
    expect(detectedMs).toBeGreaterThanOrEqual(2500);
    // fenced by its command, then requeued: the job waits for a node with slot=s2 (f2 is down)
    await head.waitState(id, 'Q', 15_000);
    expect(readFileSync(join(base, 'fenced.log'), 'utf8')).toBe('f2\n');
    const trace = await head.run('tracejob', [id]);
    expect(trace.stdout).toMatch(
      /Node f2 fenced \(command\) for attempt 1: node f2 down \(agent not answering/,
    );
    expect(trace.stdout).toMatch(/Job requeued \(attempt 1\): node f2 down .*; fenced/);
    // let it run on f3, then bring f2 back: its stale copy dies before f2 says anything
    expect((await head.run('qalter', ['-l', 'select=1:ncpus=1:slot=f3', id])).code).toBe(0);
    const second = await head.waitState(id, 'R', 15_000);
    expect(nodeIndex(second.exec_host)).toBe(2);
    expect(second.run_count).toBe(2);
    process.kill(agentPid(1), 'SIGCONT');
    await waitUntil(
      async () => ((await nodeState('f2')).includes('free') ? true : undefined),
      20_000,
      'f2 back',
    );
    writeFileSync(gate, '');
    const done = await head.waitState(id, 'F', 20_000);
    expect(done).toMatchObject({ Exit_status: 0, run_count: 2 });
    expect(nodeIndex(done.exec_host)).toBe(2);
    // two starts, one end: the copy on f2 never got past the gate
    await waitUntil(() => (lines(log).length >= 3 ? true : undefined), 5_000, 'the end line');
    expect(lines(log).filter((l) => l.startsWith('end'))).toHaveLength(1);
    expect(lines(log).filter((l) => l.startsWith('start'))).toHaveLength(2);
    expect(readFileSync(join(head.work, `paused.o${id.split('.')[0]}`), 'utf8')).toBe('done\n');
  });

  it('a failing fence command keeps the job where it is; the node returns and the job finishes there once', async () => {
    const gate = join(base, 'gate-nofence');
    const log = join(base, 'nofence.log');
    const id = await head.submit(['-l', 'select=1:ncpus=1:slot=f1'], gatedScript('nofence', gate, log));
    await head.waitState(id, 'R');
    process.kill(agentPid(0), 'SIGSTOP');
    const down = await waitUntil(
      async () => {
        const s = await nodeState('f1');
        return /fence command failed/.test(s) ? s : undefined;
      },
      20_000,
      'the fence of f1 to fail',
    );
    expect(down).toMatch(/fence command failed \(exit 1\); its jobs wait/);
    expect((await head.json(id))?.job_state).toBe('R');
    process.kill(agentPid(0), 'SIGCONT');
    writeFileSync(gate, '');
    const done = await head.waitState(id, 'F', 20_000);
    expect(done).toMatchObject({ Exit_status: 0, run_count: 1 });
    expect(lines(log).filter((l) => l.startsWith('end'))).toHaveLength(1);
  });

  it('an agent SIGKILLed on an unreachable node: the job reruns elsewhere; the orphaned copy dies when the node returns', async () => {
    const gate = join(base, 'gate-kill');
    const log = join(base, 'kill.log');
    const id = await head.submit(['-l', 'select=1:ncpus=1:slot=f3'], gatedScript('killed', gate, log));
    await head.waitState(id, 'R');
    await waitUntil(() => (lines(log).length === 1 ? true : undefined), 10_000, 'the job to start');
    // the node drops off the network, then its agent dies (its job's processes live on)
    await sshds[2]!.stop();
    process.kill(agentPid(2), 'SIGKILL');
    const down = await waitUntil(
      async () => {
        const s = await nodeState('f3');
        return /down/.test(s) ? s : undefined;
      },
      15_000,
      'f3 down',
    );
    expect(down).toMatch(/connection lost/);
    // software fencing only on f3: requeued, and it may run on f2 now
    await head.waitState(id, 'Q', 15_000);
    expect((await head.run('qalter', ['-l', 'select=1:ncpus=1:slot=f2', id])).code).toBe(0);
    const again = await head.waitState(id, 'R', 15_000);
    expect(nodeIndex(again.exec_host)).toBe(1);
    // f3 comes back: a new agent kills the orphaned copy and reports it lost (a stale attempt)
    await sshds[2]!.start();
    await waitUntil(
      async () => ((await nodeState('f3')).includes('free') ? true : undefined),
      30_000,
      'f3 back',
    );
    writeFileSync(gate, '');
    const done = await head.waitState(id, 'F', 20_000);
    expect(done).toMatchObject({ Exit_status: 0, run_count: 2 });
    expect(lines(log).filter((l) => l.startsWith('end'))).toHaveLength(1);
    expect(readFileSync(join(head.work, `killed.o${id.split('.')[0]}`), 'utf8')).toBe('done\n');
  });

  it('a job fenced off a node reruns on that same node once it is back: the old copy dies first', async () => {
    const gate = join(base, 'gate-same');
    const log = join(base, 'same.log');
    const id = await head.submit(['-l', 'select=1:ncpus=1:slot=f3'], gatedScript('same', gate, log));
    await head.waitState(id, 'R');
    await waitUntil(() => (lines(log).length === 1 ? true : undefined), 10_000, 'the first attempt to start');
    process.kill(agentPid(2), 'SIGSTOP');
    await head.waitState(id, 'Q', 20_000);
    process.kill(agentPid(2), 'SIGCONT');
    const again = await head.waitState(id, 'R', 20_000);
    expect(again.run_count).toBe(2);
    await waitUntil(
      () => (lines(log).length === 2 ? true : undefined),
      10_000,
      'the second attempt to start',
    );
    writeFileSync(gate, '');
    const done = await head.waitState(id, 'F', 20_000);
    expect(done).toMatchObject({ Exit_status: 0, run_count: 2 });
    expect(lines(log).filter((l) => l.startsWith('end'))).toHaveLength(1);
    expect(readFileSync(join(head.work, `same.o${id.split('.')[0]}`), 'utf8')).toBe('done\n');
  });

  it('a job submitted with -r n on a fenced node ends with Exit_status −20', async () => {
    const id = await head.submit(['-r', 'n', '-l', 'select=1:ncpus=1:slot=f3', '--', '/bin/sleep', '60']);
    await head.waitState(id, 'R');
    process.kill(agentPid(2), 'SIGSTOP');
    try {
      const done = await head.waitState(id, 'F', 20_000);
      expect(done.Exit_status).toBe(-20);
      expect(String(done.comment)).toMatch(/and was lost with its node$/);
    } finally {
      process.kill(agentPid(2), 'SIGCONT');
    }
    await waitUntil(
      async () => ((await nodeState('f3')).includes('free') ? true : undefined),
      20_000,
      'f3 back',
    );
  });

  it('qrerun kills a running job and queues it again; its first output is dropped', async () => {
    const log = join(base, 'rerun.log');
    const script = `#PBS -N rerun\necho "run $PBS_JOBID" >> ${log}\nif [ "$(wc -l < ${log})" -lt 2 ]; then sleep 60; fi\necho "attempt $(wc -l < ${log})"\n`;
    const id = await head.submit([], script);
    await head.waitState(id, 'R');
    await waitUntil(() => (lines(log).length === 1 ? true : undefined), 10_000, 'the first run');
    const r = await head.run('qrerun', [id]);
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const done = await head.waitState(id, 'F', 30_000);
    expect(done).toMatchObject({ Exit_status: 0, run_count: 2 });
    expect(readFileSync(join(head.work, `rerun.o${id.split('.')[0]}`), 'utf8')).toBe('attempt 2\n');
    const finished = await head.run('qrerun', [id]);
    expect(finished.code).toBe(35);
    const norerun = await head.submit(['-r', 'n', '--', '/bin/sleep', '30']);
    await head.waitState(norerun, 'R');
    const refused = await head.run('qrerun', [norerun]);
    expect(refused.code).toBe(168);
    expect(refused.stderr).toContain('Job is not rerunnable');
    await head.run('qdel', [norerun]);
  });
});
