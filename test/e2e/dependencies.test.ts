// qsub -W depend= with the real commands: chains, each type, the failure
// cascade, before*, and the refusals of unknown ids and cycles.
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

/** A job that waits for `gate-NAME` to exist, then exits with `status`. */
const gated = (name: string, status: number) => [
  '-N',
  name,
  '--',
  '/bin/sh',
  '-c',
  `while [ ! -e ${gate}-${name} ]; do sleep 0.1; done; exit ${status}`,
];
const open = (name: string) => writeFileSync(`${gate}-${name}`, '');
const dependent = (spec: string, ...args: string[]) => head.submit(['-W', `depend=${spec}`, ...args]);

describe('job dependencies', () => {
  it('holds afterok/afterany dependents in H with a system hold and releases them when the parent ends well', async () => {
    const a = await head.submit(gated('a', 0));
    const ok = await dependent(`afterok:${a}`, '--', '/bin/true');
    const any = await dependent(`afterany:${a.split('.')[0]}`, '--', '/bin/true');
    const started = await dependent(`after:${a}`, '--', '/bin/true');
    await head.waitState(started, 'F');
    const held = await head.json(ok);
    expect(held).toMatchObject({
      job_state: 'H',
      Hold_Types: 's',
      substate: 22,
      depend: `afterok:${a}@${head.server}`,
    });
    expect(held?.comment).toBe('Not Running: Waiting for dependency');
    const f = await head.run('qstat', ['-f', ok]);
    expect(f.stdout).toContain(`    depend = afterok:${a}@${head.server}\n`);
    open('a');
    for (const id of [ok, any]) expect((await head.waitState(id, 'F')).Exit_status).toBe(0);
  });

  it('deletes what can never run when the parent fails, and their dependents in turn', async () => {
    const a = await head.submit(gated('b', 3));
    const ok = await dependent(`afterok:${a}`, '--', '/bin/true');
    const grandchild = await dependent(`afterany:${ok}`, '--', '/bin/true');
    const notok = await dependent(`afternotok:${a}`, '--', '/bin/true');
    open('b');
    expect((await head.waitState(notok, 'F')).Exit_status).toBe(0);
    const gone = await head.waitState(ok, 'F');
    expect(gone.Exit_status).toBeUndefined();
    expect(gone.comment).toBe(`Job deleted as result of dependency on job ${a}`);
    expect((await head.waitState(grandchild, 'F')).comment).toBe(
      `Job deleted as result of dependency on job ${ok}`,
    );
    const trace = await head.run('tracejob', [ok]);
    expect(trace.stdout).toContain(`Job deleted as result of dependency on job ${a}`);
  });

  it('qdel of a running parent counts as a failure: afternotok runs, afterok is deleted', async () => {
    const a = await head.submit(gated('c', 0));
    await head.waitState(a, 'R');
    const ok = await dependent(`afterok:${a}`, '--', '/bin/true');
    const notok = await dependent(`afternotok:${a}`, '--', '/bin/true');
    expect((await head.run('qdel', [a])).code).toBe(0);
    expect((await head.waitState(a, 'F')).Exit_status).toBe(271);
    expect((await head.waitState(notok, 'F')).Exit_status).toBe(0);
    expect((await head.waitState(ok, 'F')).comment).toBe(`Job deleted as result of dependency on job ${a}`);
  });

  it('before* makes a held job wait for the new one', async () => {
    const later = await head.submit(['-h', '--', '/bin/true']);
    const first = await head.submit(['-W', `depend=beforeok:${later}`, ...gated('d', 0)]);
    expect((await head.run('qrls', [later])).code).toBe(0);
    expect(await head.json(later)).toMatchObject({ job_state: 'H', Hold_Types: 's' });
    open('d');
    await head.waitState(first, 'F');
    expect((await head.waitState(later, 'F')).Exit_status).toBe(0);
  });

  it('refuses unknown ids and cycles at qsub, with PBS exit codes', async () => {
    const unknown = await head.run('qsub', ['-W', 'depend=afterok:99999', '--', '/bin/true']);
    expect(unknown).toMatchObject({
      code: 153,
      stdout: '',
      stderr: `qsub: Unknown Job Id 99999.${head.server} (in -W depend=)\n`,
    });
    const x = await head.submit(['-h', '--', '/bin/true']);
    const y = await dependent(`afterok:${x}`, '--', '/bin/true');
    const cycle = await head.run('qsub', ['-W', `depend="afterok:${y},before:${x}"`, '--', '/bin/true']);
    expect(cycle.code).toBe(156);
    expect(cycle.stderr).toBe('qsub: the dependencies would make a cycle: a job would wait for itself\n');
    const sub = await head.run('qsub', ['-W', 'depend=afterok:12[3]', '--', '/bin/true']);
    expect(sub.code).toBe(2);
    await head.run('qdel', [x, y]);
  });
});
