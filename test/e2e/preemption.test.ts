// Preemption with a real head and its local node (2 CPUs): a job of an express queue (priority
// 200, at least preempt_queue_prio) that does not fit takes the node from a running job of an
// ordinary queue. A checkpointable job is checkpointed and requeued (preempt_order CR), and
// resumes from its checkpoint once the express job is done; with the default order (SCR) a job is
// suspended, and resumed once the express job is done; a rerunnable one is requeued
// (preempt_order R); a job no method of the order applies to is never preempted: the express job
// waits. drover_jobs_preempted_total counts each preemption by its method.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import { freePort, type TestHead, waitUntil } from '../helpers/head.js';

const TOKEN = 'metrics-token-for-preemption';
let cluster: Cluster;
let head: TestHead;
let metrics: string;
/** the metrics token file */
const dir = mkdtempSync(join(tmpdir(), 'drover-preempt-'));

beforeAll(async () => {
  const port = await freePort();
  metrics = `http://127.0.0.1:${port}/metrics`;
  const tokenFile = join(dir, 'metrics.token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  const extraArgs = ['--metrics-listen', `127.0.0.1:${port}`, '--metrics-token-file', tokenFile];
  cluster = await startCluster({ head: { ncpus: 2, killDelay: 1, extraArgs } });
  head = cluster.head;
  const add = await head.run('drover', ['queue', 'add', 'express', '--priority', '200']);
  expect(add).toMatchObject({ code: 0 });
});

afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** drover_jobs_preempted_total by method, as the head's /metrics says now. */
async function preempted(): Promise<Record<string, number>> {
  const r = await fetch(metrics, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(r.status).toBe(200);
  const out: Record<string, number> = {};
  for (const m of (await r.text()).matchAll(/^drover_jobs_preempted_total\{method="(\w+)"\} (\d+)$/gm))
    out[m[1]!] = Number(m[2]);
  return out;
}

/** The counts grew by exactly `by` (the counter follows the commit: waited for). */
async function counted(before: Record<string, number>, by: Record<string, number>): Promise<void> {
  const want = { ...before };
  for (const [k, n] of Object.entries(by)) want[k] = (want[k] ?? 0) + n;
  await waitUntil(
    async () => (JSON.stringify(await preempted()) === JSON.stringify(want) ? true : undefined),
    10_000,
    `drover_jobs_preempted_total to be ${JSON.stringify(want)}`,
  );
}

const seqOf = (id: string) => id.split('.')[0]!;
const gate = (name: string) => join(head.work, `gate-${name}`);
const open = (name: string) => writeFileSync(gate(name), '');
/** A program that runs until its gate opens. */
const until = (name: string) => ['--', '/bin/sh', '-c', `while [ ! -e ${gate(name)} ]; do sleep 0.1; done`];

/** Wait until the job runs and its agent has said it started (the session id). */
async function started(id: string): Promise<Record<string, unknown>> {
  return waitUntil(
    async () => {
      const j = await head.json(id);
      return j?.job_state === 'R' && j.session_id !== undefined ? j : undefined;
    },
    30_000,
    `${id} to start`,
  );
}

/** The one-letter state of a process (`T` stopped), or undefined once it is gone. */
function procState(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
  } catch {
    return undefined;
  }
}

async function trace(id: string): Promise<string> {
  return (await head.run('tracejob', [id])).stdout;
}

/** The express job: the whole node, until its gate opens. */
const express = (name: string) =>
  head.submit(['-q', 'express', '-N', name, '-l', 'select=1:ncpus=2', ...until(name)]);

describe('preemption', () => {
  it('qmgr sets, shows and unsets preempt_order, preempt_queue_prio and preemptive_sched', async () => {
    const set = await head.run('qmgr', [
      '-c',
      'set server preempt_order = "SCR 80 SC 50 S"',
      '-c',
      'set server preempt_queue_prio = 180',
      '-c',
      'set server preemptive_sched = False',
    ]);
    expect(set).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const list = (await head.run('qmgr', ['-c', 'list server'])).stdout;
    expect(list).toContain('    preemptive_sched = False\n');
    expect(list).toContain('    preempt_order = SCR 80 SC 50 S\n');
    expect(list).toContain('    preempt_queue_prio = 180\n');
    const print = (await head.run('qmgr', ['-c', 'print server'])).stdout;
    expect(print).toContain('set server preempt_order = "SCR 80 SC 50 S"\n');
    const bad = await head.run('qmgr', ['-c', 'set server preempt_order = SCRD']);
    expect(bad).toEqual({
      code: 166,
      stdout: '',
      stderr:
        'qmgr: Illegal attribute or resource value preempt_order (D, deletion, is not offered: S, C and R are)\n',
    });
    const unset = await head.run('qmgr', [
      '-c',
      'unset server preempt_order',
      '-c',
      'unset server preempt_queue_prio',
      '-c',
      'unset server preemptive_sched',
    ]);
    expect(unset).toMatchObject({ code: 0, stderr: '' });
    expect((await head.run('qmgr', ['-c', 'list server'])).stdout).not.toMatch(/preempt/);
  });

  it('checkpoints and requeues a checkpointable job for an express job; it resumes from its checkpoint', async () => {
    expect((await head.run('qmgr', ['-c', 'set server preempt_order = CR'])).code).toBe(0);
    try {
      const script = [
        '#PBS -N victim',
        '#PBS -c c',
        '#PBS -l select=1:ncpus=2',
        'n=0',
        'if [ "$PBS_RESTART" = 1 ]; then read -r n < "$PBS_CHECKPOINT_DIR/n"; echo "resumed at $n"; fi',
        `trap 'echo "$n" > "$PBS_CHECKPOINT_DIR/n"; drover checkpoint' USR1`,
        `while [ ! -e ${gate('victim')} ]; do n=$((n + 1)); echo "count $n"; sleep 0.2; done`,
        'echo "ended at $n"',
      ].join('\n');
      const victim = await head.submit([], `${script}\n`);
      await started(victim);
      // it has counted a few steps
      await waitUntil(
        async () =>
          (await head.run('drover', ['peek', victim])).stdout.includes('count 3\n') ? true : undefined,
        30_000,
        'the victim to count to 3',
      );
      const before = await preempted();
      const urgent = await express('urgent');
      await head.waitState(urgent, 'R', 30_000);
      const requeued = await head.json(victim);
      expect(requeued).toMatchObject({
        job_state: 'Q',
        comment: 'Job preempted by checkpointing',
        run_count: 1,
        checkpoint_count: 1,
      });
      const lines = await trace(victim);
      expect(lines).toMatch(/ {2}L {4}Job preempted by checkpointing\n/);
      expect(lines).toMatch(/ {2}S {4}Job to be rerun at request of Scheduler\n/);
      expect(lines).toMatch(
        / {2}S {4}Job requeued \(attempt 1\): stopped after checkpoint 1 at request of Scheduler\n/,
      );
      await counted(before, { checkpointing: 1 });
      // the express job done, the victim runs again from its checkpoint
      open('urgent');
      expect(await head.waitState(urgent, 'F')).toMatchObject({ Exit_status: 0 });
      await started(victim);
      await waitUntil(
        async () =>
          /\ncount \d+\n/.test((await head.run('drover', ['peek', victim])).stdout) ? true : undefined,
        30_000,
        'the victim to count on',
      );
      open('victim');
      expect(await head.waitState(victim, 'F')).toMatchObject({ Exit_status: 0, run_count: 2 });
      const out = readFileSync(join(head.work, `victim.o${seqOf(victim)}`), 'utf8');
      const resumed = /^resumed at (\d+)\ncount (\d+)\n/.exec(out);
      expect(resumed, out).not.toBeNull();
      expect(Number(resumed![1])).toBeGreaterThanOrEqual(3);
      expect(Number(resumed![2])).toBe(Number(resumed![1]) + 1);
      expect(out).toMatch(/\nended at \d+\n$/);
      expect(await trace(victim)).toMatch(/\(attempt 2, restarting from checkpoint 1\)/);
    } finally {
      await head.run('qmgr', ['-c', 'unset server preempt_order']);
    }
  });

  it('by default (SCR) suspends a job for an express job, and resumes it once the express job is done', async () => {
    const pidFile = join(head.work, 'suspendme.pid');
    const loop = `echo $$ > ${pidFile}; while [ ! -e ${gate('suspendme')} ]; do sleep 0.1; done`;
    const victim = await head.submit([
      '-N',
      'suspendme',
      '-l',
      'select=1:ncpus=2',
      '--',
      '/bin/sh',
      '-c',
      loop,
    ]);
    await started(victim);
    await waitUntil(() => existsSync(pidFile) || undefined, 30_000, 'the victim to write its pid');
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    const before = await preempted();
    const urgent = await express('urgent4');
    await head.waitState(urgent, 'R', 30_000);
    // stopped, shown S, its CPUs given to the express job: it waits for them (substate 45)
    const suspended = await waitUntil(
      async () => {
        const j = await head.json(victim);
        return j?.substate === 45 ? j : undefined;
      },
      10_000,
      'the victim to wait for its CPUs',
    );
    expect(suspended).toMatchObject({ job_state: 'S', comment: 'Job preempted by suspension', run_count: 1 });
    expect(procState(pid)).toBe('T');
    const lines = await trace(victim);
    const at = lines.indexOf(
      `S    Job suspended at request of Scheduler: to make room for ${urgent}, its resources released (attempt 1)\n`,
    );
    expect(at, lines).toBeGreaterThan(0);
    expect(lines.indexOf('L    Job preempted by suspension\n')).toBeGreaterThan(at);
    expect(lines).toContain('S    Job to be resumed at request of Scheduler once its resources are free\n');
    await counted(before, { suspension: 1 });
    // the express job done, the victim goes on where it stopped: the same attempt, never requeued
    open('urgent4');
    await head.waitState(urgent, 'F');
    const resumed = await head.waitState(victim, 'R', 30_000);
    expect(resumed).toMatchObject({ substate: 42, run_count: 1 });
    expect(String(resumed.comment)).toMatch(/^Job run at /);
    await waitUntil(() => (procState(pid) !== 'T' ? true : undefined), 10_000, 'the victim to go on');
    expect(await trace(victim)).toContain('S    Job resumed, its resources taken again (attempt 1)\n');
    open('suspendme');
    expect(await head.waitState(victim, 'F')).toMatchObject({ Exit_status: 0, run_count: 1 });
  });

  it('with preempt_order R a rerunnable job is requeued, and runs again after the express job', async () => {
    expect((await head.run('qmgr', ['-c', 'set server preempt_order = R'])).code).toBe(0);
    try {
      const victim = await head.submit(['-N', 'rerunme', '-l', 'select=1:ncpus=2', ...until('rerunme')]);
      await started(victim);
      const before = await preempted();
      const urgent = await express('urgent2');
      await head.waitState(urgent, 'R', 30_000);
      expect(await head.json(victim)).toMatchObject({
        job_state: 'Q',
        comment: 'Job preempted by requeuing',
        run_count: 1,
      });
      const lines = await trace(victim);
      expect(lines).toMatch(/ {2}L {4}Job preempted by requeuing\n/);
      expect(lines).toMatch(/ {2}S {4}Job requeued \(attempt 1\): rerun at request of Scheduler\n/);
      await counted(before, { requeuing: 1 });
      open('urgent2');
      await head.waitState(urgent, 'F');
      await started(victim);
      open('rerunme');
      expect(await head.waitState(victim, 'F')).toMatchObject({ Exit_status: 0, run_count: 2 });
    } finally {
      await head.run('qmgr', ['-c', 'unset server preempt_order']);
    }
  });

  it('never preempts a job none of the methods applies to: the express job waits', async () => {
    // CR without S: a job that neither checkpoints nor may be rerun stays
    expect((await head.run('qmgr', ['-c', 'set server preempt_order = CR'])).code).toBe(0);
    try {
      const keeper = await head.submit([
        '-r',
        'n',
        '-N',
        'keeper',
        '-l',
        'select=1:ncpus=2',
        ...until('keeper'),
      ]);
      await started(keeper);
      const before = await preempted();
      const urgent = await express('urgent3');
      // the pass that says why it waits is the one that would have preempted for it
      expect((await head.waitComment(urgent)).comment).toBe(
        'Not Running: Insufficient amount of resource: ncpus (R: 2 A: 0 T: 2)',
      );
      const kept = await head.json(keeper);
      expect(kept).toMatchObject({ job_state: 'R', run_count: 1 });
      expect(String(kept!.comment)).toMatch(/^Job run at /);
      expect(await trace(keeper)).not.toMatch(/preempted/);
      await counted(before, {});
      open('keeper');
      expect(await head.waitState(keeper, 'F')).toMatchObject({ Exit_status: 0, run_count: 1 });
      // the node free, the express job runs
      await head.waitState(urgent, 'R');
      open('urgent3');
      await head.waitState(urgent, 'F');
    } finally {
      await head.run('qmgr', ['-c', 'unset server preempt_order']);
    }
  });

  it('preempts nothing with preemptive_sched False, nor for a queue below preempt_queue_prio', async () => {
    const victim = await head.submit(['-N', 'calm', '-l', 'select=1:ncpus=2', ...until('calm')]);
    await started(victim);
    const before = await preempted();
    for (const [attr, value, name] of [
      ['preemptive_sched', 'False', 'urgent5'],
      ['preempt_queue_prio', '201', 'urgent6'],
    ] as const) {
      expect((await head.run('qmgr', ['-c', `set server ${attr} = ${value}`])).code).toBe(0);
      try {
        const urgent = await express(name);
        expect((await head.waitComment(urgent)).comment).toBe(
          'Not Running: Insufficient amount of resource: ncpus (R: 2 A: 0 T: 2)',
        );
        expect(await head.json(victim)).toMatchObject({ job_state: 'R', run_count: 1 });
        expect((await head.run('qdel', [urgent])).code).toBe(0);
      } finally {
        await head.run('qmgr', ['-c', `unset server ${attr}`]);
      }
    }
    await counted(before, {});
    open('calm');
    expect(await head.waitState(victim, 'F')).toMatchObject({ Exit_status: 0, run_count: 1 });
  });
});
