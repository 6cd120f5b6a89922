// A cluster shared by many users: a root head with a local node, and real Unix users running the
// real commands with runuser. Identity comes from the kernel, permissions follow PBS, jobs run as
// their users with their groups and umask, and every attack of a user on root or on another user
// fails without touching the file it aimed at.
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import { BIN, type TestHead, waitUntil } from '../helpers/head.js';
import { makeSpec } from '../helpers/records.js';
import {
  ALICE,
  account,
  BOB,
  dirOf,
  ensureUsers,
  MGR,
  OPER,
  ownHead,
  runAs,
  TEAM,
} from '../helpers/users.js';

let cluster: Cluster;
let head: TestHead;
let base: string;
const dirs: Record<string, string> = {};

const as = (user: string, cmd: string, args: string[], input?: string) =>
  runAs(user, head, cmd, args, { cwd: dirs[user]!, ...(input !== undefined ? { input } : {}) });

async function submitAs(user: string, args: string[], input?: string): Promise<string> {
  const r = await as(user, 'qsub', args, input);
  if (r.code !== 0) throw new Error(`qsub ${args.join(' ')} as ${user} failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

beforeAll(async () => {
  ensureUsers();
  base = mkdtempSync(join(tmpdir(), 'drover-users-'));
  chmodSync(base, 0o711);
  for (const u of [ALICE, BOB, OPER, MGR]) dirs[u] = dirOf(u, base);
  // the way to head.sock passes through the test's directory
  cluster = await startCluster({ head: { ncpus: 4 }, shared: true });
  head = cluster.head;
  const admin = await head.run('qmgr', [
    '-c',
    `set server operators += ${OPER}@*`,
    '-c',
    `set server managers += ${MGR}@*`,
  ]);
  expect(admin.code).toBe(0);
});

afterAll(async () => {
  await cluster?.stop();
  rmSync(base, { recursive: true, force: true });
});

describe('identity', () => {
  it('a job is its sender’s: a raw request claiming to be root runs as the user who sent it', async () => {
    const out = join(dirs[ALICE]!, 'spoof.out');
    const spec = makeSpec({
      name: 'spoof',
      user: 'root',
      executable: '/usr/bin/id',
      argv: ['-un'],
      workdir: dirs[ALICE]!,
      submitHost: hostname(),
      outputPath: out,
      errorPath: join(dirs[ALICE]!, 'spoof.err'),
    });
    const script = `const r=require('http').request({socketPath:process.argv[1],method:'POST',path:'/v1/jobs',headers:{'content-type':'application/json'}},(s)=>{let b='';s.on('data',(d)=>b+=d);s.on('end',()=>console.log(b))});r.end(process.argv[2])`;
    const body = JSON.stringify({ spec });
    const r = await as(ALICE, process.execPath, ['-e', script, join(head.stateDir, 'head.sock'), body]);
    const id = JSON.parse(r.stdout).id as string;
    const job = await head.waitState(id, 'F');
    expect(job.Job_Owner).toBe(`${ALICE}@${hostname()}`);
    expect(readFileSync(out, 'utf8')).toBe(`${ALICE}\n`);
  });

  it('`by` in a raw request is ignored: deleting root’s job as alice is refused (159)', async () => {
    const id = await head.submit(['-h', '--', '/bin/true']);
    const script = `const r=require('http').request({socketPath:process.argv[1],method:'POST',path:'/v1/jobs/delete',headers:{'content-type':'application/json'}},(s)=>{let b='';s.on('data',(d)=>b+=d);s.on('end',()=>console.log(b))});r.end(process.argv[2])`;
    const body = JSON.stringify({ operands: [id], by: `root@${hostname()}` });
    const r = await as(ALICE, process.execPath, ['-e', script, join(head.stateDir, 'head.sock'), body]);
    expect(JSON.parse(r.stdout).results[0].error.code).toBe('UNAUTHORIZED');
    expect(await head.state(id)).toBe('H');
    await head.run('qdel', [id]);
  });

  it('a head run by an ordinary user serves that user, runs her jobs as her, and refuses anyone else', async () => {
    const home = join(base, 'bob-head');
    const own = await ownHead(BOB, home, ['--server-name', `bob${process.pid}`]);
    try {
      const env = { DROVER_HOME: home };
      const submitted = await runAs(
        BOB,
        head,
        'qsub',
        ['-o', 'mine.out', '-j', 'oe', '--', '/usr/bin/id', '-un'],
        {
          cwd: dirs[BOB]!,
          env,
        },
      );
      expect(submitted.code).toBe(0);
      await waitUntil(() => existsSync(join(dirs[BOB]!, 'mine.out')) || undefined, 30_000, 'bob’s output');
      expect(readFileSync(join(dirs[BOB]!, 'mine.out'), 'utf8')).toBe(`${BOB}\n`);
      const refused = await runAs(ALICE, head, 'qstat', [], { cwd: dirs[ALICE]!, env });
      expect(refused).toMatchObject({
        code: 159,
        stderr: expect.stringMatching(/^qstat: Unauthorized Request: this head runs as drv-bob/),
      });
    } finally {
      await own.stop();
    }
  });
});

describe('permissions (PBS: owner, operators, managers)', () => {
  it('another user may not qdel, qhold, qrls, qalter or qrerun a job: 159 Unauthorized Request', async () => {
    const id = await submitAs(ALICE, ['-h', '--', '/bin/true']);
    for (const [cmd, args] of [
      ['qdel', [id]],
      ['qhold', [id]],
      ['qrls', [id]],
      ['qalter', ['-N', 'stolen', id]],
      ['qrerun', [id]],
    ] as const) {
      const r = await as(BOB, cmd, [...args]);
      expect({ cmd, code: r.code, stderr: r.stderr }).toEqual({
        cmd,
        code: 159,
        stderr: `${cmd}: Unauthorized Request  ${id}\n`,
      });
    }
    const job = await head.json(id);
    expect(job).toMatchObject({ job_state: 'H', Job_Name: 'STDIN' });
    expect((await as(ALICE, 'qdel', [id])).code).toBe(0);
  });

  it('holds follow u/o/s: the owner sets u, an operator o, a manager s', async () => {
    const id = await submitAs(ALICE, ['-h', '--', '/bin/true']);
    expect((await as(ALICE, 'qhold', ['-h', 'o', id])).stderr).toBe(`qhold: Unauthorized Request  ${id}\n`);
    expect((await as(OPER, 'qhold', ['-h', 'o', id])).code).toBe(0);
    expect((await as(OPER, 'qhold', ['-h', 's', id])).code).toBe(159);
    expect((await as(MGR, 'qhold', ['-h', 's', id])).code).toBe(0);
    expect((await head.json(id))?.Hold_Types).toBe('uos');
    expect((await as(ALICE, 'qrls', ['-h', 'o', id])).code).toBe(159);
    expect((await as(MGR, 'qrls', ['-h', 'uos', id])).code).toBe(0);
    await head.waitState(id, 'F');
  });

  it('an operator may delete any job; qmgr, queues, nodes and node commands are for managers', async () => {
    const id = await submitAs(ALICE, ['-h', '--', '/bin/true']);
    expect((await as(OPER, 'qdel', [id])).code).toBe(0);
    const denied = [
      await as(ALICE, 'qmgr', ['-c', 'create queue mine']),
      await as(OPER, 'qmgr', ['-c', 'set server query_other_jobs = false']),
      await as(ALICE, 'drover', ['queue', 'add', 'mine']),
      await as(OPER, 'drover', [
        'node',
        'add',
        'evil',
        '--host',
        '127.0.0.1',
        '--agent-cmd',
        'touch /tmp/drover-pwned',
      ]),
    ];
    for (const r of denied) expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 159 });
    expect(denied[0]!.stderr).toBe('qmgr: Unauthorized Request\n');
    expect(existsSync('/tmp/drover-pwned')).toBe(false);
    expect((await as(MGR, 'qmgr', ['-c', 'create queue mgrq'])).code).toBe(0);
    expect((await as(MGR, 'qmgr', ['-c', 'delete queue mgrq'])).code).toBe(0);
  });

  it('pbsnodes -o/-r for operators and managers, -C alone for managers', async () => {
    const node = hostname().split('.')[0]!;
    const user = await as(ALICE, 'pbsnodes', ['-o', node]);
    expect(user).toMatchObject({ code: 159, stderr: `Error marking node ${node} - Unauthorized Request\n` });
    expect((await as(OPER, 'pbsnodes', ['-C', 'mine', node])).code).toBe(159);
    expect((await as(OPER, 'pbsnodes', ['-o', node])).code).toBe(0);
    expect((await head.run('pbsnodes', [node])).stdout).toMatch(/state = offline/);
    expect((await as(OPER, 'pbsnodes', ['-r', node])).code).toBe(0);
    expect((await as(MGR, 'pbsnodes', ['-C', 'checked', node])).code).toBe(0);
    expect((await head.run('pbsnodes', [node])).stdout).toMatch(/comment = checked/);
  });

  it('render-farm unblock is for managers; the farm’s owner may pause it, another user may not', async () => {
    const sub = await as(ALICE, 'render-farm', ['submit', '--frames', '1-2', '--', '/bin/true']);
    expect(sub.code).toBe(0);
    const farm = sub.stdout.trim();
    expect(await as(ALICE, 'render-farm', ['unblock', farm])).toMatchObject({
      code: 159,
      stderr: 'render-farm: Unauthorized Request\n',
    });
    expect((await as(MGR, 'render-farm', ['unblock', farm])).code).toBe(0);
    expect((await as(BOB, 'render-farm', ['pause', farm])).code).toBe(159);
    await head.waitState(farm, 'F');
  });

  it('query_other_jobs = False hides other users’ jobs from users, not from operators', async () => {
    const id = await submitAs(ALICE, ['-h', '--', '/bin/true']);
    expect((await as(MGR, 'qmgr', ['-c', 'set server query_other_jobs = False'])).code).toBe(0);
    try {
      expect((await as(BOB, 'qstat', [])).stdout).not.toContain(id.split('.')[0]);
      expect(await as(BOB, 'qstat', [id])).toMatchObject({ code: 159 });
      expect((await as(BOB, 'tracejob', [id])).code).toBe(159);
      expect((await as(OPER, 'qstat', [])).stdout).toContain(id.split('.')[0]);
      expect((await as(ALICE, 'qstat', [id])).code).toBe(0);
    } finally {
      await as(MGR, 'qmgr', ['-c', 'unset server query_other_jobs']);
      await as(ALICE, 'qdel', [id]);
    }
  });

  it('root’s jobs need acl_roots; only root on the head host may set it', async () => {
    expect((await as(MGR, 'qmgr', ['-c', 'set server acl_roots = root@*'])).stderr).toBe(
      'qmgr: Cannot set attribute, read only or insufficient permission acl_roots\n',
    );
    expect((await head.run('qmgr', ['-c', 'unset server acl_roots'])).code).toBe(0);
    try {
      const r = await head.run('qsub', ['--', '/bin/true']);
      expect(r).toMatchObject({ code: 175, stderr: 'qsub: Bad UID for job execution\n' });
    } finally {
      await head.run('qmgr', ['-c', 'set server acl_roots = root@*']);
    }
  });
});

describe('jobs and their files are their users’', () => {
  it('a job has its user’s uid, gid and supplementary groups; output is the user’s, 0600 under umask 077', async () => {
    const id = await submitAs(
      ALICE,
      ['-N', 'ident', '-j', 'oe'],
      'id -un; id -Gn; touch "$TMPDIR/t"; stat -c %U:%a "$TMPDIR"\n',
    );
    const job = await head.waitState(id, 'F');
    expect(job.Exit_status).toBe(0);
    const out = join(dirs[ALICE]!, `ident.o${id.split('.')[0]}`);
    const [user, groups, tmp] = readFileSync(out, 'utf8').split('\n');
    expect(user).toBe(ALICE);
    expect(groups!.split(' ')).toContain(TEAM);
    expect(tmp).toBe(`${ALICE}:700`);
    const st = statSync(out);
    expect({ uid: st.uid, mode: st.mode & 0o777 }).toEqual({ uid: account(ALICE).uid, mode: 0o600 });
  });

  it('-W umask=022 gives world-readable outputs and files', async () => {
    const id = await submitAs(ALICE, ['-N', 'masked', '-W', 'umask=022', '-j', 'oe'], 'touch made; umask\n');
    await head.waitState(id, 'F');
    const out = join(dirs[ALICE]!, `masked.o${id.split('.')[0]}`);
    expect(readFileSync(out, 'utf8')).toBe('0022\n');
    expect(statSync(out).mode & 0o777).toBe(0o644);
    expect(statSync(join(account(ALICE).home, 'made')).mode & 0o777).toBe(0o644);
  });

  it('-o into a root-only directory is not written: the job ends, its output is kept by the head', async () => {
    const target = join(base, 'rootonly');
    mkdirSync(target, { mode: 0o700 });
    const id = await submitAs(ALICE, ['-o', join(target, 'x.out'), '-j', 'oe', '--', '/bin/echo', 'hi']);
    await head.waitState(id, 'F');
    expect(existsSync(join(target, 'x.out'))).toBe(false);
    const kept = join(head.stateDir, 'undelivered', `${id}.x.out`);
    expect(readFileSync(kept, 'utf8')).toBe('hi\n');
  });

  it('-o through another user’s link in a shared directory does not touch the link’s target', async () => {
    const shared = join(base, 'shared');
    mkdirSync(shared, { mode: 0o1777 });
    chmodSync(shared, 0o1777);
    const victim = join(dirs[ALICE]!, 'victim');
    writeFileSync(victim, 'precious\n');
    chownSync(victim, account(ALICE).uid, account(ALICE).gid);
    const trap = join(shared, 'trap');
    expect((await as(BOB, '/bin/ln', ['-s', victim, trap])).code).toBe(0);
    const id = await submitAs(ALICE, ['-o', trap, '-j', 'oe', '--', '/bin/echo', 'overwritten']);
    await head.waitState(id, 'F');
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(trap).isSymbolicLink()).toBe(true);
  });

  it('-o through the user’s own link to /etc/passwd fails as her own cp would', async () => {
    const before = readFileSync('/etc/passwd', 'utf8');
    const link = join(dirs[ALICE]!, 'passwd-link');
    expect((await as(ALICE, '/bin/ln', ['-s', '/etc/passwd', link])).code).toBe(0);
    const id = await submitAs(ALICE, ['-o', link, '-j', 'oe', '--', '/bin/echo', 'root::0:0::/:/bin/sh']);
    await head.waitState(id, 'F');
    expect(readFileSync('/etc/passwd', 'utf8')).toBe(before);
  });

  it('a job cannot swap its spool for a link: the agent never reads /etc/shadow into the output', async () => {
    const id = await submitAs(
      ALICE,
      ['-N', 'swap', '-j', 'oe'],
      'd=$(dirname "$0"); ls -ld "$d" >/dev/null; ln -sf /etc/shadow "$d/stdout" 2>&1 || echo refused\n',
    );
    await head.waitState(id, 'F');
    const text = readFileSync(join(dirs[ALICE]!, `swap.o${id.split('.')[0]}`), 'utf8');
    expect(text).toMatch(/refused/);
    expect(text).not.toMatch(/^root:/m);
  });

  it('a TMPDIR planted before the job starts is refused: the job fails with a status, the node stays free', async () => {
    const id = await submitAs(ALICE, ['-h', '--', '/bin/true']);
    const planted = `/var/tmp/pbs.${id}`;
    expect((await as(BOB, '/bin/ln', ['-s', dirs[BOB]!, planted])).code).toBe(0);
    try {
      expect((await as(ALICE, 'qrls', [id])).code).toBe(0);
      const job = await head.waitState(id, 'F');
      expect(job.Exit_status).toBe(-1);
      expect(job.comment).toBeDefined();
      expect(lstatSync(planted).isSymbolicLink()).toBe(true);
      expect(statSync(dirs[BOB]!).uid).toBe(account(BOB).uid);
      const node = hostname().split('.')[0]!;
      expect((await head.run('pbsnodes', [node])).stdout).toMatch(/state = free/);
      const next = await submitAs(ALICE, ['--', '/bin/true']);
      expect((await head.waitState(next, 'F')).Exit_status).toBe(0);
    } finally {
      rmSync(planted, { force: true });
    }
  });

  it('a checkpointable job of a user checkpoints, is held and resumes from its checkpoint', async () => {
    const script = [
      'n=$(cat "$PBS_CHECKPOINT_DIR/n" 2>/dev/null || echo 0)',
      'echo "start $n $PBS_RESTART"',
      'n=$((n+1)); echo $n > "$PBS_CHECKPOINT_DIR/n"',
      'ln -sf /etc/shadow "$PBS_CHECKPOINT_DIR/stolen"',
      // a login shell's PATH is the system's: drover is called where this checkout has it
      '"$DROVER" checkpoint || echo "checkpoint failed"',
      'trap \'"$DROVER" checkpoint\' USR1',
      'touch "$PBS_O_WORKDIR/ckpt.ready"; while true; do sleep 0.2; done',
    ].join('\n');
    const id = await submitAs(
      ALICE,
      ['-N', 'ckpt', '-c', 'c', '-j', 'oe', '-v', `DROVER=${BIN}/drover`],
      `${script}\n`,
    );
    await waitUntil(() => existsSync(join(dirs[ALICE]!, 'ckpt.ready')) || undefined, 30_000, 'checkpoint');
    expect((await head.json(id))?.checkpoint_count).toBe(1);
    rmSync(join(dirs[ALICE]!, 'ckpt.ready'));
    expect((await as(ALICE, 'qhold', [id])).code).toBe(0);
    await head.waitState(id, 'H');
    expect((await as(ALICE, 'qrls', [id])).code).toBe(0);
    await waitUntil(() => existsSync(join(dirs[ALICE]!, 'ckpt.ready')) || undefined, 30_000, 'restart');
    expect((await as(ALICE, 'qdel', [id])).code).toBe(0);
    await head.waitState(id, 'F');
    const out = readFileSync(join(dirs[ALICE]!, `ckpt.o${id.split('.')[0]}`), 'utf8');
    expect(out).toContain('start 1 1');
    expect(out).not.toMatch(/checkpoint failed|^root:/m);
  });
});

describe('bounded input', () => {
  it('refuses mpiprocs of 5000000000 and a NUL in a directive at qsub, with PBS codes', async () => {
    const big = await as(ALICE, 'qsub', ['-l', 'select=1:ncpus=1:mpiprocs=5000000000', '--', '/bin/true']);
    expect(big).toMatchObject({
      code: 166,
      stderr: 'qsub: Illegal attribute or resource value Resource_List.mpiprocs (at most 65536)\n',
    });
    const nul = await as(ALICE, 'qsub', [], '#PBS -v FOO=a\0b\ntrue\n');
    expect(nul).toMatchObject({ code: 1, stderr: 'qsub: script contains a NUL byte (line 1)\n' });
  });

  it('a 1000-hour walltime and a 40000-minute checkpoint interval run the job, not kill it', async () => {
    const id = await submitAs(ALICE, ['-l', 'walltime=1000:00:00', '-c', 'c=40000', '--', '/bin/sleep', '1']);
    const job = await head.waitState(id, 'F');
    expect(job.Exit_status).toBe(0);
  });

  it('a job whose start fails ends with Exit_status -1 and the node stays free', async () => {
    const id = await submitAs(ALICE, ['-S', '/no/such/shell', '-j', 'oe', '-N', 'noshell'], 'true\n');
    const job = await head.waitState(id, 'F');
    expect(job.Exit_status).toBe(-1);
    const out = readFileSync(join(dirs[ALICE]!, `noshell.o${id.split('.')[0]}`), 'utf8');
    expect(out).toMatch(/cannot start job: exec \/no\/such\/shell/);
    const node = hostname().split('.')[0]!;
    expect((await head.run('pbsnodes', [node])).stdout).toMatch(/state = free/);
  });

  it('max_queued and max_script_size are refused with PBS’s messages and codes', async () => {
    expect((await as(MGR, 'qmgr', ['-c', `set server max_queued = [u:${BOB}=1]`])).code).toBe(0);
    expect((await as(MGR, 'qmgr', ['-c', 'set server max_script_size = 1kb'])).code).toBe(0);
    try {
      const id = await submitAs(BOB, ['-h', '--', '/bin/true']);
      expect(await as(BOB, 'qsub', ['--', '/bin/true'])).toMatchObject({
        code: 38,
        stderr: `qsub: Maximum number of jobs for user ${BOB} already in complex\n`,
      });
      await as(BOB, 'qdel', [id]);
      const large = await as(BOB, 'qsub', [], `${'echo x\n'.repeat(300)}`);
      expect(large).toMatchObject({ code: 188, stderr: expect.stringContaining('max_script_size (1kb)') });
    } finally {
      await as(MGR, 'qmgr', ['-c', 'unset server max_queued', '-c', 'unset server max_script_size']);
    }
  });
});
