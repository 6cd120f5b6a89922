// Holds, qalter, qdel of waiting jobs, scheduling on a shared node, pbsnodes, tracejob.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import type { TestHead } from '../helpers/head.js';

let cluster: Cluster;
let head: TestHead;
beforeAll(async () => {
  cluster = await startCluster({ head: { ncpus: 2, mem: '1gb', killDelay: 1 } });
  head = cluster.head;
});
afterAll(async () => {
  await cluster?.stop();
});

describe('job control', () => {
  it('qhold/qrls move a queued job between H and Q; a held job does not start', async () => {
    const id = await head.submit(['-h', '--', '/bin/true']);
    expect(await head.state(id)).toBe('H');
    expect((await head.json(id))?.Hold_Types).toBe('u');
    expect((await head.run('qrls', [id])).code).toBe(0);
    await head.waitState(id, 'F');
    // fill both CPUs so that the next job queues
    const other = await head.submit(['--', '/bin/sleep', '30']);
    const filler = await head.submit(['--', '/bin/sleep', '30']);
    await head.waitState(other, 'R');
    await head.waitState(filler, 'R');
    const held = await head.submit(['--', '/bin/true']);
    expect(await head.state(held)).toBe('Q');
    expect((await head.run('qhold', [held])).code).toBe(0);
    expect(await head.state(held)).toBe('H');
    expect((await head.run('qdel', [held, other, filler])).code).toBe(0);
    const j = await head.waitState(held, 'F');
    expect(j.Exit_status).toBeUndefined();
    expect(j.substate).toBe(91);
  });

  it('shares the node while jobs fit and says why the rest wait', async () => {
    const a = await head.submit(['-l', 'ncpus=1', '--', '/bin/sleep', '30']);
    const b = await head.submit(['-l', 'ncpus=1', '--', '/bin/sleep', '30']);
    const c = await head.submit(['-l', 'ncpus=1', '--', '/bin/true']);
    await head.waitState(a, 'R');
    await head.waitState(b, 'R');
    const waiting = await head.waitComment(c);
    expect(waiting.job_state).toBe('Q');
    expect(waiting.comment).toBe('Not Running: Insufficient amount of resource: ncpus (R: 1 A: 0 T: 2)');
    const s = await head.run('qstat', ['-s', c]);
    expect(s.stdout).toContain('Not Running: Insufficient amount of resource: ncpus');
    const nodes = await head.run('pbsnodes', ['-a']);
    expect(nodes.stdout).toMatch(/state = job-busy/);
    expect(nodes.stdout).toMatch(/resources_assigned.ncpus = 2/);
    await head.run('qdel', [a]);
    await head.waitState(c, 'F');
    await head.run('qdel', [b]);
    await head.waitState(b, 'F');
  });

  it('runs higher priority first', async () => {
    const blocker = await head.submit(['-l', 'ncpus=2', '--', '/bin/sleep', '30']);
    await head.waitState(blocker, 'R');
    const low = await head.submit(['-p', '-5', '-l', 'ncpus=2', '--', '/bin/true']);
    const high = await head.submit(['-p', '10', '-l', 'ncpus=2', '--', '/bin/true']);
    await head.run('qdel', [blocker]);
    await head.waitState(high, 'F');
    await head.waitState(low, 'F');
    const trace = await head.run('tracejob', [low]);
    const highTrace = await head.run('tracejob', [high]);
    const runAt = (t: string) =>
      t
        .split('\n')
        .find((line) => line.includes('Job Run'))!
        .slice(0, 23);
    expect(runAt(highTrace.stdout) <= runAt(trace.stdout)).toBe(true);
  });

  it('qalter changes name, priority, resources and holds of a queued job; refuses a running one', async () => {
    const id = await head.submit(['-h', '-N', 'before', '-l', 'walltime=10:00', '--', '/bin/true']);
    const r = await head.run('qalter', [
      '-N',
      'after',
      '-p',
      '7',
      '-l',
      'walltime=20:00',
      '-l',
      'mem=100mb',
      id,
    ]);
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const j = (await head.json(id))!;
    expect(j.Job_Name).toBe('after');
    expect(j.Priority).toBe(7);
    expect((j.Resource_List as Record<string, unknown>).walltime).toBe('00:20:00');
    expect((j.Resource_List as Record<string, unknown>).mem).toBe('100mb');
    expect((await head.run('qalter', ['-h', 'n', id])).code).toBe(0);
    await head.waitState(id, 'F');
    const running = await head.submit(['--', '/bin/sleep', '30']);
    await head.waitState(running, 'R');
    const refused = await head.run('qalter', ['-N', 'late', running]);
    expect(refused.code).toBe(167);
    expect(refused.stderr).toBe(`qalter: Cannot modify attribute while job running ${running}\n`);
    const finished = await head.run('qalter', ['-N', 'again', id]);
    expect(finished.code).toBe(35);
    const held = await head.submit(['-h', '--', '/bin/true']);
    const tooBig = await head.run('qalter', ['-l', 'ncpus=64', held]);
    expect(tooBig.code).toBe(188);
    expect(tooBig.stderr).toMatch(/^qalter: Job violates queue and\/or server resource limits/);
    const after = (await head.json(held))!;
    expect((after.Resource_List as Record<string, unknown>).ncpus).toBe(1);
    await head.run('qdel', [held]);
    await head.run('qdel', [running]);
  });

  it('qalter changes the other queued-job attributes, which the run then uses', async () => {
    const id = await head.submit(['-h', '-N', 'paths', '-l', 'walltime=05:00'], 'echo out; echo err >&2\n');
    const r = await head.run('qalter', [
      ...['-A', 'acct7', '-c', 'n', '-j', 'oe', '-k', 'n', '-m', 'abe', '-M', 'me@example.com'],
      ...['-o', 'altered.out', '-e', 'altered.err', '-P', 'proj7', '-r', 'n', '-S', '/bin/sh', '-u', 'root'],
      id,
    ]);
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const j = (await head.json(id))!;
    expect(j).toMatchObject({
      Account_Name: 'acct7',
      Checkpoint: 'n',
      Join_Path: 'oe',
      Mail_Points: 'abe',
      Mail_Users: 'me@example.com',
      project: 'proj7',
      Rerunable: 'False',
      Shell_Path_List: '/bin/sh',
      User_List: 'root',
    });
    expect(String(j.Output_Path)).toMatch(new RegExp(`:${head.work}/altered\\.out$`));
    expect((await head.run('qrls', [id])).code).toBe(0);
    await head.waitState(id, 'F');
    // -j oe merged stderr into the new -o file; no .e file appears
    expect(readFileSync(join(head.work, 'altered.out'), 'utf8')).toBe('out\nerr\n');
    expect(existsSync(join(head.work, 'altered.err'))).toBe(false);
  });

  it('qalter -W depend= replaces the dependencies; -l walltime is checked against the queue', async () => {
    const gate = join(head.work, 'alter-gate');
    const parent = await head.submit(['--', '/bin/sh', '-c', `while [ ! -e ${gate} ]; do sleep 0.1; done`]);
    const child = await head.submit(['--', '/bin/true']);
    // the child may already run; alter a held one instead
    const waiting = await head.submit(['-h', '--', '/bin/true']);
    expect((await head.run('qalter', ['-W', `depend=afterok:${parent}`, waiting])).code).toBe(0);
    expect((await head.run('qrls', [waiting])).code).toBe(0);
    const held = (await head.json(waiting))!;
    expect(held).toMatchObject({
      job_state: 'H',
      Hold_Types: 's',
      depend: `afterok:${parent}@${head.server}`,
    });
    const cycle = await head.run('qalter', ['-W', `depend=afterok:${waiting}`, waiting]);
    expect(cycle.code).toBe(156);
    writeFileSync(gate, '');
    expect((await head.waitState(waiting, 'F')).Exit_status).toBe(0);
    await head.waitState(child, 'F');
    expect(await head.run('qmgr', ['-c', 'create queue capped'])).toMatchObject({ code: 0 });
    expect(await head.run('qmgr', ['-c', 'set queue capped resources_max.walltime = 10:00'])).toMatchObject({
      code: 0,
    });
    const capped = await head.submit(['-h', '-q', 'capped', '-l', 'walltime=05:00', '--', '/bin/true']);
    const over = await head.run('qalter', ['-l', 'walltime=20:00', capped]);
    expect(over.code).toBe(188);
    expect(over.stderr).toContain('the most queue capped allows');
    await head.run('qdel', [capped]);
  });

  it('pbsnodes -o keeps new jobs off a node; -r clears it', async () => {
    const list = await head.run('pbsnodes', ['-a', '-F', 'json']);
    const name = Object.keys(JSON.parse(list.stdout).nodes)[0]!;
    expect((await head.run('pbsnodes', ['-o', name])).code).toBe(0);
    expect((await head.run('pbsnodes', ['-l'])).stdout).toMatch(new RegExp(`^${name}\\s+offline`));
    const id = await head.submit(['--', '/bin/true']);
    const waiting = await head.waitComment(id);
    expect(waiting.job_state).toBe('Q');
    expect((await head.run('pbsnodes', ['-r', name])).code).toBe(0);
    await head.waitState(id, 'F');
    const unknown = await head.run('pbsnodes', ['-o', 'nosuchnode']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toBe('Error marking node nosuchnode - Unknown node nosuchnode\n');
  });

  it('tracejob shows the job events', async () => {
    const id = await head.submit(['-h', '--', '/bin/true']);
    await head.run('qrls', [id]);
    await head.waitState(id, 'F');
    const t = await head.run('tracejob', [id]);
    expect(t.code).toBe(0);
    const kinds = ['Job Queued', 'Holds u released', 'Job Run', 'Started', 'Exit_status=0', 'Job finished'];
    let at = 0;
    for (const k of kinds) {
      const i = t.stdout.indexOf(k, at);
      expect(i, k).toBeGreaterThan(-1);
      at = i;
    }
  });
});
