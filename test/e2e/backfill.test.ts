// EASY backfill on a busy node with the real commands: the top job gets a reservation (qstat -T,
// estimated.start_time), a short job runs ahead of it, a long one waits for it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import type { TestHead } from '../helpers/head.js';

let cluster: Cluster;
let head: TestHead;
beforeAll(async () => {
  cluster = await startCluster({ head: { ncpus: 4, killDelay: 1 } });
  head = cluster.head;
});
afterAll(async () => {
  await cluster?.stop();
});

describe('backfill', () => {
  it('reserves the top job, runs a short job ahead of it and keeps a long one back', async () => {
    const gate = join(head.work, 'backfill-gate');
    const wait = ['--', '/bin/sh', '-c', `while [ ! -e ${gate} ]; do sleep 0.1; done`];
    const big = await head.submit(['-l', 'ncpus=3,walltime=00:02:00', ...wait]);
    await head.waitState(big, 'R');
    const top = await head.submit(['-p', '10', '-l', 'ncpus=4,walltime=00:01:00', '--', '/bin/true']);
    const long = await head.submit(['-p', '5', '-l', 'ncpus=1,walltime=01:00:00', '--', '/bin/true']);
    const short = await head.submit(['-l', 'ncpus=1,walltime=00:00:30', '--', '/bin/sleep', '0.5']);
    expect((await head.waitState(short, 'F')).Exit_status).toBe(0);
    expect(await head.json(long)).toMatchObject({
      job_state: 'Q',
      comment: 'Not Running: Job would conflict with reservation or top job',
    });
    const t = await head.json(top);
    expect(t?.job_state).toBe('Q');
    expect(t?.comment).toMatch(/^Not Running: Insufficient amount of resource: ncpus/);
    const estimate = Date.parse(String((t?.estimated as Record<string, string> | undefined)?.start_time));
    const stime = Date.parse(String((await head.json(big))?.stime));
    expect(estimate - stime).toBeGreaterThan(100_000); // big's start + its 2 minutes
    expect(estimate - stime).toBeLessThanOrEqual(121_000);
    const table = await head.run('qstat', ['-T', top, long]);
    // HH:MM today; `Dd HH` (e.g. `We 00`) when the estimate falls on the next day (near midnight)
    expect(table.stdout).toMatch(
      new RegExp(`^${top.slice(0, 15).replace('.', '\\.')}.* Q (\\d\\d:\\d\\d|[A-Z][a-z] \\d\\d)$`, 'm'),
    );
    expect(table.stdout).toMatch(/ Q +--$/m);
    writeFileSync(gate, '');
    expect((await head.waitState(top, 'F')).Exit_status).toBe(0);
    expect((await head.waitState(long, 'F')).Exit_status).toBe(0);
  });
});
