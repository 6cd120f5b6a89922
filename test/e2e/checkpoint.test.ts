// Checkpoint-based warm failover over SSH on 127.0.0.19-20: the example program of
// examples/ killed with its node after several checkpoints resumes on the other node from the
// last one; a checkpoint transfer cut in the middle leaves the previous one in use; qhold of a
// running checkpointable job checkpoints and stops it, qrls resumes it from the checkpoint.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, slotNodes, startCluster } from '../helpers/cluster.js';
import { ROOT, type TestHead, waitUntil } from '../helpers/head.js';
import type { TestSshd } from '../helpers/sshd.js';

const EXAMPLE = join(ROOT, 'examples/checkpoint-loop.sh');
const DROVER = join(ROOT, 'bin/drover');
let cluster: Cluster;
let base: string;
let sshds: TestSshd[];
let head: TestHead;
const agentPid = (i: number) => cluster.nodes[i]!.agentPid();
const seqOf = (id: string) => id.split('.')[0]!;

beforeAll(async () => {
  cluster = await startCluster({
    name: 'c',
    // a node timeout long enough that the cut connection of one test comes back unfenced
    head: { killDelay: 1, extraArgs: ['--node-timeout', '8', '--heartbeat', '0.5'] },
    nodes: slotNodes('c', ['127.0.0.19', '127.0.0.20']),
  });
  ({ head, base } = cluster);
  sshds = cluster.nodes.map((n) => n.sshd);
});

afterAll(async () => {
  await cluster?.stop();
});

/** Bytes a process has written (/proc/PID/io wchar), 0 once it is gone. */
function writtenBytes(pid: number): number {
  try {
    return Number(/^wchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

async function checkpointCount(id: string): Promise<number> {
  return Number((await head.json(id))?.checkpoint_count ?? 0);
}

describe('checkpoints', () => {
  it('the example loop killed with its node after several checkpoints resumes on the other node', async () => {
    const id = await head.submit(
      ['-v', `STEPS=14,STEP_SECONDS=0.4,DROVER=${DROVER}`, '-l', 'select=1:ncpus=1:slot=c1'],
      readFileSync(EXAMPLE, 'utf8'),
    );
    // running, and its start recorded (the session id comes with the agent's `started`)
    const running = await waitUntil(
      async () => {
        const j = await head.json(id);
        return j?.job_state === 'R' && j.session_id !== undefined ? j : undefined;
      },
      30_000,
      'the job to start',
    );
    await waitUntil(
      async () => ((await checkpointCount(id)) >= 2 ? true : undefined),
      30_000,
      'two checkpoints',
    );
    const f = await head.run('qstat', ['-f', id]);
    expect(f.stdout).toMatch(/^ {4}checkpoint_time = /m);
    expect(f.stdout).toMatch(/^ {4}checkpoint_size = \d+kb$/m);
    // the node dies: off the network, its agent and the job's processes killed
    await sshds[0]!.stop();
    process.kill(agentPid(0), 'SIGKILL');
    process.kill(-Number(running.session_id), 'SIGKILL');
    const saved = await checkpointCount(id);
    await head.waitState(id, 'Q', 20_000);
    expect((await head.run('qalter', ['-l', 'select=1:ncpus=1:slot=c2', id])).code).toBe(0);
    const done = await head.waitState(id, 'F', 60_000);
    expect(done).toMatchObject({ Exit_status: 0, run_count: 2 });
    const out = readFileSync(join(head.work, `ckptloop.o${seqOf(id)}`), 'utf8');
    // the second attempt starts where the last checkpoint left off, not at step 1
    const resumed = /^resumed at step (\d+) \(sum (\d+)\) from checkpoint (\d+)\n/.exec(out);
    expect(resumed).not.toBeNull();
    expect(Number(resumed![1])).toBeGreaterThan(1);
    expect(Number(resumed![3])).toBe(saved);
    expect(out).not.toMatch(/^step 1$/m);
    expect(out).toMatch(/sum of 1\.\.14 = 105\n$/);
    const trace = await head.run('tracejob', [id]);
    expect(trace.stdout).toMatch(new RegExp(`\\(attempt 2, restarting from checkpoint ${saved}\\)`));
    await sshds[0]!.start();
    await waitUntil(
      async () =>
        /^c1\s+\S+\s+free/m.test((await head.run('drover', ['node', 'list'])).stdout) ? true : undefined,
      30_000,
      'c1 back',
    );
  });

  it('a checkpoint transfer cut in the middle leaves the previous checkpoint in use', async () => {
    const marker = join(base, 'shipping');
    const script = [
      '#PBS -c c',
      'echo small > "$PBS_CHECKPOINT_DIR/state"',
      `${DROVER} checkpoint || exit 9`,
      // 60 MB of random data: a transfer that takes a while over SSH
      'head -c 60000000 /dev/urandom > "$PBS_CHECKPOINT_DIR/big"',
      `touch ${marker}`,
      `${DROVER} checkpoint && echo "second checkpoint saved" || echo "second checkpoint failed"`,
      'echo big > "$PBS_CHECKPOINT_DIR/state"; rm -f "$PBS_CHECKPOINT_DIR/big"',
      // the agent answers `try again` until the head is back
      `until ${DROVER} checkpoint 2>/dev/null; do sleep 0.2; done; echo "third checkpoint saved"`,
    ].join('\n');
    const id = await head.submit(['-N', 'cut', '-l', 'select=1:ncpus=1:slot=c2'], `${script}\n`);
    await waitUntil(() => (existsSync(marker) ? true : undefined), 30_000, 'the big checkpoint to start');
    // cut the connection while the checkpoint is on its way: once the node's sshd has sent
    // 5 MB of its ~80 MB (base64) to the head
    const sent = () => sshds[1]!.sessionPids().reduce((n, pid) => n + writtenBytes(pid), 0);
    const start = sent();
    await waitUntil(
      () => (sent() - start > 5_000_000 ? true : undefined),
      30_000,
      'the transfer to be under way',
    );
    for (const pid of sshds[1]!.sessionPids()) process.kill(pid, 'SIGKILL');
    const done = await head.waitState(id, 'F', 60_000);
    expect(done.Exit_status).toBe(0);
    const out = readFileSync(join(head.work, `cut.o${seqOf(id)}`), 'utf8');
    expect(out).toBe('second checkpoint failed\nthird checkpoint saved\n');
    // the cut transfer never became checkpoint 2: the small one stayed, and the next was 2
    const store = join(head.stateDir, 'checkpoints');
    expect(existsSync(join(store, id))).toBe(false); // removed with the finished job
    const trace = await head.run('tracejob', [id]);
    const saved = trace.stdout.split('\n').filter((l) => l.includes('Checkpoint '));
    expect(saved).toHaveLength(2);
    expect(saved[0]).toMatch(/Checkpoint 1 saved at the head, 6 bytes/);
    expect(saved[1]).toMatch(/Checkpoint 2 saved at the head, 4 bytes/);
    expect(readdirSync(store)).toEqual([]);
  });

  it('qhold of a running checkpointable job checkpoints and stops it; qrls resumes it from there', async () => {
    const id = await head.submit(
      ['-N', 'held', '-v', `STEPS=10,STEP_SECONDS=0.4,DROVER=${DROVER}`, '-l', 'select=1:ncpus=1:slot=c2'],
      readFileSync(EXAMPLE, 'utf8').replace('#PBS -N ckptloop\n', ''),
    );
    await head.waitState(id, 'R');
    await waitUntil(
      async () => ((await checkpointCount(id)) >= 1 ? true : undefined),
      30_000,
      'a checkpoint',
    );
    const before = await checkpointCount(id);
    expect((await head.run('qhold', [id])).code).toBe(0);
    const held = await head.waitState(id, 'H', 30_000);
    expect(held.Hold_Types).toBe('u');
    expect(Number(held.checkpoint_count)).toBeGreaterThan(before);
    const trace = await head.run('tracejob', [id]);
    expect(trace.stdout).toMatch(/Job requeued \(attempt 1\): stopped after checkpoint \d+ at request of/);
    expect((await head.run('qrls', [id])).code).toBe(0);
    const done = await head.waitState(id, 'F', 60_000);
    expect(done).toMatchObject({ Exit_status: 0, run_count: 2 });
    const out = readFileSync(join(head.work, `held.o${seqOf(id)}`), 'utf8');
    expect(out).toMatch(/^resumed at step \d+ \(sum \d+\) from checkpoint \d+\n/);
    expect(out).toMatch(/sum of 1\.\.10 = 55\n$/);
  });

  it('pbsnodes -o of its node checkpoints a job, stops it and resumes it on the other node', async () => {
    const id = await head.submit(
      ['-N', 'moved', '-v', `STEPS=10,STEP_SECONDS=0.4,DROVER=${DROVER}`],
      readFileSync(EXAMPLE, 'utf8').replace('#PBS -N ckptloop\n', ''),
    );
    const first = await head.waitState(id, 'R');
    await waitUntil(
      async () => ((await checkpointCount(id)) >= 1 ? true : undefined),
      30_000,
      'a checkpoint',
    );
    const from = String(first.exec_host).split('/')[0]!;
    expect((await head.run('pbsnodes', ['-o', from])).code).toBe(0);
    try {
      const done = await head.waitState(id, 'F', 60_000);
      expect(done).toMatchObject({ Exit_status: 0, run_count: 2 });
      expect(String(done.exec_host).split('/')[0]).not.toBe(from);
      const out = readFileSync(join(head.work, `moved.o${seqOf(id)}`), 'utf8');
      expect(out).toMatch(/^resumed at step \d+ \(sum \d+\) from checkpoint \d+\n/);
      expect(out).toMatch(/sum of 1\.\.10 = 55\n$/);
      const trace = await head.run('tracejob', [id]);
      expect(trace.stdout).toMatch(
        new RegExp(`stopped after checkpoint \\d+ at request of node ${from} offline`),
      );
    } finally {
      await head.run('pbsnodes', ['-r', from]);
    }
  });

  it('a checkpointable job is told to checkpoint shortly before its walltime', async () => {
    const script = [
      '#PBS -c c',
      '#PBS -l walltime=00:00:10',
      `trap 'date +%s > "$PBS_CHECKPOINT_DIR/at"; ${DROVER} checkpoint' USR1`,
      'while :; do sleep 0.2; done',
    ].join('\n');
    const id = await head.submit(['-N', 'wall'], `${script}\n`);
    const done = await head.waitState(id, 'F', 30_000);
    expect(done.Exit_status).toBe(-29);
    expect(Number(done.checkpoint_count)).toBe(1);
    const trace = await head.run('tracejob', [id]);
    expect(trace.stdout).toMatch(/Checkpoint 1 saved at the head, 11 bytes/);
  });
});
