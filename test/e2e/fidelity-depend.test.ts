// Job dependencies as OpenPBS shows them, with the real commands on one head and its local node:
// the `depend` attribute on both jobs of a dependency (the parent lists the mirror, `beforeok:C`,
// for good; the child lists `afterok:P` until P releases it), a before* on a job that has finished
// or started (accepted, then the new job is deleted), and the server's log lines on the dependent
// in tracejob.
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
const gated = (name: string, status: number, ...opts: string[]) => [
  '-N',
  name,
  ...opts,
  '--',
  '/bin/sh',
  '-c',
  `while [ ! -e ${gate}-${name} ]; do sleep 0.1; done; exit ${status}`,
];
const open = (name: string) => writeFileSync(`${gate}-${name}`, '');
const dependent = (spec: string) => head.submit(['-W', `depend=${spec}`, '--', '/bin/true']);
/** `ID@server`, as a depend list names a job. */
const at = (id: string) => `${id}@${head.server}`;

/** The depend attribute of `qstat -x -f` (its wrapped lines joined again) and of `-F json`. */
async function depend(id: string): Promise<{ text: string | undefined; json: unknown }> {
  const r = await head.run('qstat', ['-x', '-f', id]);
  expect(r.code).toBe(0);
  const line = /^ {4}depend = .*(?:\n\t.*)*$/m.exec(r.stdout)?.[0];
  for (const piece of line?.split('\n') ?? []) expect(piece.length).toBeLessThanOrEqual(79);
  return { text: line?.replace(/\n\t/g, ''), json: (await head.json(id))?.depend };
}

/** Both forms show exactly `value` (undefined: no depend attribute at all). */
async function expectDepend(id: string, value: string | undefined): Promise<void> {
  expect(await depend(id)).toEqual({
    text: value === undefined ? undefined : `    depend = ${value}`,
    json: value,
  });
}

/** tracejob's lines, without their time stamps. */
async function trace(id: string): Promise<string[]> {
  const r = await head.run('tracejob', [id]);
  expect(r.code).toBe(0);
  return r.stdout
    .split('\n')
    .filter((l) => /^\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d\.\d{3} {2}/.test(l))
    .map((l) => l.slice(25));
}

describe('the depend attribute on both jobs', () => {
  it('the parent lists the mirror of each after* on it, until it ends and after', async () => {
    const a = await head.submit(gated('a', 0, '-h'));
    const ok = await dependent(`afterok:${a}`);
    const notok = await dependent(`afternotok:${a}`);
    const any = await dependent(`afterany:${a}`);
    const started = await dependent(`after:${a}`);
    const mirror = `beforeok:${at(ok)},beforenotok:${at(notok)},beforeany:${at(any)}`;
    await expectDepend(a, `${mirror},before:${at(started)}`);
    await expectDepend(ok, `afterok:${at(a)}`);
    await expectDepend(notok, `afternotok:${at(a)}`);
    await expectDepend(started, `after:${at(a)}`);

    // a child deleted by its owner keeps its list, and its parent still names it (PBS unregisters
    // nothing on a qdel)
    expect(await head.run('qdel', [any])).toEqual({ code: 0, stdout: '', stderr: '' });
    await head.waitState(any, 'F');
    await expectDepend(any, `afterany:${at(a)}`);
    await expectDepend(a, `${mirror},before:${at(started)}`);

    // `before:` goes once the parent has started, and the child released drops `after:`
    expect((await head.run('qrls', [a])).code).toBe(0);
    await head.waitState(a, 'R');
    await head.waitState(started, 'F');
    await expectDepend(a, mirror);
    await expectDepend(started, undefined);

    // exit 0: afterok released (its list empties), afternotok deleted (keeps it); the finished
    // parent keeps every mirror
    open('a');
    expect((await head.waitState(ok, 'F')).Exit_status).toBe(0);
    const gone = await head.waitState(notok, 'F');
    expect(gone).toMatchObject({
      substate: 92,
      comment: `Job deleted as result of dependency on job ${a}`,
    });
    expect(gone.Exit_status).toBeUndefined();
    await expectDepend(ok, undefined);
    await expectDepend(notok, `afternotok:${at(a)}`);
    await expectDepend(a, mirror);
    expect(await trace(ok)).toContain(`S    Dependency on job ${a} released.`);
    expect(await trace(notok)).toContain(`S    Job deleted as result of dependency on job ${a}`);
  });

  it('before* shows on the job that names it, and its mirror after* on the job that now waits', async () => {
    const later = await head.submit(['-h', '--', '/bin/true']);
    const first = await head.submit(['-W', `depend=beforeok:${later}`, ...gated('b', 0)]);
    await expectDepend(first, `beforeok:${at(later)}`);
    await expectDepend(later, `afterok:${at(first)}`);
    expect(await head.json(later)).toMatchObject({ job_state: 'H', Hold_Types: 'us' });
    expect((await head.run('qrls', [later])).code).toBe(0);
    open('b');
    await head.waitState(first, 'F');
    expect((await head.waitState(later, 'F')).Exit_status).toBe(0);
    await expectDepend(later, undefined);
    await expectDepend(first, `beforeok:${at(later)}`);
    expect(await trace(later)).toContain(`S    Dependency on job ${first} released.`);
  });

  it('lists both ways on one job: what it waits for, then what waits for it', async () => {
    const a = await head.submit(['-h', '--', '/bin/true']);
    const b = await dependent(`afterany:${a}`);
    const c = await dependent(`afterok:${b}`);
    await expectDepend(b, `afterany:${at(a)},beforeok:${at(c)}`);
    expect(await head.run('qdel', [a])).toEqual({ code: 0, stdout: '', stderr: '' });
    await head.waitState(c, 'F');
  });
});

describe('a dependency on a job that has finished', () => {
  it('accepts before* at qsub, then deletes the new job as PBS does', async () => {
    const done = await head.submit(['--', '/bin/true']);
    await head.waitState(done, 'F');
    for (const type of ['before', 'beforeok', 'beforenotok', 'beforeany']) {
      const r = await head.run('qsub', ['-W', `depend=${type}:${done}`, '--', '/bin/true']);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toMatch(new RegExp(`^\\d+\\.${head.server.replace(/\./g, '\\.')}\\n$`));
      const id = r.stdout.trim();
      const gone = await head.waitState(id, 'F');
      expect(gone).toMatchObject({
        job_state: 'F',
        substate: 92,
        comment: `Job deleted as result of dependency on job ${done}`,
      });
      expect(gone.Exit_status).toBeUndefined();
      expect(gone.run_count).toBe(0);
      await expectDepend(id, `${type}:${at(done)}`);
      const lines = await trace(id);
      expect(lines.slice(1)).toEqual([
        `S    ${done} Finished job did not satisfy dependency`,
        `S    Job deleted as result of dependency on job ${done}`,
      ]);
    }
    // the finished job never took them
    await expectDepend(done, undefined);
  });

  it('and a before* on a job that has started: accepted, then deleted', async () => {
    const running = await head.submit(gated('c', 0));
    await head.waitState(running, 'R');
    const id = await dependent(`beforeok:${running}`);
    expect((await head.waitState(id, 'F')).comment).toBe(
      `Job deleted as result of dependency on job ${running}`,
    );
    expect((await trace(id)).slice(1)).toEqual([
      `S    Dependency request for job rejected by ${running}`,
      `S    Job deleted as result of dependency on job ${running}`,
    ]);
    await expectDepend(running, undefined);
    open('c');
    await head.waitState(running, 'F');
  });

  it('after* on it is judged at once, with the server’s line on the new job', async () => {
    const done = await head.submit(['--', '/bin/true']);
    expect((await head.waitState(done, 'F')).Exit_status).toBe(0);
    const ok = await dependent(`afterok:${done}`);
    expect((await head.waitState(ok, 'F')).Exit_status).toBe(0);
    expect(await trace(ok)).toContain(`S    ${done} Job has finished, dependency satisfied`);
    await expectDepend(ok, undefined);
    const notok = await dependent(`afternotok:${done}`);
    const gone = await head.waitState(notok, 'F');
    expect(gone).toMatchObject({
      substate: 92,
      comment: `Job deleted as result of dependency on job ${done}`,
    });
    expect((await trace(notok)).slice(1)).toEqual([
      `S    ${done} Finished job did not satisfy dependency`,
      `S    Job deleted as result of dependency on job ${done}`,
    ]);
    await expectDepend(notok, `afternotok:${at(done)}`);
    await expectDepend(done, undefined);
  });
});
