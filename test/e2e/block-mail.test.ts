// qsub -W block=true and job mail, on a real head and its local node: qsub prints the id, waits,
// and exits with the job's Exit_status (8 bits), 3 when the job is deleted, 2 on a signal; it
// outlives a head SIGKILLed and restarted under it. Mail goes through a fake sendmail (given with
// --mail-command) that keeps each mail's arguments and text: PBS's subject and body lines for
// begin, end and abort, -m n, -M, a qdel by someone else than the owner, a missing mailer.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import { BIN, type RunResult, stopPid, type TestHead, waitUntil } from '../helpers/head.js';
import { ALICE, dirOf, ensureUsers, runAs } from '../helpers/users.js';

let cluster: Cluster;
let head: TestHead;
let base: string;
let mailDir: string;
let sendmail: string;
let aliceDir: string;
const host = hostname();
const started = new Set<number>();

interface Sent {
  argv: string[];
  text: string;
}

/** Every mail the fake sendmail took so far (a directory each: its arguments, then its text). */
function mails(): Sent[] {
  return readdirSync(mailDir).flatMap((d) => {
    const text = join(mailDir, d, 'text');
    if (!existsSync(text)) return [];
    const argv = readFileSync(join(mailDir, d, 'argv'), 'utf8')
      .split('\n')
      .slice(0, -1);
    return [{ argv, text: readFileSync(text, 'utf8') }];
  });
}

const about = (id: string) => mails().filter((m) => m.text.includes(`\nPBS Job Id: ${id}\n`));

/** Wait for a mail about `id` whose text has `line`. */
function mailWith(id: string, line: string): Promise<Sent> {
  return waitUntil(
    () => about(id).find((m) => m.text.split('\n').includes(line)),
    30_000,
    `a mail about ${id} with "${line}"`,
  );
}

const headers = (to: string, id: string, name: string) => [
  `To: ${to}`,
  `Subject: PBS JOB ${id}`,
  '',
  `PBS Job Id: ${id}`,
  `Job Name:   ${name}`,
];

/** A qsub left running: its id once printed, its end. Stopped by PID in afterAll if still there. */
function qsubInBackground(args: string[]) {
  const child: ChildProcess = spawn(join(BIN, 'qsub'), args, { env: head.env, cwd: head.work });
  started.add(child.pid!);
  let stdout = '';
  let stderr = '';
  let printed: (id: string) => void = () => undefined;
  const id = new Promise<string>((r) => {
    printed = r;
  });
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (stdout.includes('\n')) printed(stdout.split('\n')[0]!);
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<RunResult>((r) =>
    child.on('close', (code) => {
      started.delete(child.pid!);
      r({ code: code ?? -1, stdout, stderr });
    }),
  );
  return { child, id, done };
}

beforeAll(async () => {
  ensureUsers();
  base = mkdtempSync(join(tmpdir(), 'drover-mail-'));
  chmodSync(base, 0o711);
  aliceDir = dirOf(ALICE, base);
  mailDir = join(base, 'mails');
  mkdirSync(mailDir);
  sendmail = join(base, 'sendmail');
  writeFileSync(
    sendmail,
    `#!/bin/sh\nm=$(mktemp -d ${mailDir}/mail.XXXXXX)\nfor a in "$@"; do printf '%s\\n' "$a"; done > "$m/argv"\ncat > "$m/part"\nmv "$m/part" "$m/text"\n`,
  );
  chmodSync(sendmail, 0o755);
  cluster = await startCluster({ head: { ncpus: 4, extraArgs: ['--mail-command', sendmail] }, shared: true });
  head = cluster.head;
});

afterAll(async () => {
  for (const pid of started) await stopPid(pid);
  await cluster?.stop();
  rmSync(base, { recursive: true, force: true });
});

describe('qsub -W block=true', () => {
  it("prints the id, waits, and exits with the job's Exit_status", async () => {
    const r = await head.run('qsub', ['-W', 'block=true', '--', '/bin/sh', '-c', 'exit 5']);
    expect(r).toMatchObject({ code: 5, stderr: '' });
    expect(r.stdout).toMatch(new RegExp(`^\\d+\\.${head.server}\\n$`));
    expect((await head.json(r.stdout.trim()))?.Exit_status).toBe(5);
  });

  it('exits with 8 bits of it: a job killed by SIGTERM (271) makes 15', async () => {
    const r = await head.run('qsub', ['-W', 'block=true', '--', '/bin/sh', '-c', 'kill -TERM $$']);
    expect(r.code).toBe(15);
    expect((await head.json(r.stdout.trim()))?.Exit_status).toBe(271);
  });

  it('exits 3 with who deleted it when the job is deleted before it runs', async () => {
    const q = qsubInBackground(['-h', '-W', 'block=true', '--', '/bin/true']);
    const id = await q.id;
    expect((await head.run('qdel', [id])).code).toBe(0);
    expect(await q.done).toEqual({
      code: 3,
      stdout: `${id}\n`,
      stderr: `qsub: ${id} Job to be deleted at request of root@${host}\n`,
    });
  });

  it('a signal while it waits deletes the job and exits 2, as PBS says', async () => {
    const q = qsubInBackground(['-h', '-W', 'block=true', '--', '/bin/true']);
    const id = await q.id;
    q.child.kill('SIGINT');
    expect(await q.done).toEqual({
      code: 2,
      stdout: `${id}\nJob ${id} is being deleted\n`,
      stderr: `qsub: wait for job ${id} interrupted by signal 2\n`,
    });
    expect(await head.state(id)).toBe('F');
  });
});

describe('mail', () => {
  it('-m abe: begin and end mail with PBS subject and body lines, from adm to the owner', async () => {
    const args = ['-N', 'mailjob', '-m', 'abe', '-W', 'block=true', '--', '/bin/sh', '-c', 'exit 0'];
    const r = await head.run('qsub', args);
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    const begin = await mailWith(id, 'Begun execution');
    expect(begin.argv).toEqual(['-f', 'adm', `root@${host}`]);
    expect(begin.text).toBe(`${[...headers(`root@${host}`, id, 'mailjob'), 'Begun execution'].join('\n')}\n`);
    const end = (await mailWith(id, 'Execution terminated')).text.split('\n');
    expect(end.slice(0, 7)).toEqual([
      ...headers(`root@${host}`, id, 'mailjob'),
      'Execution terminated',
      'Exit_status=0',
    ]);
    expect(end.slice(7)).toEqual([
      expect.stringMatching(/^resources_used\.cpupercent=\d+$/),
      expect.stringMatching(/^resources_used\.cput=\d\d:\d\d:\d\d$/),
      expect.stringMatching(/^resources_used\.mem=\d+kb$/),
      'resources_used.ncpus=1',
      expect.stringMatching(/^resources_used\.vmem=\d+kb$/),
      expect.stringMatching(/^resources_used\.walltime=\d\d:\d\d:\d\d$/),
      '',
    ]);
    expect(about(id)).toHaveLength(2);
  });

  it('a job killed for its walltime aborts: the mail says so (whatever -m), and no end mail', async () => {
    const args = [
      '-N',
      'tooslow',
      '-m',
      'e',
      '-l',
      'walltime=1',
      '-W',
      'block=true',
      '--',
      '/bin/sleep',
      '60',
    ];
    const r = await head.run('qsub', args);
    expect(r.code).toBe(-29 & 0xff);
    const id = r.stdout.trim();
    const abort = await mailWith(id, 'Aborted by PBS Server ');
    expect(abort.text.split('\n').slice(5)).toEqual([
      'Aborted by PBS Server ',
      'Job exceeded resource walltime',
      'See job standard error file',
      '',
    ]);
    expect(about(id)).toHaveLength(1);
  });

  it('a qdel of her running job by root mails the owner; her own qdel only ends it', async () => {
    const submit = async (name: string) => {
      const args = ['-N', name, '-m', 'abe', '--', '/bin/sleep', '60'];
      const r = await runAs(ALICE, head, 'qsub', args, { cwd: aliceDir });
      expect(r.code).toBe(0);
      const id = r.stdout.trim();
      await head.waitState(id, 'R');
      await mailWith(id, 'Begun execution');
      return id;
    };
    const byRoot = await submit('byroot');
    expect((await head.run('qdel', [byRoot])).code).toBe(0);
    const told = await mailWith(byRoot, `Job to be deleted at request of root@${host}`);
    expect(told.argv).toEqual(['-f', 'adm', `${ALICE}@${host}`]);
    expect(told.text.split('\n').slice(5)).toEqual([`Job to be deleted at request of root@${host}`, '']);
    await mailWith(byRoot, 'Exit_status=271');

    const own = await submit('own');
    expect((await runAs(ALICE, head, 'qdel', [own], { cwd: aliceDir })).code).toBe(0);
    await mailWith(own, 'Exit_status=271');
    expect(about(own).map((m) => m.text.split('\n')[5])).toEqual(
      expect.arrayContaining(['Begun execution', 'Execution terminated']),
    );
    expect(about(own)).toHaveLength(2);
  });

  it('-m n sends none; -M names the recipients; a bad -M is refused', async () => {
    const quiet = await head.run('qsub', ['-m', 'n', '-W', 'block=true', '--', '/bin/sh', '-c', 'exit 1']);
    expect(quiet.code).toBe(1);
    const users = 'alice@example.com,bob';
    const r = await head.run('qsub', ['-m', 'e', '-M', users, '-W', 'block=true', '--', '/bin/true']);
    const id = r.stdout.trim();
    const end = await mailWith(id, 'Execution terminated');
    expect(end.argv).toEqual(['-f', 'adm', 'alice@example.com', 'bob']);
    expect(end.text.split('\n')[0]).toBe('To: alice@example.com, bob');
    // the quiet job ended before this one began: a mail of its own would have come first
    expect(about(quiet.stdout.trim())).toEqual([]);
    for (const bad of ['a;b', '-oQ/tmp/x', 'a b'])
      expect(await head.run('qsub', ['-M', bad, '--', '/bin/true'])).toMatchObject({
        code: 2,
        stderr: 'qsub: illegal -M value\n',
      });
  });

  it("an array waits for its last subjob; mail for subjobs only with j, the array's end its Exit_status", async () => {
    const array = async (points: string) => {
      const args = ['-J', '1-2', '-m', points, '-W', 'block=true', '--', '/bin/sh', '-c', 'exit 3'];
      const r = await head.run('qsub', args);
      // the array's Exit_status is its worst subjob's category: 1, a positive status
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^\d+\[\]\./);
      return r.stdout.trim();
    };
    const plain = await array('be');
    expect((await mailWith(plain, 'Execution terminated')).text.split('\n').slice(5)).toEqual([
      'Execution terminated',
      'Exit_status=1',
      '',
    ]);
    const withJ = await array('jbe');
    const sub = withJ.replace('[]', '[2]');
    await mailWith(sub, 'Begun execution');
    await mailWith(sub, 'Exit_status=3');
    await mailWith(withJ, 'Exit_status=1');
    // the first array's subjobs had ended before the second began: none of theirs came
    expect(about(plain.replace('[]', '[1]'))).toEqual([]);
    expect(about(plain.replace('[]', '[2]'))).toEqual([]);
  });

  it('without its mailer the job still finishes and the head logs why no mail went', async () => {
    renameSync(sendmail, `${sendmail}.away`);
    try {
      const r = await head.run('qsub', ['-m', 'e', '-W', 'block=true', '--', '/bin/true']);
      expect(r.code).toBe(0);
      const id = r.stdout.trim();
      const log = join(tmpdir(), 'drover-test-logs', `${head.server}.log`);
      const line = await waitUntil(
        () =>
          readFileSync(log, 'utf8')
            .split('\n')
            .find((l) => l.includes(`"job":"${id}"`) && l.includes('mail not sent')),
        30_000,
        'the head to log the mail it could not send',
      );
      expect(JSON.parse(line).msg).toBe(`mail not sent: cannot run ${sendmail}: spawn ${sendmail} ENOENT`);
      expect(about(id)).toEqual([]);
    } finally {
      renameSync(`${sendmail}.away`, sendmail);
    }
  });
});

describe('a head restarted under a waiting qsub', () => {
  it("keeps the job and qsub exits with the job's status", async () => {
    const flag = join(head.work, 'go');
    const q = qsubInBackground([
      '-W',
      'block=true',
      '--',
      '/bin/sh',
      '-c',
      `while [ ! -e ${flag} ]; do sleep 0.1; done; exit 7`,
    ]);
    const id = await q.id;
    await head.waitState(id, 'R');
    await head.kill9();
    // the job ends while no head runs; qsub keeps asking
    writeFileSync(flag, '');
    await head.start();
    expect(await q.done).toEqual({ code: 7, stdout: `${id}\n`, stderr: '' });
    expect((await head.json(id))?.Exit_status).toBe(7);
  });
});
