// The agent's job runner on a temp state directory, with a stand-in for the drover-exec launcher
// that runs the job's program itself (as the agent's user): attempts start once, their started
// and exited facts are journaled and reported, kills (qdel, walltime, fencing, stall) end them
// with PBS's statuses, a launcher failure ends the attempt, one that cannot start is refused.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SpawnLauncher } from '../../compute-agent/job-launch.js';
import { JobRunner, type RunnerOptions } from '../../compute-agent/job-runner.js';
import { Journal } from '../../compute-agent/journal.js';
import type { Fact, RunRequest } from '../../core/protocol/agent-protocol.js';
import { waitUntil } from '../helpers/head.js';

const KILL_DELAY = 200;
let stateDir: string;
let journal: Journal;
let facts: Fact[];
let launches: string[][];
let refusals: string[];
let runners: JobRunner[];

/** The launcher's stand-in: runs the program after `--` with the options it was given. */
const runProgram: SpawnLauncher = (args, options) => {
  launches.push(args);
  const i = args.indexOf('--');
  return spawn(args[i + 1]!, args.slice(i + 2), options);
};

function newRunner(over: Partial<RunnerOptions> = {}): JobRunner {
  const sink = facts;
  const runner = new JobRunner({
    stateDir,
    journal,
    report: (entry) => sink.push(entry.fact),
    killDelayMs: KILL_DELAY,
    tmpRoot: join(stateDir, 'tmp'),
    agentEnv: process.env,
    refused: (_req, reason) => refusals.push(reason),
    spawn: runProgram,
    outputIntervalMs: 50,
    ...over,
  });
  runners.push(runner);
  return runner;
}

/** A `qsub -- /bin/sh -c SCRIPT` attempt of the agent's own user. */
function shJob(script: string, over: Partial<RunRequest> = {}): RunRequest {
  return {
    jobId: '1.s',
    seq: 1,
    attempt: 1,
    user: userInfo().username,
    executable: '/bin/sh',
    argv: ['-c', script],
    umask: 0o077,
    env: [['PBS_JOBID', '1.s']],
    nodefile: ['n1', 'n1'],
    ncpus: 2,
    gpus: [],
    join: 'n',
    ...over,
  };
}

const until = async (what: () => boolean, ms = 10_000): Promise<void> => {
  await waitUntil(() => what() || undefined, ms, 'the condition');
};
const exitOf = async (jobId = '1.s', attempt = 1) => {
  const find = () => facts.find((f) => f.kind === 'exited' && f.jobId === jobId && f.attempt === attempt);
  await until(() => find() !== undefined);
  return find() as Extract<Fact, { kind: 'exited' }>;
};
const spooled = (runner: JobRunner, stream: 'out' | 'err', attempt = 1) => {
  const file = runner.output('1.s', attempt).find((f) => f.stream === stream);
  return file ? Buffer.from(file.data, 'base64').toString() : undefined;
};

beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'drover-runner-'));
  mkdirSync(join(stateDir, 'tmp'));
  journal = new Journal(stateDir);
  facts = [];
  launches = [];
  refusals = [];
  runners = [];
});
afterEach(async () => {
  for (const r of runners) {
    await r.stopAll();
    await until(() => r.runningCount() === 0); // their exits journaled before the journal closes
  }
  journal.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('JobRunner', () => {
  it('starts an attempt, journals started then exited with its status, and spools its output', async () => {
    const runner = newRunner();
    expect(
      runner.run(shJob('echo "out $PBS_JOBID $NCPUS"; cat "$PBS_NODEFILE"; echo oops >&2; exit 3')),
    ).toEqual({});
    expect(runner.runningCount()).toBe(1);
    expect(runner.summaries()).toEqual([{ jobId: '1.s', attempt: 1, running: true }]);
    const exited = await exitOf();
    expect(exited.status).toBe(3);
    expect(facts.map((f) => f.kind)).toEqual(['started', 'exited']);
    expect(journal.unacked().map((e) => e.fact.kind)).toEqual(['started', 'exited']);
    expect(spooled(runner, 'out')).toBe('out 1.s 2\nn1\nn1\n');
    expect(spooled(runner, 'err')).toBe('oops\n');
    expect(runner.runningCount()).toBe(0);
    expect(runner.summaries()).toEqual([{ jobId: '1.s', attempt: 1, running: false }]);
  });

  it('gives the launcher the umask, a fresh TMPDIR and the start directories, and the job a cookie', async () => {
    const runner = newRunner();
    runner.run(shJob('echo "$PBS_JOBCOOKIE $TMPDIR"; sleep 5', { env: [['PBS_O_INITDIR', '/srv']] }));
    const args = launches[0]!;
    const tmp = join(stateDir, 'tmp', 'pbs.1.s');
    expect(args.slice(0, args.indexOf('--'))).toEqual(
      expect.arrayContaining(['--umask', '077', '--mkdir', tmp, '--cd', '/srv', '--error-fd', '3']),
    );
    await until(() => (spooled(runner, 'out') ?? '') !== '');
    const [cookie, tmpdirSeen] = spooled(runner, 'out')!.trim().split(' ');
    expect(tmpdirSeen).toBe(tmp);
    expect(runner.checkCookie('1.s', cookie!)).toBe(1);
    expect(runner.checkCookie('1.s', 'guessed')).toBeUndefined();
  });

  it('runs a script job: its shell reads the stored script on stdin', async () => {
    const runner = newRunner();
    const { executable: _e, argv: _a, ...script } = shJob('');
    runner.run({ ...script, script: 'echo "from the script"\nexit 4\n', shell: '/bin/sh' });
    expect((await exitOf()).status).toBe(4);
    expect(spooled(runner, 'out')).toBe('from the script\n');
  });

  it('starts an attempt once: a repeated or earlier run changes nothing', async () => {
    const runner = newRunner();
    runner.run(shJob('sleep 5', { attempt: 2 }));
    expect(runner.run(shJob('sleep 5', { attempt: 2 }))).toEqual({});
    expect(runner.run(shJob('sleep 5', { attempt: 1 }))).toEqual({});
    await new Promise((r) => setTimeout(r, 300));
    expect(launches).toHaveLength(1);
    expect(facts.map((f) => `${f.kind}:${f.attempt}`)).toEqual(['started:2']);
    expect(runner.runningCount()).toBe(1);
  });

  it('kills an attempt past its walltime: Exit_status -29 and the PBS notice in its stderr', async () => {
    const runner = newRunner();
    runner.run(shJob('sleep 30', { walltime: 1 }));
    const exited = await exitOf();
    expect(exited.status).toBe(-29);
    expect(exited.reason).toBe('walltime');
    expect(spooled(runner, 'err')).toBe(
      `=>> PBS: job killed: walltime ${exited.usage.walltime} exceeded limit 1\n`,
    );
  });

  it('ends a deleted attempt with SIGTERM, and SIGKILL after the grace when it ignores it', async () => {
    const runner = newRunner();
    runner.run(shJob('sleep 30'));
    runner.run(shJob('trap "" TERM; sleep 30', { jobId: '2.s' }));
    await until(() => facts.filter((f) => f.kind === 'started').length === 2);
    runner.signal('1.s', 1);
    runner.signal('2.s', 1);
    runner.signal('2.s', 7); // another attempt: nothing
    expect((await exitOf('1.s')).status).toBe(256 + 15);
    const started = Date.now();
    expect((await exitOf('2.s')).status).toBe(256 + 9);
    expect(Date.now() - started).toBeGreaterThanOrEqual(KILL_DELAY / 2);
  });

  it('ends an attempt whose launcher reports a failure, with the reason in its output', async () => {
    const failing: SpawnLauncher = (args, options) => {
      launches.push(args);
      return spawn('/bin/sh', ['-c', 'echo "drover-exec: cannot enter /nowhere" >&3; exit 127'], options);
    };
    const runner = newRunner({ spawn: failing });
    runner.run(shJob('true'));
    const exited = await exitOf();
    expect(exited.status).toBe(-1);
    expect(spooled(runner, 'err')).toBe('=>> PBS: cannot start job: cannot enter /nowhere\n');
  });

  it('refuses an attempt that cannot be started, and keeps nothing of it', () => {
    const broken: SpawnLauncher = () => {
      throw new Error('drover-exec is missing');
    };
    const runner = newRunner({ spawn: broken });
    expect(runner.run(shJob('true'))).toEqual({ refused: 'cannot start the job: drover-exec is missing' });
    expect(runner.run(shJob('true', { jobId: '2.s', user: 'no-such-user-here' }))).toEqual({
      refused: 'no account for user no-such-user-here on this node',
    });
    expect(runner.summaries()).toEqual([]);
    expect(runner.runningCount()).toBe(0);
    expect(existsSync(join(stateDir, 'jobs', '1.s'))).toBe(false);
  });

  it('kills a fenced attempt at once, and starts a later attempt only after the earlier one exited', async () => {
    const runner = newRunner();
    runner.run(shJob('trap "" TERM; sleep 30'));
    await until(() => facts.some((f) => f.kind === 'started'));
    runner.fence('1.s', 1);
    expect((await exitOf('1.s', 1)).status).toBe(256 + 9);
    runner.run(shJob('sleep 30', { attempt: 2 }));
    await until(() => facts.some((f) => f.kind === 'started' && f.attempt === 2));
    runner.run(shJob('echo third', { attempt: 3 })); // the head took attempt 2 away too
    expect((await exitOf('1.s', 2)).status).toBe(256 + 9);
    expect((await exitOf('1.s', 3)).status).toBe(0);
    const order = facts.map((f) => `${f.kind}:${f.attempt}`);
    expect(order.indexOf('exited:2')).toBeLessThan(order.indexOf('started:3'));
    expect(spooled(runner, 'out', 3)).toBe('third\n');
  });

  it('kills a render task that writes nothing for its stall timeout', async () => {
    const progress: unknown[] = [];
    const runner = newRunner({ progress: (r) => progress.push(r) });
    runner.run(shJob('echo "PROGRESS: 5%"; sleep 30', { progress: { stallTimeout: 1 } }));
    const exited = await exitOf();
    expect(exited.status).toBe(256 + 15);
    expect(exited.reason).toBe('stall timeout');
    expect(spooled(runner, 'err')).toBe('=>> PBS: job killed: no output for 1 s (stall timeout)\n');
    expect(progress).toContainEqual(
      expect.objectContaining({ jobId: '1.s', updates: [{ k: 'percent', percent: 5 }] }),
    );
  });

  it('forgets a finished attempt on cleanup, but not one still running', async () => {
    const runner = newRunner();
    runner.run(shJob('echo x'));
    await exitOf();
    runner.run(shJob('sleep 30', { jobId: '2.s' }));
    runner.cleanup('1.s', 1);
    runner.cleanup('2.s', 1);
    expect(runner.summaries().map((s) => s.jobId)).toEqual(['2.s']);
    expect(runner.output('1.s', 1)).toEqual([]);
    expect(existsSync(join(stateDir, 'aux', '1.s'))).toBe(false);
  });

  it('reports the attempts an earlier agent left running as lost, and kills what is left of them', async () => {
    const first = newRunner();
    first.run(shJob('sleep 30'));
    await until(() => facts.some((f) => f.kind === 'started'));
    const session = (facts[0] as Extract<Fact, { kind: 'started' }>).sessionId;
    const again = new Journal(stateDir);
    const second = new JobRunner({
      stateDir,
      journal: again,
      report: (entry) => facts.push(entry.fact),
      killDelayMs: KILL_DELAY,
      tmpRoot: join(stateDir, 'tmp'),
      agentEnv: process.env,
      spawn: runProgram,
    });
    expect(second.summaries()).toEqual([{ jobId: '1.s', attempt: 1, running: false }]);
    second.reportLost(again.unacked());
    await until(() => facts.some((f) => f.kind === 'lost'));
    expect(facts.find((f) => f.kind === 'lost')).toMatchObject({
      jobId: '1.s',
      attempt: 1,
      reason: 'the node agent restarted; the processes it could no longer watch were killed',
    });
    expect((await exitOf()).status).toBe(256 + 9); // the first runner saw its child killed
    expect(isAlive(session)).toBe(false);
    again.close();
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
