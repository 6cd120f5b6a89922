// qselect, qmove, qorder and qmsg: the real bin/ commands against a real head whose local node runs
// one job at a time, so that a gated blocker keeps the jobs behind it queued while the test looks
// at them. Root's jobs and real users' (alice, bob: permissions and query_other_jobs). Every
// refusal is checked with PBS's words and exit status; jobs are awaited by state, never slept for.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import { type RunResult, type TestHead, waitUntil } from '../helpers/head.js';
import { ALICE, BOB, dirOf, ensureUsers, runAs } from '../helpers/users.js';

let cluster: Cluster;
let head: TestHead;
let users: string;
const dirs: Record<string, string> = {};
/** a job that finished before the tests below (for the history and the finished-job refusals) */
let done: string;

const QSELECT_USAGE = [
  'usage: qselect [-a [op]date_time] [-A account_string] [-c [op]interval]',
  '\t[-h hold_list] [-H] [-J] [-l resource_list] [-N name] [-p [op]priority]',
  '\t[-q destination] [-r y|n] [-s states] [-t subopt[op]date_time] [-T] [-P project_name]',
  '\t[-x] [-u user_name]',
  '       qselect --version',
  '',
].join('\n');

const as = (user: string, cmd: string, args: string[]) => runAs(user, head, cmd, args, { cwd: dirs[user]! });

/** A command line run by bash as root, in the head's environment (`qdel $(qselect …)`). */
function bash(line: string): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      '/bin/bash',
      ['-c', line],
      { env: head.env, cwd: head.work, encoding: 'utf8' },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

const gatePath = (name: string) => join(head.work, `gate-${name}`);
/** `qsub` arguments of a job that runs until the test opens its gate */
const gated = (name: string) => [
  '--',
  '/bin/sh',
  '-c',
  `while [ ! -e ${gatePath(name)} ]; do sleep 0.1; done`,
];
const open = (name: string) => writeFileSync(gatePath(name), '');

/** qselect's ids, one a line, and its exit status. */
async function select(
  args: string[],
  user?: string,
): Promise<{ code: number; ids: string[]; stderr: string }> {
  const r = user ? await as(user, 'qselect', args) : await head.run('qselect', args);
  return { code: r.code, ids: r.stdout.split('\n').filter((l) => l !== ''), stderr: r.stderr };
}

const refused = (code: number, stderr: string) => ({ code, stdout: '', stderr });

beforeAll(async () => {
  ensureUsers();
  users = mkdtempSync(join(tmpdir(), 'drover-pbs-commands-'));
  chmodSync(users, 0o711);
  for (const user of [ALICE, BOB]) dirs[user] = dirOf(user, users);
  cluster = await startCluster({ name: 'pbs-commands', head: { ncpus: 1, killDelay: 1 }, shared: true });
  head = cluster.head;
  const q = await head.run('qmgr', [
    '-c',
    'create queue short',
    '-c',
    'set queue short enabled = True, started = True, resources_max.walltime = 10:00',
  ]);
  expect(q).toEqual({ code: 0, stdout: '', stderr: '' });
  done = await head.submit(['-N', 'done', '--', '/bin/true']);
  await head.waitState(done, 'F');
});

afterAll(async () => {
  await cluster?.stop();
  if (users) rmSync(users, { recursive: true, force: true });
});

describe('qselect', () => {
  let blocker: string;
  let plain: string;
  let held: string;
  let shorty: string;
  let arr: string;
  let alices: string;

  beforeAll(async () => {
    blocker = await head.submit(['-N', 'blocker', '-l', 'walltime=00:05:00', ...gated('select')]);
    await head.waitState(blocker, 'R');
    plain = await head.submit([
      '-N',
      'plain',
      '-p',
      '5',
      '-A',
      'acct1',
      '-l',
      'walltime=02:00:00',
      '--',
      '/bin/true',
    ]);
    held = await head.submit(['-h', '-N', 'held', '-P', 'proj1', '-r', 'n', '--', '/bin/true']);
    shorty = await head.submit(['-q', 'short', '-N', 'shorty', '-l', 'walltime=00:05:00', '--', '/bin/true']);
    arr = await head.submit(['-J', '1-3', '-N', 'arr', '--', '/bin/true']);
    const r = await as(ALICE, 'qsub', ['-h', '-N', 'alices', '--', '/bin/true']);
    expect(r.code).toBe(0);
    alices = r.stdout.trim();
  });

  it('lists every unfinished job one id a line (arrays as N[]), with -x the finished ones too, -H only them', async () => {
    const live = [blocker, plain, held, shorty, arr, alices];
    expect(await select([])).toEqual({ code: 0, ids: live, stderr: '' });
    expect((await select(['-x'])).ids).toEqual([done, ...live]);
    expect((await select(['-H'])).ids).toEqual([done]);
    expect(arr).toMatch(/^\d+\[\]\./);
  });

  it('filters by -u, -q, -s, -N, -h, -p, -A, -P, -r; nothing matching prints nothing and exits 0', async () => {
    const sub = (i: number) => arr.replace('[]', `[${i}]`);
    const cases: [string[], string[]][] = [
      [
        ['-u', 'root'],
        [blocker, plain, held, shorty, arr],
      ],
      [['-u', `${ALICE},nobody`], [alices]],
      [['-q', 'short'], [shorty]],
      [['-q', `short@${head.server}`], [shorty]],
      [['-s', 'R'], [blocker]],
      [
        ['-s', 'QH'],
        [plain, held, shorty, arr, alices],
      ],
      [['-s', 'H', '-u', 'root'], [held]],
      [['-N', 'held'], [held]],
      [
        ['-h', 'u'],
        [held, alices],
      ],
      [['-p.gt.0'], [plain]],
      [['-A', 'acct1'], [plain]],
      [['-P', 'proj1'], [held]],
      [['-r', 'n'], [held]],
      [['-u', 'nobody'], []],
      [['-J'], [arr]],
      [
        ['-T', '-J'],
        [sub(1), sub(2), sub(3)],
      ],
      [
        ['-T', '-s', 'Q', '-u', 'root'],
        [plain, shorty, sub(1), sub(2), sub(3)],
      ],
    ];
    // read-only: side by side
    const got = await Promise.all(cases.map(([args]) => select(args)));
    cases.forEach(([args, ids], i) => {
      expect(got[i], args.join(' ')).toEqual({ code: 0, ids, stderr: '' });
    });
  });

  it('-l compares resources by their kind (name.op.value, ops eq ne ge gt le lt)', async () => {
    const got = await Promise.all(
      [
        'walltime.gt.01:00:00',
        'walltime.eq.300',
        'walltime.ge.00:05:00,walltime.lt.1:00:00',
        'ncpus.ne.1',
      ].map(async (l) => (await select(['-l', l])).ids),
    );
    expect(got).toEqual([[plain], [blocker, shorty], [blocker, shorty], []]);
  });

  it("refuses bad filters with qselect's messages and exit statuses", async () => {
    const runs = await Promise.all(
      [
        ['-l', 'walltime.gt'],
        ['-s', 'Z'],
        ['-l', 'foo.eq.1'],
        ['-l', 'walltime.gt.soon'],
        ['-q', 'nosuch'],
        ['12'],
        ['-q', 'short@elsewhere'],
      ].map((args) => head.run('qselect', args)),
    );
    expect(runs).toEqual([
      refused(2, `qselect: illegal -l value\nresource_list: walltime.gt\n${QSELECT_USAGE}`),
      refused(2, `qselect: illegal -s value\n${QSELECT_USAGE}`),
      refused(187, 'qselect: Unknown resource Resource_List.foo\n'),
      refused(166, 'qselect: Illegal attribute or resource value\n'),
      refused(170, 'qselect: Unknown queue queue\n'),
      refused(2, QSELECT_USAGE),
      refused(111, 'qselect: cannot connect to server elsewhere\n'),
    ]);
  });

  it('with query_other_jobs = False a user selects among her own jobs only', async () => {
    expect((await head.run('qmgr', ['-c', 'set server query_other_jobs = False'])).code).toBe(0);
    try {
      expect(await select([], ALICE)).toEqual({ code: 0, ids: [alices], stderr: '' });
      expect(await select(['-u', 'root'], BOB)).toEqual({ code: 0, ids: [], stderr: '' });
      expect((await select(['-u', 'root'])).ids).toEqual([blocker, plain, held, shorty, arr]);
    } finally {
      await head.run('qmgr', ['-c', 'unset server query_other_jobs']);
    }
    expect((await select([], BOB)).ids).toContain(alices);
  });

  it('qdel $(qselect -u root -s Q) deletes exactly root’s queued jobs', async () => {
    expect(await bash('qdel $(qselect -u root -s Q)')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await select(['-u', 'root', '-s', 'Q'])).toEqual({ code: 0, ids: [], stderr: '' });
    expect((await select([])).ids).toEqual([blocker, held, alices]);
    for (const id of [plain, shorty, arr]) expect(await head.state(id)).toBe('F');
    expect((await head.run('qdel', [held])).code).toBe(0);
    expect((await as(ALICE, 'qdel', [alices])).code).toBe(0);
    open('select');
    await head.waitState(blocker, 'F');
  });
});

describe('qmove', () => {
  let blocker: string;
  let mover: string;
  let long: string;

  beforeAll(async () => {
    blocker = await head.submit(['-N', 'blocker', ...gated('move')]);
    await head.waitState(blocker, 'R');
    mover = await head.submit(['-N', 'mover', '--', '/bin/true']);
    long = await head.submit(['-N', 'long', '-l', 'walltime=01:00:00', '--', '/bin/true']);
  });

  it('moves a queued job to another queue: qstat shows it there, tracejob says so, it runs there', async () => {
    expect(await head.run('qmove', ['short', mover])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await head.json(mover))?.queue).toBe('short');
    expect((await select(['-q', 'short'])).ids).toEqual([mover]);
    expect((await head.run('tracejob', [mover])).stdout).toMatch(
      /Job moved to short at request of root@\S+\n/,
    );
    // back again: `queue@server` names this server
    expect((await head.run('qmove', [`workq@${head.server}`, mover])).code).toBe(0);
    expect((await head.json(mover))?.queue).toBe('workq');
    expect((await head.run('qmove', ['short', mover])).code).toBe(0);
  });

  it('refuses what the destination queue would refuse at submission, running jobs, and bad requests', async () => {
    const runs = await Promise.all(
      [
        ['short', long],
        ['short', blocker],
        ['nosuch', long],
        ['short', done],
        ['short', '99999'],
        ['a@b@c', long],
        ['short'],
        ['short', '99999', blocker],
      ].map((args) => head.run('qmove', args)),
    );
    expect(runs).toEqual([
      refused(
        188,
        `qmove: Job violates queue and/or server resource limits (walltime 01:00:00 > 00:10:00, the most queue short allows) ${long}\n`,
      ),
      refused(168, `qmove: Request invalid for state of job ${blocker}\n`),
      refused(170, `qmove: Unknown queue ${long}\n`),
      refused(35, 'qmove: Job has finished\n'),
      refused(153, `qmove: Unknown Job Id 99999.${head.server}\n`),
      refused(2, 'qmove: illegally formed destination: a@b@c\n'),
      refused(2, 'usage: qmove destination job_identifier...\n       qmove --version\n'),
      // each failure is printed; the last one's status is the command's
      refused(
        168,
        `qmove: Unknown Job Id 99999.${head.server}\nqmove: Request invalid for state of job ${blocker}\n`,
      ),
    ]);
    expect((await head.json(long))?.queue).toBe('workq');
  });

  it('is for the job’s owner, operators and managers; an array moves whole, a subjob not at all', async () => {
    expect(await as(BOB, 'qmove', ['short', long])).toEqual(
      refused(159, `qmove: Unauthorized Request  ${long}\n`),
    );
    const r = await as(ALICE, 'qsub', ['-h', '-J', '1-2', '--', '/bin/true']);
    const arr = r.stdout.trim();
    expect(await as(ALICE, 'qmove', ['short', arr])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await select(['-T', '-q', 'short', '-u', ALICE])).ids).toEqual(
      [1, 2].map((i) => arr.replace('[]', `[${i}]`)),
    );
    const sub = arr.replace('[]', '[1]');
    expect(await as(ALICE, 'qmove', ['workq', sub])).toEqual(refused(156, `qmove: Invalid request ${sub}\n`));
    expect((await as(ALICE, 'qdel', [arr])).code).toBe(0);
    expect((await head.run('qdel', [long])).code).toBe(0);
    open('move');
    await head.waitState(mover, 'F');
    expect((await head.json(mover))?.queue).toBe('short');
  });
});

describe('qorder', () => {
  it('swaps two queued jobs: the one submitted later runs first', async () => {
    const blocker = await head.submit(['-N', 'blocker', ...gated('order')]);
    await head.waitState(blocker, 'R');
    const first = await head.submit(['-N', 'first', ...gated('first')]);
    const second = await head.submit(['-N', 'second', ...gated('second')]);
    await head.waitComment(first);
    expect(await head.run('qorder', [first, second])).toEqual({ code: 0, stdout: '', stderr: '' });

    const runs = await Promise.all([
      head.run('qorder', [blocker, first]),
      head.run('qorder', [first, '99999']),
      head.run('qorder', [first, done]),
      as(BOB, 'qorder', [first, second]),
      head.run('qorder', ['1.one', '2.other']),
      head.run('qorder', [first]),
    ]);
    expect(runs).toEqual([
      refused(168, `qorder: Request invalid for state of job ${blocker} or ${first}\n`),
      refused(153, `qorder: Unknown Job Id ${first} or 99999.${head.server}\n`),
      refused(35, 'qorder: Job has finished\n'),
      refused(159, `qorder: Unauthorized Request  ${first} or ${second}\n`),
      refused(1, 'qorder: both jobs ids must specify the same server\n'),
      refused(2, 'usage: qorder job_identifier job_identifier\n       qorder --version\n'),
    ]);

    open('order');
    await head.waitState(second, 'R');
    expect(await head.state(first)).toBe('Q');
    open('second');
    await head.waitState(first, 'R');
    open('first');
    await head.waitState(first, 'F');
  });
});

describe('qmsg', () => {
  it('writes a line into a running job’s stderr (default), stdout (-O) or both, between its own lines', async () => {
    const out = join(head.work, 'talk.out');
    const err = join(head.work, 'talk.err');
    const script = `echo start\nwhile [ ! -e ${gatePath('talk')} ]; do sleep 0.1; done\necho end\necho err-end >&2\n`;
    const talk = await head.submit(['-N', 'talk', '-o', out, '-e', err], script);
    await head.waitState(talk, 'R');
    await waitUntil(
      async () => (await head.run('drover', ['peek', talk])).stdout === 'start\n' || undefined,
      10_000,
      'the job to print start',
    );
    const queued = await head.submit(['-N', 'queued', '--', '/bin/true']);
    const arr = await head.submit(['-J', '1-2', '--', '/bin/true']);

    expect(await head.run('qmsg', ['hello from qmsg', talk])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await head.run('qmsg', ['-O', 'to stdout', talk])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await head.run('qmsg', ['-E', '-O', 'both', talk])).toEqual({ code: 0, stdout: '', stderr: '' });
    // at most 256 characters of a message, as PBS's qmsg sends
    expect((await head.run('qmsg', ['x'.repeat(300), talk])).code).toBe(0);

    const runs = await Promise.all([
      head.run('qmsg', ['hi', queued]),
      head.run('qmsg', ['hi', arr]),
      head.run('qmsg', ['hi', done]),
      head.run('qmsg', ['hi', '99999']),
      as(BOB, 'qmsg', ['hi', talk]),
      head.run('qmsg', ['hi']),
    ]);
    expect(runs).toEqual([
      refused(168, `qmsg: Request invalid for state of job ${queued}\n`),
      refused(157, `qmsg: not supported for Array Jobs ${arr}\n`),
      refused(35, 'qmsg: Job has finished\n'),
      refused(153, `qmsg: Unknown Job Id 99999.${head.server}\n`),
      refused(159, `qmsg: Unauthorized Request  ${talk}\n`),
      refused(2, 'usage: qmsg [-O] [-E] msg_string job_identifier...\n       qmsg --version\n'),
    ]);

    expect((await head.run('qdel', [queued, arr])).code).toBe(0);
    open('talk');
    await head.waitState(talk, 'F');
    expect(readFileSync(out, 'utf8')).toBe('start\nto stdout\nboth\nend\n');
    expect(readFileSync(err, 'utf8')).toBe(`hello from qmsg\nboth\n${'x'.repeat(256)}\nerr-end\n`);
  });
});
