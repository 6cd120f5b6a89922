// PBS fidelity of what admins and users see around job control, on a real head with its local
// node and the real commands: the hold comment names the user alone; `qdel -x` deletes a job's
// history (at once when it has finished, once it has ended otherwise) from the database; every
// command names a job by its full id `SEQ.server` however it was typed; `qmgr set server
// scheduling = False` pauses the scheduler and survives a restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import { type RunResult, type TestHead, waitUntil } from '../helpers/head.js';
import { BOB, dirOf, ensureUsers, OPER, runAs } from '../helpers/users.js';

let cluster: Cluster;
let head: TestHead;
let base: string;
const dirs: Record<string, string> = {};
const ME = userInfo().username;

const as = (user: string, cmd: string, args: string[]) => runAs(user, head, cmd, args, { cwd: dirs[user]! });
const silent = (r: RunResult) => expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
const seqOf = (id: string) => Number(id.split(/[.[]/)[0]);

/** The rows the database holds of job `seq` and of its subjobs, table by table. */
function rowsOf(seqs: number[]): Record<string, number> {
  const db = new Database(join(head.stateDir, 'head.db'), { readonly: true });
  try {
    const list = JSON.stringify(seqs);
    const count = (sql: string) => db.prepare(sql).pluck().get(list) as number;
    const IN = 'IN (SELECT value FROM json_each(?))';
    return {
      jobs: count(`SELECT count(*) FROM jobs WHERE seq ${IN}`),
      job_events: count(`SELECT count(*) FROM job_events WHERE seq ${IN}`),
      job_scripts: count(`SELECT count(*) FROM job_scripts WHERE seq ${IN}`),
      allocations: count(`SELECT count(*) FROM allocations WHERE seq ${IN}`),
    };
  } finally {
    db.close();
  }
}

/** The seqs of a job and of its subjobs, as stored. */
function familyOf(id: string): number[] {
  const db = new Database(join(head.stateDir, 'head.db'), { readonly: true });
  try {
    const seq = seqOf(id);
    return db
      .prepare('SELECT seq FROM jobs WHERE seq = ? OR array_parent = ?')
      .pluck()
      .all(seq, seq) as number[];
  } finally {
    db.close();
  }
}

const NONE = { jobs: 0, job_events: 0, job_scripts: 0, allocations: 0 };

/** `qstat -x ID` says the job is unknown (its history is gone). */
async function gone(id: string): Promise<void> {
  const r = await head.run('qstat', ['-x', id]);
  expect(r).toEqual({ code: 153, stdout: '', stderr: `qstat: Unknown Job Id ${id}\n` });
}

async function untilGone(id: string): Promise<void> {
  await waitUntil(
    async () => ((await head.run('qstat', ['-x', id])).code === 153 ? true : undefined),
    30_000,
    `the history of ${id} to go`,
  );
  await gone(id);
}

beforeAll(async () => {
  ensureUsers();
  base = mkdtempSync(join(tmpdir(), 'drover-fidelity-'));
  for (const u of [BOB, OPER]) dirs[u] = dirOf(u, base);
  // other users reach head.sock through the head's home
  cluster = await startCluster({ head: { ncpus: 2, mem: '1gb' }, shared: true });
  head = cluster.head;
  silent(await head.run('qmgr', ['-c', `set server operators += ${OPER}@*`]));
});

afterAll(async () => {
  await cluster?.stop();
  if (base) rmSync(base, { recursive: true, force: true });
});

describe('qmgr: set server scheduling', () => {
  it('False: no job starts (a running one goes on), qstat -B says Idle; it survives a restart; unset starts the queue at once', async () => {
    const running = await head.submit(['-N', 'long', '--', '/bin/sleep', '60']);
    await head.waitState(running, 'R');
    silent(await head.run('qmgr', ['-c', 'set server scheduling = False']));
    const queued = await head.submit(['-N', 'later', '--', '/bin/true']);
    // the pass this submission caused has run before the next command is answered
    expect(await head.state(queued)).toBe('Q');
    expect(await head.state(running)).toBe('R');
    const server = head.server.padEnd(16);
    expect(await head.run('qstat', ['-B'])).toEqual({
      code: 0,
      stderr: '',
      stdout:
        'Server             Max   Tot   Que   Run   Hld   Wat   Trn   Ext Status\n' +
        '---------------- ----- ----- ----- ----- ----- ----- ----- ----- -----------\n' +
        `${server}     0     2     1     1     0     0     0     0 Idle      \n`,
    });
    const full = (await head.run('qstat', ['-B', '-f'])).stdout.split('\n');
    expect(full.slice(0, 4)).toEqual([
      `Server: ${head.server}`,
      '    server_state = Idle',
      `    server_host = ${head.server}`,
      '    scheduling = False',
    ]);
    expect((await head.run('qmgr', ['-c', 'list server'])).stdout.split('\n')).toContain(
      '    scheduling = False',
    );
    const printed = (await head.run('qmgr', ['-c', 'print server'])).stdout.split('\n');
    expect(printed.slice(printed.indexOf('# Set server attributes.') + 2).slice(0, 2)).toEqual([
      'set server scheduling = False',
      'set server default_queue = workq',
    ]);
    // users may not turn it back on; a bad value is refused
    expect(await as(BOB, 'qmgr', ['-c', 'set server scheduling = True'])).toEqual({
      code: 159,
      stdout: '',
      stderr: 'qmgr: Unauthorized Request\n',
    });
    expect(await head.run('qmgr', ['-c', 'set server scheduling = maybe'])).toEqual({
      code: 166,
      stdout: '',
      stderr: 'qmgr: Illegal attribute or resource value scheduling\n',
    });

    // kept in the database: a head started again still does not schedule
    await head.kill9();
    await head.start();
    const again = (await head.run('qstat', ['-B', '-f'])).stdout.split('\n');
    expect(again.slice(1, 4)).toEqual([
      '    server_state = Idle',
      `    server_host = ${head.server}`,
      '    scheduling = False',
    ]);
    const another = await head.submit(['-N', 'after', '--', '/bin/true']);
    expect(await head.state(another)).toBe('Q');
    expect(await head.state(queued)).toBe('Q');

    silent(await head.run('qmgr', ['-c', 'unset server scheduling']));
    await head.waitState(queued, 'F');
    await head.waitState(another, 'F');
    expect((await head.run('qstat', ['-B', '-f'])).stdout.split('\n').slice(1, 4)).toEqual([
      '    server_state = Active',
      `    server_host = ${head.server}`,
      '    scheduling = True',
    ]);
    // an operator pauses and resumes it too (PBS: operators and managers write it)
    silent(await as(OPER, 'qmgr', ['-c', 'set server scheduling = false']));
    silent(await as(OPER, 'qmgr', ['-c', 'set server scheduling = true']));
    silent(await head.run('qdel', [running]));
  });
});

describe('the hold comment', () => {
  it('qhold writes `Job held by USER on DATE`: the user alone, the date as ctime', async () => {
    const id = await head.submit(['-h', '--', '/bin/true']);
    silent(await head.run('qhold', ['-h', 'o', id]));
    const job = await head.json(id);
    expect(job?.comment).toBe(`Job held by ${ME} on ${job?.mtime}`);
    expect(job?.comment).toMatch(
      /^Job held by \S+ on (Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}$/,
    );
    silent(await head.run('qrls', ['-h', 'uo', id]));
    await head.waitState(id, 'F');
  });
});

describe('qdel -x deletes the history', () => {
  it('of a finished job: silent, exit 0; qstat -x then knows no such job; nothing of it is left in the database', async () => {
    const id = await head.submit(['--', '/bin/true']);
    await head.waitState(id, 'F');
    const seqs = familyOf(id);
    expect(rowsOf(seqs).job_events).toBeGreaterThan(0);
    silent(await head.run('qdel', ['-x', id]));
    await gone(id);
    expect(rowsOf(seqs)).toEqual(NONE);
    expect(await head.run('tracejob', [id])).toMatchObject({ code: 153 });
    expect(await head.run('qdel', ['-x', id])).toEqual({
      code: 153,
      stdout: '',
      stderr: `qdel: Unknown Job Id ${id}\n`,
    });
  });

  it('of a finished array with its subjobs; a finished subjob alone is refused (55)', async () => {
    const id = await head.submit(['-J', '1-2', '--', '/bin/true']);
    await head.waitState(id, 'F');
    const seq = seqOf(id);
    const seqs = familyOf(id);
    expect(seqs).toHaveLength(3);
    expect(await head.run('qdel', ['-x', `${seq}[1]`])).toEqual({
      code: 55,
      stdout: '',
      stderr: `qdel: Request invalid for finished array subjob ${seq}[1].${head.server}\n`,
    });
    silent(await head.run('qdel', ['-x', id]));
    await gone(id);
    await gone(`${seq}[1].${head.server}`);
    expect(rowsOf(seqs)).toEqual(NONE);
  });

  it('of a waiting job: deleted as qdel does, and its record goes with it', async () => {
    const id = await head.submit(['-h', '--', '/bin/true']);
    const seqs = familyOf(id);
    silent(await head.run('qdel', ['-x', id]));
    await gone(id);
    expect(rowsOf(seqs)).toEqual(NONE);
  });

  it('of a running job and a running array: killed as qdel does, their records go once they have ended', async () => {
    const job = await head.submit(['--', '/bin/sleep', '60']);
    const array = await head.submit(['-J', '1-3', '--', '/bin/sleep', '60']);
    await head.waitState(job, 'R');
    await head.waitState(array, 'B');
    const seqs = [...familyOf(job), ...familyOf(array)];
    silent(await head.run('qdel', ['-x', job, array]));
    await untilGone(job);
    await untilGone(array);
    expect(rowsOf(seqs)).toEqual(NONE);
  });

  it("of another user's job: refused to a user (159), done by an operator", async () => {
    const id = await head.submit(['--', '/bin/true']);
    await head.waitState(id, 'F');
    expect(await as(BOB, 'qdel', ['-x', String(seqOf(id))])).toEqual({
      code: 159,
      stdout: '',
      stderr: `qdel: Unauthorized Request  ${id}\n`,
    });
    expect((await head.run('qstat', ['-x', id])).code).toBe(0);
    silent(await as(OPER, 'qdel', ['-x', id]));
    await gone(id);
  });
});

describe('every command names a job by its full id, however it was typed', () => {
  it('an unknown job: qdel, qhold, qrls, qrerun, qalter and qstat say Unknown Job Id SEQ.server (153)', async () => {
    const full = `99999.${head.server}`;
    for (const typed of ['99999', full]) {
      for (const [cmd, args] of [
        ['qdel', []],
        ['qhold', []],
        ['qrls', []],
        ['qrerun', []],
        ['qalter', ['-N', 'x']],
        ['qstat', []],
      ] as const) {
        expect(await head.run(cmd, [...args, typed])).toEqual({
          code: 153,
          stdout: '',
          stderr: `${cmd}: Unknown Job Id ${full}\n`,
        });
      }
    }
  });

  it('a finished job typed as its number: qdel names it in full (35), the others say it has finished', async () => {
    const id = await head.submit(['--', '/bin/true']);
    await head.waitState(id, 'F');
    const typed = String(seqOf(id));
    expect(await head.run('qdel', [typed])).toEqual({
      code: 35,
      stdout: '',
      stderr: `qdel: Job has finished ${id}\n`,
    });
    for (const [cmd, args] of [
      ['qhold', []],
      ['qrls', []],
      ['qrerun', []],
      ['qalter', ['-N', 'x']],
    ] as const) {
      expect(await head.run(cmd, [...args, typed])).toEqual({
        code: 35,
        stdout: '',
        stderr: `${cmd}: Job has finished\n`,
      });
    }
  });

  it("another user's job typed as its number: Unauthorized Request  SEQ.server (159)", async () => {
    const id = await head.submit(['-h', '--', '/bin/true']);
    const typed = String(seqOf(id));
    for (const [cmd, args] of [
      ['qdel', []],
      ['qhold', []],
      ['qrls', []],
      ['qrerun', []],
      ['qalter', ['-N', 'x']],
    ] as const) {
      expect(await as(BOB, cmd, [...args, typed])).toEqual({
        code: 159,
        stdout: '',
        stderr: `${cmd}: Unauthorized Request  ${id}\n`,
      });
    }
    silent(await head.run('qdel', [typed]));
  });

  it('what is no job id is named as typed (exit 1)', async () => {
    for (const cmd of ['qdel', 'qhold', 'qrerun']) {
      expect(await head.run(cmd, ['abc'])).toEqual({
        code: 1,
        stdout: '',
        stderr: `${cmd}: illegally formed job identifier: abc\n`,
      });
    }
  });
});
