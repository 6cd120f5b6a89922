// Exit statuses as PBS reports them: N for `exit N`, 271 for qdel of a running job, −29 for walltime.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import { type TestHead, waitUntil } from '../helpers/head.js';

/** Processes of a process group that are not zombies. */
function liveMembers(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return Number(f[2]) === pgid && f[0] !== 'Z';
      } catch {
        return false;
      }
    })
    .map(Number);
}

let cluster: Cluster;
let head: TestHead;
beforeAll(async () => {
  cluster = await startCluster({ head: { ncpus: 4, killDelay: 1 } });
  head = cluster.head;
});
afterAll(async () => {
  await cluster?.stop();
});

describe('exit statuses', () => {
  it('reports 0 and N as JSON numbers, with the finished/failed comment and substate', async () => {
    const good = await head.submit(['--', '/bin/true']);
    const bad = await head.submit([], 'exit 3\n');
    const g = await head.waitState(good, 'F');
    const b = await head.waitState(bad, 'F');
    expect(g.Exit_status).toBe(0);
    expect(b.Exit_status).toBe(3);
    expect(g.substate).toBe(92);
    expect(b.substate).toBe(93);
    expect(String(g.comment)).toMatch(/and finished$/);
    expect(String(b.comment)).toMatch(/and failed$/);
  });

  it('qdel of a running job: SIGTERM to the process group, Exit_status 271, returns at once', async () => {
    const id = await head.submit(['-N', 'sleeper'], 'sleep 300 &\nwait\n');
    const running = await head.waitState(id, 'R');
    await waitUntil(async () => ((await head.json(id))?.session_id ? true : undefined), 10_000, 'session id');
    const t0 = Date.now();
    const r = await head.run('qdel', [`${id.split('.')[0]}\n`]);
    // without waiting for the job to end (a generous bound: the suite loads 2 cores)
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const j = await head.waitState(id, 'F');
    expect(running.job_state).toBe('R');
    expect(j.Exit_status).toBe(271);
    expect(j.substate).toBe(91);
    expect(String(j.comment)).toMatch(/and terminated by \S+@\S+$/);
    const session = Number((await head.json(id))?.session_id);
    // the whole group is gone, including the backgrounded sleep (zombies awaiting init aside)
    await waitUntil(
      () => (liveMembers(session).length === 0 ? true : undefined),
      5000,
      'the job group to end',
    );
    expect(liveMembers(session)).toEqual([]);
  });

  it('kills a job past its walltime: Exit_status -29 and the PBS notice in its stderr', async () => {
    const id = await head.submit(['-N', 'overtime', '-l', 'walltime=00:00:01'], 'trap "" TERM\nsleep 30\n');
    const j = await head.waitState(id, 'F', 20_000);
    expect(j.Exit_status).toBe(-29);
    expect(String(j.comment)).toMatch(/and exceeded resource walltime$/);
    const err = readFileSync(join(head.work, `overtime.e${id.split('.')[0]}`), 'utf8');
    // whole seconds, as MoM writes them; the job ignores SIGTERM, so it ends a kill delay later
    expect(err).toMatch(/^=>> PBS: job killed: walltime [1-9]\d* exceeded limit 1$/m);
  });

  it('records resource usage sampled from /proc', async () => {
    // the busy loop's CPU reaches the job shell's own counters when `timeout` is reaped; the
    // shell then sleeps past a usage sample (every second here), which must include it
    const submitted = Date.now();
    const id = await head.submit(
      ['-N', 'busy'],
      'timeout 3 sh -c "while :; do :; done"\nrc=$?\nsleep 1.5\nexit $rc\n',
    );
    const j = await head.waitState(id, 'F', 30_000);
    const observed = (Date.now() - submitted) / 1000;
    const used = j.resources_used as Record<string, string | number>;
    expect(j.Exit_status).toBe(124);
    // 3 s of work and 1.5 s of sleep at least, plus the login (a loaded machine, or a slow
    // login shell, may add seconds), and never more than the test itself saw go by
    const [h, m, sec] = String(used.walltime).split(':').map(Number);
    const walltime = h! * 3600 + m! * 60 + sec!;
    expect(walltime).toBeGreaterThanOrEqual(4);
    expect(walltime).toBeLessThanOrEqual(Math.ceil(observed) + 1);
    expect(used.cput).toMatch(/^00:00:0[1-5]$/);
    expect(Number.parseInt(String(used.mem), 10)).toBeGreaterThan(0);
  });
});
