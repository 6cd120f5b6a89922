// Recurring jobs with the real commands and the real clock: qsub --cron (and #PBS --cron),
// qstat --cron, jobs with PBS_CRON_ID, qdel of the C id.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import { type TestHead, waitUntil } from '../helpers/head.js';

let cluster: Cluster;
let head: TestHead;
beforeAll(async () => {
  cluster = await startCluster({ head: { ncpus: 2 } });
  head = cluster.head;
});
afterAll(async () => {
  await cluster?.stop();
});

const outputs = (name: string) => readdirSync(head.work).filter((f) => f.startsWith(`${name}.o`));

describe('recurring jobs', () => {
  it('qsub --cron prints a C id; each tick runs a job with PBS_CRON_ID; qdel C… stops it', async () => {
    const r = await head.run('qsub', [
      '--cron',
      '* * * * * *',
      '-N',
      'tick',
      '--',
      '/bin/sh',
      '-c',
      'echo "$PBS_CRON_ID"',
    ]);
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(new RegExp(`^C\\d+\\.${head.server}$`));
    await waitUntil(() => (outputs('tick').length >= 2 ? true : undefined), 20_000, 'two ticks');
    for (const f of outputs('tick')) expect(readFileSync(join(head.work, f), 'utf8')).toBe(`${id}\n`);
    const list = await head.run('qstat', ['--cron']);
    expect(list.stdout).toMatch(
      new RegExp(`^${id.replace('.', '\\.')}\\s+tick\\s+\\S+\\s+\\* \\* \\* \\* \\* \\*`, 'm'),
    );
    expect((await head.run('qdel', [id.split('.')[0]!])).code).toBe(0);
    expect((await head.run('qstat', ['--cron'])).stdout).toBe('');
    expect((await head.run('qdel', [id])).stderr).toBe(`qdel: Unknown Job Id ${id}\n`);
  });

  it('#PBS --cron in a script makes a template too; a bad schedule is refused', async () => {
    writeFileSync(
      join(head.work, 'nightly.sh'),
      '#!/bin/sh\n#PBS -N nightly\n#PBS --cron "0 2 * * *"\necho run\n',
    );
    const id = (await head.submit(['nightly.sh'])).trim();
    expect(id).toMatch(/^C\d+\./);
    const list = await head.run('qstat', ['--cron']);
    expect(list.stdout).toMatch(/nightly\s+\S+\s+0 2 \* \* \*\s+\w{3} \w{3} [ \d]\d 02:00:00 \d{4}\s+0 --/);
    const bad = await head.run('qsub', ['--cron', '0 25 * * *', '--', '/bin/true']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^qsub: illegal --cron value: 0 25 \* \* \* \(/);
    await head.run('qdel', [id]);
  });
});
