// The live tail of a running job's output (GET /v1/jobs/:id/output and `drover peek`) with a real
// head, its local node and a real SSH node (sshd on 127.0.0.135), jobs of a real user: the jobs
// print a line, then wait for a file the test creates before the next one, so the tail is awaited
// through the route (polled with a deadline), never slept for.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import { BIN, stopPid, waitUntil } from '../helpers/head.js';
import { ALICE, BOB, dirOf, ensureUsers, runAs } from '../helpers/users.js';

let cluster: Cluster;
let work: string;
const dirs: Record<string, string> = {};
const started: ChildProcess[] = [];
const LOCAL = hostname().split('.')[0]!;

interface Reply {
  status: number;
  body: { text?: string; next?: number; running?: boolean; code?: string; message?: string };
}

/** GET a path of the head's API over head.sock, as root (a manager). */
function get(path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const socketPath = join(cluster.head.stateDir, 'head.sock');
    const req = request({ socketPath, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const output = (id: string, query: string) => get(`/v1/jobs/${encodeURIComponent(id)}/output?${query}`);

/** Poll the route until the output from `from` holds `want`. */
const tailUntil = (id: string, query: string, want: string) =>
  waitUntil(
    async () => {
      const r = await output(id, query);
      return r.body.text?.includes(want) ? r.body : undefined;
    },
    8000,
    `${want.trim()} in the output of ${id}`,
  );

const as = (user: string, cmd: string, args: string[], input?: string) =>
  runAs(user, cluster.head, cmd, args, { cwd: dirs[user]!, ...(input !== undefined ? { input } : {}) });

async function submit(args: string[], script: string): Promise<string> {
  const r = await as(ALICE, 'qsub', args, script);
  if (r.code !== 0) throw new Error(`qsub failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

/** Create the file a job waits for in alice's directory. */
const go = (name: string) => writeFileSync(join(dirs[ALICE]!, name), '');
const waitFor = (name: string) => `until [ -e ${name} ]; do sleep 0.05; done\n`;

beforeAll(async () => {
  ensureUsers();
  cluster = await startCluster({
    name: 'peek',
    head: { local: true, ncpus: 4, killDelay: 1 },
    nodes: [{ name: 'p1', address: '127.0.0.135', args: ['--ncpus', '2'] }],
    shared: true,
  });
  work = mkdtempSync(join(tmpdir(), 'drover-peek-'));
  chmodSync(work, 0o711);
  for (const user of [ALICE, BOB]) dirs[user] = dirOf(user, work);
});

afterAll(async () => {
  for (const child of started) if (child.exitCode === null && child.pid) await stopPid(child.pid);
  await cluster?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

// the three jobs run side by side (the file's time is mostly the cluster's start)
describe.concurrent('the output of a running job', () => {
  it('on an SSH node: the tail grows, next advances, stdout and stderr apart; peek and peek -f print it', async ({
    expect,
  }) => {
    const script =
      'cd "$PBS_O_WORKDIR"\necho "line1 ✓"\necho err1 >&2\n' +
      `${waitFor('a.go1')}echo line2\n${waitFor('a.go2')}echo line3\n${waitFor('a.go3')}`;
    const id = await submit(['-N', 'tail', '-l', 'select=1:ncpus=1:host=p1'], script);
    const first = await tailUntil(id, 'from=0', 'line1');
    expect(first).toEqual({ text: 'line1 ✓\n', next: Buffer.byteLength('line1 ✓\n'), running: true });
    const at = first.next!;
    expect((await output(id, `from=${at}`)).body).toEqual({ text: '', next: at, running: true });
    expect((await output(id, 'from=100000')).body).toEqual({ text: '', next: 100000, running: true });
    expect((await output(id, 'from=0&stream=err')).body.text).toBe('err1\n');

    go('a.go1');
    const second = await tailUntil(id, `from=${at}`, 'line2');
    expect(second).toEqual({ text: 'line2\n', next: at + 6, running: true });

    // the short id, as a user types it; the owner's drover peek prints what is there
    const peek = await as(ALICE, 'drover', ['peek', id.split('.')[0]!]);
    expect(peek).toEqual({ code: 0, stdout: 'line1 ✓\nline2\n', stderr: '' });
    expect((await as(ALICE, 'drover', ['peek', '-e', id])).stdout).toBe('err1\n');

    // -f prints each line as the job writes it, and returns once the job has ended
    const follow = spawn('/usr/sbin/runuser', ['-u', ALICE, '--', join(BIN, 'drover'), 'peek', '-f', id], {
      cwd: dirs[ALICE],
      env: { PATH: '/usr/bin:/bin', DROVER_HOME: cluster.head.stateDir, LANG: 'C.UTF-8' },
    });
    started.push(follow);
    let followed = '';
    follow.stdout!.on('data', (d: Buffer) => {
      followed += d.toString();
    });
    const ended = new Promise<number | null>((resolve) => follow.once('exit', resolve));
    await waitUntil(() => followed.includes('line2\n') || undefined, 8000, 'peek -f to print line2');
    go('a.go2');
    await waitUntil(() => followed.includes('line3\n') || undefined, 8000, 'peek -f to print line3');
    go('a.go3');
    expect(await ended).toBe(0);
    expect(followed).toBe('line1 ✓\nline2\nline3\n');
  });

  it('on the local node: a joined job has one file for both streams; a finished job is not running', async ({
    expect,
  }) => {
    const script = `cd "$PBS_O_WORKDIR"\necho out1\necho err1 >&2\n${waitFor('b.go')}echo out2\n`;
    const id = await submit(['-N', 'joined', '-j', 'oe', '-l', `select=1:ncpus=1:host=${LOCAL}`], script);
    const body = await tailUntil(id, 'from=0', 'err1');
    expect(body).toEqual({ text: 'out1\nerr1\n', next: 10, running: true });
    expect((await output(id, 'from=5&stream=err')).body.text).toBe('err1\n');
    go('b.go');
    await cluster.head.waitState(id, 'F', 10_000);
    const after = await output(id, 'from=0');
    expect(after.status).toBe(409);
    expect(after.body.code).toBe('JOB_NOT_RUNNING');
    const peek = await as(ALICE, 'drover', ['peek', id]);
    expect(peek.code).toBe(168);
    expect(peek.stderr).toBe(`drover: job ${id} is not running (state F)\n`);
  });

  it('a subjob by its short id; the array itself, bad offsets, unknown jobs and other users are refused', async ({
    expect,
  }) => {
    const id = await submit(
      ['-N', 'arr', '-J', '1-2', '-l', `select=1:ncpus=1:host=${LOCAL}`],
      `echo sub$PBS_ARRAY_INDEX\ncd "$PBS_O_WORKDIR"\n${waitFor('c.go')}`,
    );
    const seq = id.split('[')[0]!;
    expect((await tailUntil(`${seq}[2]`, 'from=0', 'sub2')).text).toBe('sub2\n');
    const parent = await output(id, 'from=0');
    expect([parent.status, parent.body.code]).toEqual([409, 'JOB_NOT_RUNNING']);

    for (const from of ['-1', 'abc', '1.5', '1e3', '']) {
      const r = await output(`${seq}[1]`, `from=${from}`);
      expect([r.status, r.body.code], `from=${from}`).toEqual([400, 'BAD_REQUEST']);
    }
    expect((await output(`${seq}[1]`, 'stream=both')).status).toBe(400);
    const unknown = await output('99999', 'from=0');
    expect([unknown.status, unknown.body.code]).toEqual([404, 'UNKNOWN_JOB']);

    const bob = await as(BOB, 'drover', ['peek', `${seq}[1]`]);
    const full = `${seq}[1].${cluster.head.server}`;
    expect(bob).toEqual({ code: 159, stdout: '', stderr: `drover: Unauthorized Request  ${full}\n` });
    const missing = await as(BOB, 'drover', ['peek', '99999']);
    expect(missing.code).toBe(153);
    go('c.go');
    await cluster.head.waitState(id, 'F', 10_000);
  });
});
