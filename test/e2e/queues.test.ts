// Queues and their limits with the real commands: drover queue, qmgr, qsub -q, qstat -Q.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import type { TestHead } from '../helpers/head.js';

let cluster: Cluster;
let head: TestHead;
let gate: string;
beforeAll(async () => {
  cluster = await startCluster({ head: { ncpus: 4, killDelay: 1 } });
  head = cluster.head;
  gate = join(head.work, 'gate');
});
afterAll(async () => {
  await cluster?.stop();
});

const until = (name: string) => ['--', '/bin/sh', '-c', `while [ ! -e ${gate}-${name} ]; do sleep 0.1; done`];

describe('queues', () => {
  it('drover queue add and qmgr create queues that qstat -Q shows with their limits', async () => {
    const add = await head.run('drover', [
      'queue',
      'add',
      'short',
      '--max-run',
      '1',
      '--max-walltime',
      '10:00',
    ]);
    expect(add).toMatchObject({ code: 0, stdout: 'queue short added\n' });
    for (const c of [
      'create queue long',
      's q long max_user_run = 1, resources_default.walltime = 30:00',
      'set queue long Priority = 5',
    ])
      expect(await head.run('qmgr', ['-c', c])).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const q = await head.run('qstat', ['-Q']);
    expect(q.stdout).toMatch(/^short\s+1\s+0 yes yes/m);
    const f = await head.run('qstat', ['-Qf', 'long']);
    expect(f.stdout).toContain('    max_user_run = 1\n');
    expect(f.stdout).toContain('    resources_default.walltime = 00:30:00\n');
    expect(f.stdout).toContain('    Priority = 5\n');
  });

  it('refuses a walltime above the queue maximum (188) and gives the default walltime to jobs without one', async () => {
    const r = await head.run('qsub', ['-q', 'short', '-l', 'walltime=1:00:00', '--', '/bin/true']);
    expect(r).toMatchObject({ code: 188, stdout: '' });
    expect(r.stderr).toBe(
      'qsub: Job violates queue and/or server resource limits (walltime 01:00:00 > 00:10:00, the most queue short allows)\n',
    );
    const id = await head.submit(['-q', 'long', '--', '/bin/true']);
    const j = await head.waitState(id, 'F');
    expect((j.Resource_List as Record<string, string>).walltime).toBe('00:30:00');
  });

  it('runs at most max_run jobs of a queue and says why the others wait; qmgr raising the limit lets them run', async () => {
    const a = await head.submit(['-q', 'short', ...until('a')]);
    const b = await head.submit(['-q', 'short', ...until('a')]);
    await head.waitState(a, 'R');
    const waiting = await head.waitComment(b);
    expect(waiting).toMatchObject({
      job_state: 'Q',
      comment: 'Not Running: Queue short job limit has been reached',
    });
    expect((await head.run('qmgr', ['-c', 'set queue short max_running = 2'])).code).toBe(0);
    await head.waitState(b, 'R');
    writeFileSync(`${gate}-a`, '');
    await head.waitState(b, 'F');
  });

  it('a per-user limit, and a stopped queue that keeps its jobs queued until started', async () => {
    const a = await head.submit(['-q', 'long', ...until('b')]);
    const b = await head.submit(['-q', 'long', ...until('b')]);
    await head.waitState(a, 'R');
    expect((await head.waitComment(b)).comment).toMatch(
      /^Not Running: User \S+ has reached queue long running job limit$/,
    );
    writeFileSync(`${gate}-b`, '');
    await head.waitState(b, 'F');
    expect((await head.run('drover', ['queue', 'set', 'short', '--stopped'])).code).toBe(0);
    const s = await head.submit(['-q', 'short', '--', '/bin/true']);
    expect((await head.waitComment(s)).comment).toBe('Not Running: Queue short is not started');
    expect((await head.run('qmgr', ['-c', 'set queue short started = true'])).code).toBe(0);
    await head.waitState(s, 'F');
  });

  it('a disabled queue refuses jobs (173); print server replays into qmgr; bad commands get clear errors', async () => {
    expect((await head.run('drover', ['queue', 'set', 'short', '--disabled'])).code).toBe(0);
    expect(await head.run('qsub', ['-q', 'short', '--', '/bin/true'])).toMatchObject({
      code: 173,
      stderr: 'qsub: Queue is not enabled\n',
    });
    const printed = (await head.run('qmgr', ['-c', 'print queue long'])).stdout;
    expect(printed).toContain('set queue long max_user_run = 1\n');
    expect((await head.run('qmgr', ['-c', 'delete queue long'])).code).toBe(0);
    expect(await head.run('qmgr', [], { input: printed })).toMatchObject({ code: 0, stderr: '' });
    expect((await head.run('qstat', ['-Qf', 'long'])).stdout).toContain('    max_user_run = 1\n');
    expect(await head.run('qmgr', ['-c', 'set queue nosuch enabled = true'])).toMatchObject({
      code: 170,
      stderr: 'qmgr: Unknown queue nosuch\n',
    });
    expect((await head.run('qmgr', ['-c', 'delete queue workq'])).stderr).toBe(
      'qmgr: Queue workq is the default queue; set another default first\n',
    );
    expect((await head.run('drover', ['queue', 'add', 'x', '--max-run', 'lots'])).stderr).toBe(
      'drover: --max-run wants a number or none, not lots\n',
    );
  });
});
