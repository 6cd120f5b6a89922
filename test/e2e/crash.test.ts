// SIGKILL the head three times at random moments while 200 jobs are queued or running; jobs
// finish while it is down; after the last restart every job is accounted for, none ran twice,
// each has its own exit status and its output.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import { type TestHead, waitUntil } from '../helpers/head.js';

const JOBS = 200;
const KILLS = 3;
let cluster: Cluster;
let head: TestHead;

beforeAll(async () => {
  cluster = await startCluster({ head: { ncpus: 4 } });
  head = cluster.head;
});
afterAll(async () => {
  await cluster?.stop();
});

const lines = (file: string) =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];

describe('head crash', () => {
  it('loses no job and runs none twice', { timeout: 240_000 }, async () => {
    const started = join(head.work, 'started.log');
    const done = join(head.work, 'done.log');
    // no login shell (qsub --): 200 jobs stay cheap on 2 cores
    const body = `echo "$PBS_JOBID" >> ${started}; sleep 0.2; echo "$PBS_JOBID" >> ${done}; echo "output of $PBS_JOBID"; exit $(( \${PBS_JOBID%%.*} % 3 ))`;
    const ids: string[] = [];
    for (let i = 0; i < JOBS; i += 20) {
      ids.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(20, JOBS - i) }, () =>
            head.submit(['-N', 'crash', '--', '/bin/sh', '-c', body]),
          ),
        )),
      );
    }
    expect(new Set(ids).size).toBe(JOBS);
    // kill it while some jobs are done, some are running and most are queued
    await waitUntil(
      () => (lines(done).length >= 4 && lines(started).length > lines(done).length ? true : undefined),
      30_000,
      'a few jobs to finish while others run',
    );
    await head.kill9();
    const doneAtKill = lines(done).length;
    // jobs that were running keep going and finish while the head is down
    await waitUntil(
      () => (lines(done).length > doneAtKill ? true : undefined),
      30_000,
      'a job to finish while the head is down',
    );
    await waitUntil(
      () => (lines(started).length === lines(done).length ? true : undefined),
      30_000,
      'running jobs to end',
    );
    await head.start();
    // twice more, at a random moment of the run
    for (let k = 1; k < KILLS; k++) {
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 1500));
      await head.kill9();
      await head.start();
    }
    const finished = async () => {
      const r = await head.run('qstat', ['-x', '-f', '-F', 'json']);
      const jobs = r.code === 0 ? (JSON.parse(r.stdout).Jobs as Record<string, Record<string, unknown>>) : {};
      return ids.every((id) => jobs[id]?.job_state === 'F') ? jobs : undefined;
    };
    const jobs = await waitUntil(finished, 120_000, 'every job to finish');
    for (const id of ids) {
      expect(jobs[id]!.Exit_status, id).toBe(Number(id.split('.')[0]) % 3);
      expect(jobs[id]!.run_count, id).toBe(1);
      const out = readFileSync(join(head.work, `crash.o${id.split('.')[0]}`), 'utf8');
      expect(out).toBe(`output of ${id}\n`);
    }
    const ran = lines(started);
    expect(ran.length).toBe(JOBS);
    expect(new Set(ran).size).toBe(JOBS);
    expect(lines(done).sort()).toEqual([...ids].sort());
    const all = await head.run('qstat', ['-x']);
    expect(all.stdout.split('\n').filter((l) => / F workq/.test(l)).length).toBe(JOBS);
  });
});
