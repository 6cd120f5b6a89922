// The programs that drive PBS: each test replays what one of them runs
// and parses, with its regexes and state mappings as their documentation and code describe
// them, against the real commands. A second head runs in Torque mode for the Torque clients.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startClusters } from '../helpers/cluster.js';
import { type TestHead, waitUntil } from '../helpers/head.js';

let clusters: Cluster[] = [];
let pbs: TestHead;
let torque: TestHead;
beforeAll(async () => {
  clusters = await startClusters(
    { head: { ncpus: 2 } },
    { head: { ncpus: 2, extraArgs: ['--torque', '--keep-completed', '600'] } },
  );
  [pbs, torque] = clusters.map((c) => c.head) as [TestHead, TestHead];
});
afterAll(async () => {
  await Promise.all(clusters.map((c) => c.stop()));
});

/** Nextflow's state map (PbsProExecutor): F→done, E/R→running, Q→pending, H/S/U/W/T/M→hold. */
const NEXTFLOW: Record<string, string> = {
  F: 'done',
  E: 'running',
  R: 'running',
  Q: 'pending',
  H: 'hold',
  W: 'hold',
};

describe('dask-jobqueue', () => {
  it('submits a temporary script it deletes at once, finds the id with \\d+, cancels with the bare number', async () => {
    const dir = join(pbs.work, 'dask');
    mkdirSync(dir);
    const script = join(dir, 'tmp_job.sh');
    writeFileSync(
      script,
      [
        '#!/usr/bin/env bash',
        '#PBS -N dask-worker',
        '#PBS -q workq',
        '#PBS -A myaccount',
        '#PBS -l select=1:ncpus=1:mem=954MB',
        '#PBS -l walltime=00:30:00',
        `#PBS -e ${dir}/`,
        `#PBS -o ${dir}/`,
        `touch ${dir}/worker-started`,
        'sleep 60',
        '',
      ].join('\n'),
    );
    const out = await pbs.run('qsub', [script]);
    rmSync(script);
    const jobId = /(?<job_id>\d+)/.exec(out.stdout)?.groups?.job_id;
    expect(jobId).toBeDefined();
    await pbs.waitState(out.stdout.trim(), 'R');
    // cancel the worker once it runs (a qdel during the login would cut the node's shell
    // start-up files short, and bash reports that on stderr)
    await waitUntil(() => (existsSync(join(dir, 'worker-started')) ? true : undefined), 30_000, 'the worker');
    expect(await pbs.run('qdel', [jobId!])).toMatchObject({ code: 0, stdout: '', stderr: '' });
    await pbs.waitState(out.stdout.trim(), 'F');
    expect(readFileSync(join(dir, `${out.stdout.trim()}.ER`), 'utf8')).toBe('');
  });
});

describe('Nextflow (PbsProExecutor)', () => {
  it('reads one line from qsub with stderr merged, then polls qstat -f -1, qstat -B -f and qstat -f @server', async () => {
    const task = join(pbs.work, 'nf-task');
    mkdirSync(task);
    writeFileSync(
      join(task, '.command.run'),
      '#!/bin/bash\n#PBS -N nf-task_1\n#PBS -o /dev/null\n#PBS -j oe\n#PBS -l select=1:ncpus=1:mem=1024mb\n#PBS -l walltime=01:00:00\necho ok\n',
    );
    const r = await pbs.run('qsub', ['-N', 'nf-task_1', '.command.run'], { cwd: task });
    const lines = `${r.stdout}${r.stderr}`.trim().split('\n'); // Nextflow reads stdout and stderr together
    expect(lines).toHaveLength(1);
    const id = lines[0]!;
    await pbs.waitState(id, 'F');
    const states = new Map<string, string>();
    for (const args of [
      ['-f', '-1'],
      ['-x', '-f', '-1'],
    ]) {
      let current: string | undefined;
      for (const line of (await pbs.run('qstat', args)).stdout.split('\n')) {
        const jid = /^Job Id: (.*)$/.exec(line)?.[1];
        if (jid) current = jid.trim();
        const st = /job_state = (\w)/.exec(line)?.[1];
        if (current && st) states.set(current, NEXTFLOW[st] ?? 'unknown');
      }
    }
    expect(states.get(id)).toBe('done');
    const b = await pbs.run('qstat', ['-B', '-f']);
    const server = b.stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .find((f) => f[0] === 'Server:')?.[1];
    expect(server).toBe(pbs.server);
    expect((await pbs.run('qstat', ['-f', `@${server}`])).code).toBe(0);
    expect((await pbs.run('qstat', ['-f', 'workq'])).code).toBe(0);
  });
});

describe('Snakemake (PBS Pro status script) and Parsl', () => {
  it('reads Jobs[id].job_state and a numeric Exit_status from qstat -f -x -F json; rc 0 with history', async () => {
    const id = await pbs.submit(['-N', 'smk', '--', '/bin/sh', '-c', 'exit 2']);
    await pbs.waitState(id, 'F');
    const r = await pbs.run('qstat', ['-f', '-x', '-F', 'json', id]);
    expect(r.code).toBe(0);
    const job = JSON.parse(r.stdout).Jobs[id];
    expect(job.job_state).toBe('F');
    expect(job.Exit_status).toBe(2);
    // Parsl: several ids, keys are the ids as qsub printed them
    const other = await pbs.submit(['--', '/bin/true']);
    await pbs.waitState(other, 'F');
    const p = await pbs.run('qstat', ['-x', '-f', '-F', 'json', id, other]);
    expect(p.code).toBe(0);
    expect(Object.keys(JSON.parse(p.stdout).Jobs)).toEqual([id, other]);
  });
});

describe('Toil', () => {
  it('pbsnodes --version, qsub -v "" -V, qstat -f N with Exit_status, and the history table of qstat -x id', async () => {
    expect((await pbs.run('pbsnodes', ['--version'])).stdout).toMatch(/^pbs_version = /);
    const id = await pbs.submit(['-V', '-v', '', '--', '/bin/true']);
    const seq = id.split('.')[0]!;
    await pbs.waitState(id, 'F');
    const f = await pbs.run('qstat', ['-x', '-f', seq]);
    expect(/Exit_status = (\d+)/.exec(f.stdout)?.[1]).toBe('0');
    const table = (await pbs.run('qstat', ['-x', `${id}\n`])).stdout.split('\n');
    const row = table.find((l) => l.startsWith(seq))!.split(/\s+/);
    expect(row[4]).toBe('F'); // column 5 is the state
  });
});

describe('Cromwell (Torque-flavoured PBS backend)', () => {
  it('submits with -d and a combined -lwalltime=…,nodes=…,mem=…; check-alive uses the qstat exit code', async () => {
    const dir = join(pbs.work, 'cromwell');
    mkdirSync(dir);
    writeFileSync(join(dir, 'script'), '#!/bin/bash\npwd > rc.dir\n');
    const id = await pbs.submit([
      '-N',
      'cromwell_x',
      '-d',
      dir,
      '-lwalltime=00:10:00,nodes=1:ppn=1,mem=100mb',
      join(dir, 'script'),
    ]);
    expect(/^\d+/.test(id)).toBe(true);
    await pbs.waitState(id, 'F');
    expect(readFileSync(join(dir, 'rc.dir'), 'utf8').trim()).toBe(dir);
    expect((await pbs.run('qstat', [id])).code).not.toBe(0); // finished: gone for check-alive
  });
});

describe('Torque mode (the Snakemake pbs-torque profile, Toil oss)', () => {
  it('keeps a finished job visible as C, prints qstat -f -x as XML with exit_status, lowercase exit_status in -f', async () => {
    const id = await torque.submit(['-N', 'tq', '--', '/bin/sh', '-c', 'exit 4']);
    await torque.waitState(id, 'F');
    const plain = await torque.run('qstat', [id]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(
      new RegExp(`^${id.replace('.', '\\.')}\\s+tq\\s+\\S+\\s+\\S+ C workq$`, 'm'),
    );
    expect(plain.stdout.split('\n')[0]).toBe(
      'Job ID                    Name             User            Time Use S Queue',
    );
    const xml = (await torque.run('qstat', ['-f', '-x', id])).stdout;
    expect(/<job_state>(\w)<\/job_state>/.exec(xml)?.[1]).toBe('C');
    expect(/<exit_status>(-?\d+)<\/exit_status>/.exec(xml)?.[1]).toBe('4');
    expect(xml.startsWith('<Data><Job><Job_Id>')).toBe(true);
    expect((await torque.run('qstat', ['-f', id])).stdout).toMatch(/^ {4}exit_status = 4$/m);
    expect((await torque.run('qstat', ['99999'])).stderr).toBe(
      `qstat: Unknown Job Id 99999.${torque.server}\n`,
    );
  });

  it("qsub -t makes a Torque array against a head in Torque mode; a PBS-mode head's qsub refuses -t", async () => {
    const id = await torque.submit(['-t', '1,3', '--', '/bin/true']);
    expect(id).toMatch(/^\d+\[\]\./);
    expect((await torque.waitState(id, 'F')).array_indices_submitted).toBe('1,3');
    const refused = await pbs.run('qsub', ['-t', '1,3', '--', '/bin/true']);
    expect(refused.code).toBe(2);
    expect(refused.stderr.split('\n').slice(0, 2)).toEqual([
      "qsub: invalid option -- 't'",
      'usage: qsub [-a date_time] [-A account_string] [-c interval]',
    ]);
  });

  it('DROVER_COMPAT=torque gives the same view against a PBS-mode head', async () => {
    const id = await pbs.submit(['--', '/bin/true']);
    await pbs.waitState(id, 'F');
    const r = await pbs.run('qstat', ['-x', id], { env: { ...pbs.env, DROVER_COMPAT: 'torque' } });
    expect(r.stdout).toMatch(/^<Data><Job><Job_Id>.*<job_state>C<\/job_state>/);
  });
});
