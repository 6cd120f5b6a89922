// Bad input gets PBS's message and exit code, and creates no job.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import type { TestHead } from '../helpers/head.js';

let cluster: Cluster;
let head: TestHead;
beforeAll(async () => {
  cluster = await startCluster({ head: { ncpus: 2, mem: '1gb' } });
  head = cluster.head;
  writeFileSync(join(head.work, 'ok.sh'), 'echo ok\n');
  writeFileSync(join(head.work, 'crlf.sh'), '#PBS -N x\r\necho hi\r\n');
  writeFileSync(join(head.work, 'baddir.sh'), '#PBS -N foo bar\necho hi\n');
  mkdirSync(join(head.work, 'adir'));
});
afterAll(async () => {
  await cluster?.stop();
});

const cases: { name: string; args: string[]; code: number; stderr: RegExp }[] = [
  {
    name: 'missing script',
    args: ['nosuch.sh'],
    code: 1,
    stderr: /^qsub: script file:: No such file or directory\n$/,
  },
  { name: 'script is a directory', args: ['adir'], code: 1, stderr: /^qsub: script not a file\n$/ },
  { name: 'CRLF script', args: ['crlf.sh'], code: 1, stderr: /^qsub: script contains cr, lf\n$/ },
  { name: 'directive error', args: ['baddir.sh'], code: 1, stderr: /qsub: directive error: -N foo bar \n$/ },
  {
    name: 'unknown option',
    args: ['-Z', 'ok.sh'],
    code: 2,
    stderr: /^qsub: invalid option -- 'Z'\nusage: qsub/,
  },
  {
    name: 'bad -l value',
    args: ['-l', 'walltime=abc', 'ok.sh'],
    code: 166,
    stderr: /^qsub: Illegal attribute or resource value Resource_List.walltime\n$/,
  },
  {
    name: 'unknown resource',
    args: ['-l', 'foo=1', 'ok.sh'],
    code: 187,
    stderr: /^qsub: Unknown resource Resource_List.foo\n$/,
  },
  { name: 'unknown queue', args: ['-q', 'nosuch', 'ok.sh'], code: 170, stderr: /^qsub: Unknown queue\n$/ },
  {
    name: 'too big for every node',
    args: ['-l', 'ncpus=64', 'ok.sh'],
    code: 188,
    stderr: /^qsub: Job violates queue and\/or server resource limits .*ncpus/,
  },
  { name: 'too much memory', args: ['-l', 'select=1:ncpus=1:mem=64gb', 'ok.sh'], code: 188, stderr: /mem/ },
  { name: 'bad -N', args: ['-N', 'a b', 'ok.sh'], code: 2, stderr: /^qsub: illegal -N value\n/ },
  { name: 'bad -p', args: ['-p', '5000', 'ok.sh'], code: 2, stderr: /^qsub: illegal -p value\n/ },
  {
    name: 'place without select',
    args: ['-l', 'place=scatter', 'ok.sh'],
    code: 7,
    stderr: /Cannot have "place" without "select"/,
  },
  {
    name: 'a dependency on an unknown job',
    args: ['-W', 'depend=afterok:1', 'ok.sh'],
    code: 153,
    stderr: /^qsub: Unknown Job Id 1\.\S+ \(in -W depend=\)\n$/,
  },
  {
    name: 'a dependency type Drover does not offer',
    args: ['-W', 'depend=on:2', 'ok.sh'],
    code: 1,
    stderr: /^qsub: -W depend=on is not supported by this Drover server\n$/,
  },
  { name: 'nothing after --', args: ['--'], code: 2, stderr: /usage: qsub/ },
];

describe('qsub refuses bad input and creates no job', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const r = await head.run('qsub', c.args);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(c.stderr);
      expect(r.code).toBe(c.code);
    });
  }

  it('left no job behind', async () => {
    const r = await head.run('qstat', ['-x']);
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });
});

describe('other commands', () => {
  it('qstat: unknown id 153, finished id without -x 35, good ids still printed', async () => {
    const id = await head.submit(['ok.sh']);
    await head.waitState(id, 'F');
    const r = await head.run('qstat', ['999', id]);
    expect(r.code).toBe(35);
    expect(r.stderr).toBe(
      `qstat: Unknown Job Id 999.${head.server}\nqstat: ${id} Job has finished, use -x or -H to obtain historical job information\n`,
    );
    const x = await head.run('qstat', ['-x', '999', id]);
    expect(x.code).toBe(153);
    expect(x.stdout).toContain(id.slice(0, 16));
    expect((await head.run('qstat', ['-a', '-F', 'json'])).code).toBe(2);
    expect((await head.run('qstat', ['abc$'])).stderr).toBe('qstat: illegally formed destination: abc$\n');
  });

  it('qdel names unknown ids in full (SEQ.server); qhold says the job has finished', async () => {
    const id = await head.submit(['ok.sh']);
    await head.waitState(id, 'F');
    const d = await head.run('qdel', ['100000']);
    expect(d).toMatchObject({ code: 153, stderr: `qdel: Unknown Job Id 100000.${head.server}\n` });
    const f = await head.run('qdel', [id]);
    expect(f).toMatchObject({ code: 35, stderr: `qdel: Job has finished ${id}\n` });
    const h = await head.run('qhold', [id]);
    expect(h).toMatchObject({ code: 35, stderr: 'qhold: Job has finished\n' });
    expect((await head.run('qhold', [])).code).toBe(2);
    expect((await head.run('qhold', ['-h', 'x', id])).code).toBe(2);
  });

  it('a head that is not running: cannot connect, and nothing is submitted', async () => {
    const env = { ...head.env, DROVER_HOME: join(head.home, 'nowhere') };
    const r = await head.run('qsub', ['ok.sh'], { env });
    expect(r.code).toBe(111);
    expect(r.stderr).toMatch(/^qsub: cannot connect to server \S+ \(errno=\d+\)\n$/);
    const s = await head.run('qstat', [], { env });
    expect(s.code).toBe(111);
  });

  it('a head with damaged records in its database starts, ends those jobs and runs the others', async () => {
    const held = await head.submit(['-h', 'ok.sh']);
    const huge = await head.submit(['-h', 'ok.sh']);
    const kept = await head.submit(['-h', 'ok.sh']);
    await head.kill9();
    const db = new Database(join(head.stateDir, 'head.db'));
    const seq = (id: string) => Number(id.split('.')[0]);
    db.prepare('UPDATE jobs SET spec = ? WHERE seq = ?').run('{"name": "x", broken', seq(held));
    db.prepare(
      "UPDATE jobs SET row = json_set(row, '$.resources.chunks[0].mpiprocs', 5000000000) WHERE seq = ?",
    ).run(seq(huge));
    db.close();
    await head.start();
    for (const id of [held, huge]) {
      const job = await head.waitState(id, 'F');
      expect(job.Exit_status).toBe(-1);
      expect(job.comment).toMatch(/^Job record damaged, job ended when the head started: /);
      expect((await head.run('tracejob', [id])).stdout).toMatch(/Job record damaged/);
    }
    expect((await head.json(huge))?.Resource_List).toMatchObject({ select: '1:ncpus=1' });
    expect((await head.run('qrls', [kept])).code).toBe(0);
    expect((await head.waitState(kept, 'F')).Exit_status).toBe(0);
  });
});
