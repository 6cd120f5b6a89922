// Job arrays with the real commands: -J and -t (Torque mode), subjob ids and
// environment, output names, B and X, qstat -t/-J, %N, qdel/qhold/qrls on the parent, subjobs
// and ranges, the parent's Exit_status, afterok on a whole array, and a 10,000-subjob array.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import { type TestHead, waitUntil } from '../helpers/head.js';

let cluster: Cluster;
let head: TestHead;
beforeAll(async () => {
  cluster = await startCluster({ head: { ncpus: 4, killDelay: 1 } });
  head = cluster.head;
});
afterAll(async () => {
  await cluster?.stop();
});

const seqOf = (id: string) => id.slice(0, id.indexOf('['));

describe('job arrays', () => {
  it('-J runs one subjob per index with PBS_ARRAY_INDEX/PBS_ARRAY_ID and NAME.o<seq>.<index> files', async () => {
    const script =
      '#PBS -N arr\necho "$PBS_JOBID $PBS_ARRAY_INDEX $PBS_ARRAY_ID"\nexit $((PBS_ARRAY_INDEX % 3 == 0 ? 0 : 0))\n';
    const id = await head.submit(['-J', '1-7:3'], script);
    expect(id).toMatch(/^\d+\[\]\./);
    const parent = await head.waitState(id, 'F');
    expect(parent).toMatchObject({ job_state: 'F', Exit_status: 0, substate: 92, array: 'True' });
    const seq = seqOf(id);
    const server = id.slice(id.indexOf('].') + 2);
    for (const index of [1, 4, 7]) {
      const out = readFileSync(join(head.work, `arr.o${seq}.${index}`), 'utf8');
      expect(out).toBe(`${seq}[${index}].${server} ${index} ${seq}[].${server}\n`);
    }
    expect(existsSync(join(head.work, `arr.o${seq}.2`))).toBe(false);
    const sub = await head.json(`${seq}[4]`);
    expect(sub).toMatchObject({ job_state: 'F', array_id: id, array_index: 4, Exit_status: 0 });
  });

  it('Torque -t (Torque mode) takes a list, sets PBS_ARRAYID and names files NAME.o<seq>-<index>', async () => {
    const torque = { ...head.env, DROVER_COMPAT: 'torque' };
    const r = await head.run('qsub', ['-N', 'tq', '-t', '2,5'], {
      input: 'echo "idx=$PBS_ARRAYID"\n',
      env: torque,
    });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const id = r.stdout.trim();
    await head.waitState(id, 'F');
    expect(readFileSync(join(head.work, `tq.o${seqOf(id)}-5`), 'utf8')).toBe('idx=5\n');
    expect(readFileSync(join(head.work, `tq.o${seqOf(id)}-2`), 'utf8')).toBe('idx=2\n');
  });

  it('shows B, X and the subjobs with qstat -t, parents with -J, and limits running subjobs with %N', async () => {
    const gate = join(head.work, 'gate-n');
    const id = await head.submit(
      ['-N', 'lim', '-J', '1-4%2'],
      `while [ ! -e ${gate}-$PBS_ARRAY_INDEX ]; do sleep 0.1; done\n`,
    );
    const seq = seqOf(id);
    await waitUntil(async () => ((await head.json(id))?.job_state === 'B' ? true : undefined), 10_000, 'B');
    const running = async () => {
      const t = await head.run('qstat', ['-t', id]);
      return t.stdout.split('\n').filter((l) => / R workq/.test(l)).length;
    };
    await waitUntil(async () => ((await running()) === 2 ? true : undefined), 10_000, 'two running');
    const waiting = await head.waitComment(`${seq}[3]`);
    expect(waiting.comment).toBe("Not Running: Array job's max_run_subjobs limit reached");
    const f = await head.run('qstat', ['-f', id]);
    expect(f.stdout).toContain('    array_state_count = Queued:2 Running:2 Exiting:0 Expired:0\n');
    expect(f.stdout).toContain('    array_indices_submitted = 1-4\n');
    expect(f.stdout).toContain('    array_indices_remaining = 3-4\n');
    expect(f.stdout).toContain('    max_run_subjobs = 2\n');
    writeFileSync(`${gate}-1`, '');
    await waitUntil(
      async () => ((await head.json(`${seq}[1]`))?.job_state === 'X' ? true : undefined),
      10_000,
      'X',
    );
    expect(await running()).toBeLessThanOrEqual(2);
    const plain = await head.run('qstat', []);
    expect(plain.stdout).toContain(`${seq}[]`);
    expect(plain.stdout).not.toContain(`${seq}[1]`);
    const t = await head.run('qstat', ['-t']);
    expect(t.stdout).toMatch(new RegExp(`${seq}\\[1\\]\\S*\\s+lim.* X workq`));
    const jt = await head.run('qstat', ['-J', '-t']);
    expect(jt.stdout).not.toContain(`${seq}[]`);
    expect(jt.stdout).toContain(`${seq}[2]`);
    const j = await head.run('qstat', ['-J']);
    expect(j.stdout).toContain(`${seq}[]`);
    expect(j.stdout).not.toContain(`${seq}[2]`);
    for (const i of [2, 3, 4]) writeFileSync(`${gate}-${i}`, '');
    const done = await head.waitState(id, 'F');
    expect(done.Exit_status).toBe(0);
    // once the array is done its subjobs are F too
    expect((await head.json(`${seq}[1]`))?.job_state).toBe('F');
  });

  it("the parent's Exit_status is the worst subjob's category; afterok on 123[] waits for the whole array", async () => {
    const bad = await head.submit(['-J', '1-3'], 'exit $((PBS_ARRAY_INDEX == 2 ? 5 : 0))\n');
    const child = await head.submit(['-W', `depend=afterok:${bad}`, '--', '/bin/true']);
    const notok = await head.submit(['-W', `depend=afternotok:${bad}`, '--', '/bin/true']);
    const parent = await head.waitState(bad, 'F');
    expect(parent).toMatchObject({ Exit_status: 1, substate: 93 });
    expect((await head.json(`${seqOf(bad)}[2]`))?.Exit_status).toBe(5);
    expect((await head.waitState(notok, 'F')).Exit_status).toBe(0);
    const deleted = await head.waitState(child, 'F');
    expect(deleted.Exit_status).toBeUndefined();
    expect(String(deleted.comment)).toContain(`dependency on job ${bad}`);
    const sub = await head.run('qsub', ['-W', `depend=afterok:${seqOf(bad)}[1]`, '--', '/bin/true']);
    expect(sub.code).toBe(2);
    expect(sub.stderr).toContain('cannot have dependancy on subjob or range');
  });

  it('qhold of the array keeps its subjobs from starting; qhold of a subjob is refused; qrls lets them run', async () => {
    const id = await head.submit(['-h', '-J', '0-2'], 'true\n');
    expect((await head.json(id))?.job_state).toBe('H');
    const refused = await head.run('qhold', [`${seqOf(id)}[1]`]);
    expect(refused.code).toBe(156);
    expect(refused.stderr).toContain('Invalid request');
    // the scheduler runs while the array is held: none of its subjobs starts
    await head.submit(['--', '/bin/true']).then((other) => head.waitState(other, 'F'));
    expect((await head.json(`${seqOf(id)}[0]`))?.job_state).toBe('Q');
    expect((await head.run('qrls', [id])).code).toBe(0);
    expect((await head.waitState(id, 'F')).Exit_status).toBe(0);
  });

  it('qdel of a range, of a subjob, of an X subjob (55) and of the whole array', async () => {
    const id = await head.submit(['-J', '1-6'], 'sleep 30\n');
    const seq = seqOf(id);
    await waitUntil(
      async () => ((await head.json(`${seq}[1]`))?.job_state === 'R' ? true : undefined),
      10_000,
      'R',
    );
    expect((await head.run('qdel', [`${seq}[5-6]`])).code).toBe(0);
    expect((await head.json(`${seq}[5]`))?.job_state).toBe('X');
    expect((await head.run('qdel', [`${seq}[1]`])).code).toBe(0);
    await waitUntil(
      async () => ((await head.json(`${seq}[1]`))?.job_state === 'X' ? true : undefined),
      10_000,
      'X',
    );
    const again = await head.run('qdel', [`${seq}[5]`]);
    expect(again.code).toBe(55);
    expect(again.stderr).toContain('Request invalid for finished array subjob');
    expect((await head.run('qdel', [id])).code).toBe(0);
    const parent = await head.waitState(id, 'F');
    expect(parent.substate).toBe(91);
    expect((await head.json(`${seq}[1]`))?.Exit_status).toBe(271);
  });

  it('a 10,000-subjob array submits in one call and leaves other work running', async () => {
    const t0 = Date.now();
    const id = await head.submit(['-h', '-J', '1-10000'], 'true\n');
    const submitMs = Date.now() - t0;
    expect(submitMs).toBeLessThan(10_000);
    const f = await head.json(id);
    expect(f).toMatchObject({
      job_state: 'H',
      array_indices_remaining: '1-10000',
      array_state_count: 'Queued:10000 Running:0 Exiting:0 Expired:0',
    });
    const other = await head.submit(['--', '/bin/true']);
    expect((await head.waitState(other, 'F')).Exit_status).toBe(0);
    const del = await head.run('qdel', [id]);
    expect(del.code).toBe(0);
    expect((await head.waitState(id, 'F')).substate).toBe(91);
  });
});
