// qsig on a real cluster: a head with its local node and one sshd node (127.0.0.150). A job whose
// script runs on the SSH node and a pbsdsh task on the local node catches SIGUSR1 on both; it is
// suspended (every process stopped, state S, its CPU free for another job), survives a head
// restart suspended, resumes once its CPU is free again, and its walltime did not run meanwhile.
// PBS's refusals: a job not running, a name PBS does not know, a user suspending, another's job.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import { type TestHead, waitUntil } from '../helpers/head.js';
import { ALICE, BOB, dirOf, ensureUsers, OPER, runAs } from '../helpers/users.js';

const LOCAL = hostname().split('.')[0]!;
/** The suspended job's walltime limit (s): it is suspended longer than that, and not killed. */
const WALLTIME = 12;
let cluster: Cluster;
let head: TestHead;
let base: string;
const dirs: Record<string, string> = {};

/** The one-letter state of a process (`T` stopped), or undefined once it is gone. */
function procState(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
  } catch {
    return undefined;
  }
}

const loopUntil = (file: string) => `while [ ! -e ${file} ]; do sleep 0.2; done`;
const seconds = (hms: string) => hms.split(':').reduce((s, part) => s * 60 + Number(part), 0);
const pidIn = (file: string) => Number(readFileSync(file, 'utf8').trim());
const waitFile = (file: string) => waitUntil(() => existsSync(file) || undefined, 30_000, file);
const waitProcs = (pids: number[], want: (state: string | undefined) => boolean, what: string) =>
  waitUntil(() => pids.every((p) => want(procState(p))) || undefined, 10_000, what);

beforeAll(async () => {
  ensureUsers();
  base = mkdtempSync(join(tmpdir(), 'drover-qsig-'));
  for (const u of [ALICE, BOB, OPER]) dirs[u] = dirOf(u, base);
  cluster = await startCluster({
    name: 'qsig',
    shared: true,
    head: { local: true, ncpus: 2, killDelay: 1 },
    nodes: [{ name: 's1', address: '127.0.0.150', args: ['--ncpus', '1'] }],
  });
  head = cluster.head;
  const admin = await head.run('qmgr', ['-c', `set server operators += ${OPER}@*`]);
  expect(admin.code).toBe(0);
});

afterAll(async () => {
  await cluster?.stop();
  rmSync(base, { recursive: true, force: true });
});

describe('qsig', () => {
  it('signals, suspends and resumes a job on an SSH node and its pbsdsh task on the local node', async () => {
    const d = join(head.work, 'sig');
    const loop = loopUntil(`${d}.stop`);
    const task = `trap "echo task >> ${d}.usr1-task" USR1; echo $$ > ${d}.task-pid; ${loop}`;
    writeFileSync(
      join(head.work, 'sig.sh'),
      [
        '#PBS -N sig',
        `#PBS -l select=1:ncpus=1:host=s1+1:ncpus=1:host=${LOCAL}`,
        `#PBS -l walltime=00:00:${WALLTIME}`,
        `trap 'echo script >> ${d}.usr1-script' USR1`,
        `pbsdsh -n 1 -o -- /bin/sh -c '${task}'`,
        `echo $$ > ${d}.script-pid`,
        loop,
        'echo done',
        '',
      ].join('\n'),
    );
    const submittedAt = Date.now();
    const id = await head.submit(['sig.sh']);
    await head.waitState(id, 'R');
    await waitFile(`${d}.script-pid`);
    await waitFile(`${d}.task-pid`);
    const pids = [pidIn(`${d}.script-pid`), pidIn(`${d}.task-pid`)];

    // a real signal reaches the script on its node and the task on the other; neither ends
    expect(await head.run('qsig', ['-s', 'USR1', id])).toEqual({ code: 0, stdout: '', stderr: '' });
    await waitFile(`${d}.usr1-script`);
    await waitFile(`${d}.usr1-task`);
    expect(await head.state(id)).toBe('R');
    // a name PBS does not know (names are upper case) is refused once the job runs
    expect(await head.run('qsig', ['-s', 'usr1', id])).toEqual({
      code: 165,
      stdout: '',
      stderr: `qsig: Unknown/illegal signal name ${id}\n`,
    });

    // suspended: every process stopped on both nodes, S in every qstat form, its CPUs free
    expect(await head.run('qsig', ['-s', 'suspend', id])).toEqual({ code: 0, stdout: '', stderr: '' });
    await waitProcs(pids, (s) => s === 'T', 'the job’s processes to stop');
    const stoppedAt = Date.now();
    expect(await head.state(id)).toBe('S');
    const full = await head.run('qstat', ['-f', id]);
    expect(full.stdout).toContain('    job_state = S\n');
    expect(full.stdout).toContain('    substate = 43\n');
    expect((await head.run('qstat', [id])).stdout).toMatch(/^\S+\s+sig\s+root\s+\S+ S workq\s*$/m);
    // a suspended job takes no signal but SIGKILL, and no second suspension
    for (const signal of ['USR1', 'suspend']) {
      expect(await head.run('qsig', ['-s', signal, id])).toEqual({
        code: 168,
        stdout: '',
        stderr: `qsig: Request invalid for state of job ${id}\n`,
      });
    }

    // its CPU on s1 is free: another job runs there; a resume waits for it
    const other = await head.submit([
      '-l',
      'select=1:ncpus=1:host=s1',
      '--',
      '/bin/sh',
      '-c',
      loopUntil(`${d}.stop2`),
    ]);
    await head.waitState(other, 'R');
    expect(await head.run('qsig', ['-s', 'resume', id])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await head.json(id)).toMatchObject({ job_state: 'S', substate: 45 });

    // the head restarts: the job is still suspended, its processes still stopped
    await head.kill9();
    await head.start();
    expect(await head.json(id)).toMatchObject({ job_state: 'S', substate: 45 });
    expect(pids.map(procState)).toEqual(['T', 'T']);

    // past its walltime in wall time, it was never charged for the time it stood still
    const past = (WALLTIME + 2) * 1000;
    await waitUntil(() => Date.now() - submittedAt > past || undefined, past, 'the walltime to pass');
    const resumable = Date.now();
    writeFileSync(`${d}.stop2`, '');
    await head.waitState(other, 'F');
    await head.waitState(id, 'R');
    await waitProcs(pids, (s) => s !== undefined && s !== 'T', 'the job’s processes to go on');
    writeFileSync(`${d}.stop`, '');
    const done = await head.waitState(id, 'F');
    expect(done.Exit_status).toBe(0);
    // its walltime: the time it ran, which leaves out at least the time it surely stood still
    const ran = seconds(String((done.resources_used as Record<string, string>).walltime));
    expect(ran).toBeLessThanOrEqual(
      Math.ceil((Date.now() - submittedAt - (resumable - stoppedAt)) / 1000) + 1,
    );
    expect(readFileSync(join(head.work, `sig.o${id.split('.')[0]}`), 'utf8')).toBe('done\n');
    expect(readFileSync(`${d}.usr1-script`, 'utf8')).toBe('script\n');
    expect(readFileSync(`${d}.usr1-task`, 'utf8')).toBe('task\n');

    const trace = (await head.run('tracejob', [id])).stdout;
    expect(trace).toMatch(/job signaled with USR1 by root@/);
    expect(trace).toMatch(/Job suspended at request of root@\S+, its resources released \(attempt 1\)/);
    expect(trace).toMatch(/Job to be resumed at request of root@\S+ once its resources are free/);
    expect(trace).toMatch(/Job resumed, its resources taken again \(attempt 1\)/);
  });

  it('qdel of a suspended job kills it (continued after SIGTERM): Exit_status 271', async () => {
    const pidFile = join(head.work, 'del.pid');
    const id = await head.submit([
      '-l',
      `select=1:ncpus=1:host=${LOCAL}`,
      '--',
      '/bin/sh',
      '-c',
      `echo $$ > ${pidFile}; exec sleep 300`,
    ]);
    await head.waitState(id, 'R');
    await waitFile(pidFile);
    const pid = pidIn(pidFile);
    expect((await head.run('qsig', ['-s', 'suspend', id])).code).toBe(0);
    await waitProcs([pid], (s) => s === 'T', 'the job to stop');
    expect((await head.run('qdel', [id])).code).toBe(0);
    const done = await head.waitState(id, 'F');
    expect(done.Exit_status).toBe(271);
    expect(procState(pid)).toBeUndefined();
  });

  it('refuses jobs that do not run: queued (even with an unknown name) 168, finished 35', async () => {
    const held = await head.submit(['-h', '--', '/bin/true']);
    for (const signal of ['USR1', 'suspend', 'resume', 'NOSUCH']) {
      expect(await head.run('qsig', ['-s', signal, held])).toEqual({
        code: 168,
        stdout: '',
        stderr: `qsig: Request invalid for state of job ${held}\n`,
      });
    }
    const gone = await head.submit(['--', '/bin/true']);
    await head.waitState(gone, 'F');
    expect(await head.run('qsig', [gone])).toEqual({
      code: 35,
      stdout: '',
      stderr: 'qsig: Job has finished\n',
    });
    expect(await head.run('qsig', ['999999'])).toMatchObject({
      code: 153,
      stderr: expect.stringMatching(/^qsig: Unknown Job Id 999999\.\S+\n$/),
    });
    expect(await head.run('qsig', [])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('usage: qsig'),
    });
    await head.run('qdel', [held]);
  });

  it('users may signal their own jobs, not suspend them; another user’s job is not theirs to signal', async () => {
    const r = await runAs(ALICE, head, 'qsub', ['-h', '--', '/bin/true'], { cwd: dirs[ALICE]! });
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    const as = (user: string, args: string[]) => runAs(user, head, 'qsig', args, { cwd: dirs[user]! });
    const unauthorized = { code: 159, stdout: '', stderr: `qsig: Unauthorized Request  ${id}\n` };
    const badState = { code: 168, stdout: '', stderr: `qsig: Request invalid for state of job ${id}\n` };
    expect(await as(ALICE, ['-s', 'suspend', id])).toEqual(unauthorized);
    expect(await as(ALICE, ['-s', 'resume', id])).toEqual(unauthorized);
    expect(await as(ALICE, ['-s', 'USR1', id])).toEqual(badState);
    expect(await as(BOB, ['-s', 'USR1', id])).toEqual(unauthorized);
    expect(await as(OPER, ['-s', 'suspend', id])).toEqual(badState);
    await head.run('qdel', [id]);
  });
});
