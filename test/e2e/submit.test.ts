// qsub → run → output delivered, with the PBS job environment.
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import type { TestHead } from '../helpers/head.js';

let cluster: Cluster;
let head: TestHead;
beforeAll(async () => {
  cluster = await startCluster({ head: { ncpus: 4 } });
  head = cluster.head;
});
afterAll(async () => {
  await cluster?.stop();
});

const ENV_SCRIPT = `#!/bin/bash
#PBS -N envjob
#PBS -l select=1:ncpus=2:mem=32mb
#PBS -v GREETING=hello,FROM_ENV
for v in PBS_JOBID PBS_JOBNAME PBS_O_WORKDIR PBS_O_HOST PBS_O_QUEUE PBS_QUEUE PBS_O_HOME PBS_O_PATH \\
  PBS_ENVIRONMENT PBS_NODEFILE NCPUS OMP_NUM_THREADS TMPDIR GREETING FROM_ENV DROVER_TEST_NODE \\
  PBS_MOMPORT PBS_NUM_NODES PBS_NUM_PPN PBS_NP; do
  echo "$v=\${!v}"
done
echo "PWD=$PWD"
test -d "$TMPDIR" && echo TMPDIR_EXISTS
echo "NODEFILE_LINES=$(wc -l < $PBS_NODEFILE)"
echo "NODEFILE_BASENAME=$(basename $PBS_NODEFILE)"
echo to-stderr >&2
`;

function parseVars(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

describe('qsub and the running job', () => {
  it('prints exactly one line, runs the script with the PBS environment and delivers NAME.oSEQ/.eSEQ', async () => {
    writeFileSync(join(head.work, 'env.sh'), ENV_SCRIPT);
    const env: NodeJS.ProcessEnv = { ...head.env, FROM_ENV: 'copied' };
    const r = await head.run('qsub', ['env.sh'], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^\\d+\\.${head.server}\\n$`));
    const id = r.stdout.trim();
    const seq = id.split('.')[0];
    const job = await head.waitState(id, 'F');
    expect(job.Exit_status).toBe(0);
    const out = readFileSync(join(head.work, `envjob.o${seq}`), 'utf8');
    const err = readFileSync(join(head.work, `envjob.e${seq}`), 'utf8');
    const vars = parseVars(out);
    expect(vars.PBS_JOBID).toBe(id);
    expect(vars.PBS_JOBNAME).toBe('envjob');
    expect(vars.PBS_O_WORKDIR).toBe(head.work);
    expect(vars.PBS_O_QUEUE).toBe('workq');
    expect(vars.PBS_QUEUE).toBe('workq');
    expect(vars.PBS_O_HOST).toBeTruthy();
    expect(vars.PBS_O_HOME).toBe(process.env.HOME ?? homedir());
    expect(vars.PBS_O_PATH).toBe(env.PATH);
    expect(vars.PBS_ENVIRONMENT).toBe('PBS_BATCH');
    expect(vars.NCPUS).toBe('2');
    expect(vars.OMP_NUM_THREADS).toBe('2');
    expect(vars.GREETING).toBe('hello');
    expect(vars.FROM_ENV).toBe('copied');
    expect(vars.DROVER_TEST_NODE).toBe('1'); // from the node's pbs_environment (the fixture's)
    expect(vars.PBS_MOMPORT).toBe('15003');
    // Torque's job-size variables only in Torque mode (test/e2e/fidelity-job.test.ts)
    expect([vars.PBS_NUM_NODES, vars.PBS_NUM_PPN, vars.PBS_NP]).toEqual(['', '', '']);
    expect(vars.PWD).toBe(homedir());
    expect(out).toContain('TMPDIR_EXISTS');
    expect(vars.NODEFILE_LINES).toBe('1');
    expect(vars.NODEFILE_BASENAME).toBe(id);
    expect(existsSync(vars.TMPDIR!)).toBe(false); // removed at job end
    expect(err).toBe('to-stderr\n');
  });

  it('stores the script at submission: deleting it right after qsub changes nothing', async () => {
    const file = join(head.work, 'gone.sh');
    writeFileSync(file, '#PBS -N gone\necho still here\n');
    const id = await head.submit(['gone.sh']);
    rmSync(file);
    await head.waitState(id, 'F');
    expect(readFileSync(join(head.work, `gone.o${id.split('.')[0]}`), 'utf8')).toBe('still here\n');
  });

  it('reads a script from stdin (name STDIN) and runs `qsub -- prog args` without a shell', async () => {
    const a = await head.submit([], 'echo from-stdin\n');
    const b = await head.submit(['-N', 'direct', '--', '/bin/echo', 'one', 'two  three']);
    await head.waitState(a, 'F');
    const jb = await head.waitState(b, 'F');
    expect(readFileSync(join(head.work, `STDIN.o${a.split('.')[0]}`), 'utf8')).toBe('from-stdin\n');
    expect(readFileSync(join(head.work, `direct.o${b.split('.')[0]}`), 'utf8')).toBe('one two  three\n');
    expect(jb.executable).toContain('/bin/echo');
  });

  it('honours -o, -e, -j oe and a -o directory', async () => {
    const joined = await head.submit([
      '-j',
      'oe',
      '-o',
      'joined.txt',
      '--',
      '/bin/sh',
      '-c',
      'echo out; echo err >&2',
    ]);
    const split = await head.submit([
      '-o',
      `${head.work}/o.txt`,
      '-e',
      'e.txt',
      '--',
      '/bin/sh',
      '-c',
      'echo O; echo E >&2',
    ]);
    const dir = await head.submit(['-o', `${head.work}/`, '-N', 'todir', '--', '/bin/echo', 'D']);
    for (const id of [joined, split, dir]) await head.waitState(id, 'F');
    expect(readFileSync(join(head.work, 'joined.txt'), 'utf8')).toBe('out\nerr\n');
    expect(existsSync(join(head.work, `STDIN.e${joined.split('.')[0]}`))).toBe(false);
    expect(readFileSync(join(head.work, 'o.txt'), 'utf8')).toBe('O\n');
    expect(readFileSync(join(head.work, 'e.txt'), 'utf8')).toBe('E\n');
    expect(readFileSync(join(head.work, `${dir}.OU`), 'utf8')).toBe('D\n');
  });

  it('writes into a special destination such as /dev/null without replacing it', async () => {
    const id = await head.submit(['-o', '/dev/null', '-e', '/dev/null', '--', '/bin/echo', 'discarded']);
    await head.waitState(id, 'F');
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('passes the whole environment with -V, and the command line beats directives', async () => {
    writeFileSync(join(head.work, 'prec.sh'), '#PBS -N fromdirective\n#PBS -p 5\necho "$ONLY_WITH_V"\n');
    const id = await head.submit(['-V', '-N', 'fromcmdline', 'prec.sh']);
    const env = { ...head.env, ONLY_WITH_V: 'yes' };
    const id2 = (await head.run('qsub', ['-V', 'prec.sh'], { env })).stdout.trim();
    const j = await head.waitState(id, 'F');
    const j2 = await head.waitState(id2, 'F');
    expect(j.Job_Name).toBe('fromcmdline');
    expect(j.Priority).toBe(5);
    expect(j2.Job_Name).toBe('fromdirective');
    expect(readFileSync(join(head.work, `fromdirective.o${id2.split('.')[0]}`), 'utf8')).toBe('yes\n');
  });
});
