// Advance reservations with the real commands on a 4-CPU local node: pbs_rsub's answers, the
// reservation's queue and its window (jobs inside it, others around it), pbs_rstat's forms,
// pbs_rdel, denial, a head restart. Windows are a few seconds long, computed from now.
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullTime } from '../../cli/format/rstat-output.js';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import { type TestHead, waitUntil } from '../helpers/head.js';
import { BOB, dirOf, ensureUsers, runAs } from '../helpers/users.js';

const CONFLICT = 'Not Running: Job would conflict with reservation or top job';
const NODE = hostname().split('.')[0]!;
const OWNER = `${userInfo().username}@${hostname()}`;

let cluster: Cluster;
let head: TestHead;
let base: string;
let bobDir: string;

beforeAll(async () => {
  ensureUsers();
  base = mkdtempSync(join(tmpdir(), 'drover-resv-'));
  bobDir = dirOf(BOB, base);
  cluster = await startCluster({ head: { ncpus: 4, killDelay: 1 }, shared: true });
  head = cluster.head;
});
afterAll(async () => {
  await cluster?.stop();
  if (base) rmSync(base, { recursive: true, force: true });
});

const nowSeconds = () => Math.floor(Date.now() / 1000);
const two = (n: number) => String(n).padStart(2, '0');
const bob = (cmd: string, args: string[]) => runAs(BOB, head, cmd, args, { cwd: bobDir });

/** PBS's datetime `CCYYMMDDhhmm.SS`, local time. */
function stamp(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const date = `${d.getFullYear()}${two(d.getMonth() + 1)}${two(d.getDate())}`;
  return `${date}${two(d.getHours())}${two(d.getMinutes())}.${two(d.getSeconds())}`;
}

/** pbs_rsub that must succeed without -I: the id it printed with UNCONFIRMED. */
async function rsub(args: string[]): Promise<string> {
  const r = await head.run('pbs_rsub', args);
  expect(r, `pbs_rsub ${args.join(' ')}`).toMatchObject({ code: 0, stderr: '' });
  const m = /^(R\d+\.\S+) UNCONFIRMED\n$/.exec(r.stdout);
  if (!m) throw new Error(`pbs_rsub printed ${JSON.stringify(r.stdout)}`);
  return m[1]!;
}

const epochOf = (date: unknown) => Math.floor(Date.parse(String(date)) / 1000);

async function purged(id: string): Promise<void> {
  const gone = async () =>
    (await head.run('pbs_rstat', [id])).stderr === 'pbs_rstat: Unknown Reservation Id\n';
  await waitUntil(async () => ((await gone()) ? true : undefined), 30_000, `${id} to be purged`);
}

async function queueLine(queue: string): Promise<string | undefined> {
  const lines = (await head.run('qstat', ['-Q'])).stdout.split('\n');
  return lines.find((l) => l.startsWith(`${queue} `));
}

describe('advance reservations', () => {
  it('denies what the node cannot hold, with the reason; refuses a window in the past', async () => {
    const start = nowSeconds() + 60;
    const r = await head.run('pbs_rsub', [
      '-R',
      stamp(start),
      '-D',
      '10',
      '-l',
      'select=1:ncpus=8',
      '-I',
      '5',
    ]);
    expect(r.stdout).toMatch(/^R\d+\.\S+ DENIED\n$/);
    expect(r.stderr).toBe(
      'pbs_rsub: PBS Failed to confirm resv: Insufficient amount of resource: ncpus (R: 8 A: 4 T: 4)\n',
    );
    expect(r.code).toBe(0);
    // without -I: UNCONFIRMED, as PBS answers before its scheduler decides; then it is gone
    const id = await rsub(['-R', stamp(start), '-D', '10', '-l', 'ncpus=5']);
    expect(await head.run('pbs_rstat', [id])).toEqual({
      code: 0,
      stdout: '',
      stderr: 'pbs_rstat: Unknown Reservation Id\n',
    });
    expect(await queueLine(id.split('.')[0]!)).toBeUndefined();
    const past = await head.run('pbs_rsub', ['-R', stamp(nowSeconds() - 60), '-D', '10']);
    expect(past).toEqual({ code: 238, stdout: '', stderr: 'pbs_rsub: Bad time specification(s)\n' });
  });

  it('runs its queue inside the window while a long job waits and a short one backfills', async () => {
    const start = nowSeconds() + 12;
    const end = start + 6;
    const id = await rsub(['-R', stamp(start), '-E', stamp(end), '-l', 'select=1:ncpus=2', '-N', 'window']);
    const queue = id.split('.')[0]!;
    expect(id).toBe(`${queue}.${head.server}`);
    const full = (await head.run('pbs_rstat', ['-f', id])).stdout.split('\n');
    expect(full.slice(0, 19)).toEqual([
      `Resv ID: ${id}`,
      'Reserve_Name = window',
      `Reserve_Owner = ${OWNER}`,
      'reserve_state = RESV_CONFIRMED',
      'reserve_substate = 2',
      `reserve_start = ${fullTime(start)}`,
      `reserve_end = ${fullTime(end)}`,
      'reserve_duration = 6',
      `queue = ${queue}`,
      'Resource_List.ncpus = 2',
      'Resource_List.nodect = 1',
      'Resource_List.place = free',
      'Resource_List.select = 1:ncpus=2',
      'Resource_List.walltime = 00:00:06',
      'schedselect = 1:ncpus=2',
      `resv_nodes = (${NODE}:ncpus=2)`,
      `Authorized_Users = ${OWNER}`,
      `server = ${head.server}`,
      expect.stringMatching(/^ctime = \w{3} \w{3} \d\d \d\d:\d\d:\d\d \d{4}$/),
    ]);
    expect(full.slice(19)).toEqual([expect.stringMatching(/^mtime = /), '', '']);
    expect((await head.run('pbs_rstat', ['-B', id])).stdout).toBe(`Resv ID: ${id}\n`);
    const short = (await head.run('pbs_rstat', [])).stdout.split('\n');
    expect(short[0]).toBe(
      'Resv ID    Queue    User     State             Start / Duration / End              ',
    );
    expect(short[1]).toBe('-'.repeat(69));
    const row = `${id.slice(0, 10).padEnd(10)} ${queue.padEnd(8)} ${OWNER.slice(0, 8).padEnd(8)} CO    `;
    expect(short.find((l) => l.startsWith(row))).toMatch(/ \/ 6 \/ /);
    expect(await queueLine(queue)).toMatch(/^R\d+ +0 +0 yes {2}no /);

    // only its Authorized_Users submit to its queue
    expect(await bob('qsub', ['-q', queue, '--', '/bin/true'])).toMatchObject({
      code: 159,
      stderr: 'qsub: Unauthorized Request\n',
    });
    const inside = await head.submit(['-q', queue, '-l', 'ncpus=2', '--', '/bin/sleep', '60']);
    expect((await head.waitComment(inside)).comment).toBe(`Not Running: Queue ${queue} is not started`);
    const long = await head.submit(['-l', 'ncpus=3,walltime=00:01:00', '--', '/bin/sleep', '1']);
    expect((await head.waitComment(long)).comment).toBe(CONFLICT);
    const short3 = await head.submit(['-l', 'ncpus=3,walltime=00:00:03', '--', '/bin/sleep', '0.5']);
    const done = await head.waitState(short3, 'F');
    expect(done.Exit_status).toBe(0);
    expect(epochOf(done.stime)).toBeLessThan(start);

    const running = await head.waitState(inside, 'R', 30_000);
    expect(epochOf(running.stime)).toBeGreaterThanOrEqual(start);
    expect(await queueLine(queue)).toMatch(/^R\d+ +0 +1 yes yes +0 +1 /);
    // the reservation's job holds 2 of the 4 CPUs now
    expect(await head.json(long)).toMatchObject({
      job_state: 'Q',
      comment: 'Not Running: Insufficient amount of resource: ncpus (R: 3 A: 2 T: 4)',
    });

    // at the end its job is killed, the reservation and its queue go, the long job runs
    const killed = await head.waitState(inside, 'F', 30_000);
    expect(killed.Exit_status).toBe(271);
    expect(epochOf(killed.obittime)).toBeGreaterThanOrEqual(end);
    await purged(id);
    expect(await queueLine(queue)).toBeUndefined();
    const after = await head.waitState(long, 'F', 30_000);
    expect(epochOf(after.stime)).toBeGreaterThanOrEqual(end);
    expect(after.Exit_status).toBe(0);
  });

  it('pbs_rdel: by its owner, not by another user; its jobs are deleted', async () => {
    const start = nowSeconds() + 120;
    const id = await rsub(['-R', stamp(start), '-D', '00:00:30', '-l', 'select=1:ncpus=2']);
    const queue = id.split('.')[0]!;
    expect(await head.run('qsub', ['-q', queue, '-l', 'ncpus=3', '--', '/bin/true'])).toMatchObject({
      code: 188,
      stderr: 'qsub: Job violates queue and/or server resource limits\n',
    });
    const waiting = await head.submit(['-q', queue, '--', '/bin/true']);
    // qmove into its queue is checked as a submission there: bob is no Authorized_User, and a
    // job larger than the reservation does not fit
    const bobs = (await bob('qsub', ['-h', '--', '/bin/true'])).stdout.trim();
    expect(await bob('qmove', [queue, bobs])).toMatchObject({
      code: 159,
      stderr: `qmove: Unauthorized Request ${bobs}\n`,
    });
    const big = await head.submit(['-h', '-l', 'ncpus=3', '--', '/bin/true']);
    expect(await head.run('qmove', [queue, big])).toMatchObject({
      code: 188,
      stderr: `qmove: Job violates queue and/or server resource limits ${big}\n`,
    });
    expect((await head.json(big))?.queue).toBe('workq');
    // and so is qorder's swap across the two queues
    expect(await head.run('qorder', [big, waiting])).toMatchObject({
      code: 188,
      stderr: `qorder: Job violates queue and/or server resource limits ${big} or ${waiting}\n`,
    });
    expect(await head.run('qdel', [bobs, big])).toMatchObject({ code: 0 });
    expect(await bob('pbs_rdel', [id])).toEqual({
      code: 159,
      stdout: '',
      stderr: `pbs_rdel: Unauthorized Request  ${id}\n`,
    });
    expect(await head.run('pbs_rdel', [id])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await head.waitState(waiting, 'F')).job_state).toBe('F');
    await purged(id);
    expect(await head.run('pbs_rdel', [id])).toEqual({
      code: 236,
      stdout: '',
      stderr: `pbs_rdel: Unknown Reservation Id ${id}\n`,
    });
  });

  it('keeps a reservation across a head restart, and its window still runs', async () => {
    const start = nowSeconds() + 20;
    const id = await rsub(['-R', stamp(start), '-D', '00:00:05', '-l', 'select=1:ncpus=1']);
    const inside = await head.submit(['-q', id.split('.')[0]!, '--', '/bin/sleep', '60']);
    await head.kill9();
    await head.start();
    const full = (await head.run('pbs_rstat', ['-f', id])).stdout;
    expect(full).toContain('reserve_state = RESV_CONFIRMED\n');
    expect(full).toContain(`resv_nodes = (${NODE}:ncpus=1)\n`);
    const running = await head.waitState(inside, 'R', 30_000);
    expect(epochOf(running.stime)).toBeGreaterThanOrEqual(start);
    expect((await head.waitState(inside, 'F', 30_000)).Exit_status).toBe(271);
    await purged(id);
  });
});
