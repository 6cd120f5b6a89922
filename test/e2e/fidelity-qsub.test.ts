// qsub answers as OpenPBS's qsub where wrappers read its stderr: malformed
// operands get the usage alone; -r n with -J is an option error; -t is refused outside Torque
// mode (and makes an array in it); a dependency on a subjob or range gets the library's line
// without `qsub: `, then `illegal -W value` and the usage. qalter answers the same for the last.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QALTER_USAGE } from '../../core/pbs/qalter-command-line.js';
import { QSUB_USAGE } from '../../core/pbs/qsub-command-line.js';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import type { RunResult, TestHead } from '../helpers/head.js';

let cluster: Cluster;
let head: TestHead;
beforeAll(async () => {
  cluster = await startCluster({ head: { ncpus: 2 } });
  head = cluster.head;
  writeFileSync(join(head.work, 'ok.sh'), 'echo "idx=$PBS_ARRAYID"\n');
  writeFileSync(join(head.work, 'tarray.sh'), '#PBS -t 1-2\necho hi\n');
});
afterAll(async () => {
  await cluster?.stop();
});

/** The lines of PBS's usage that wrappers look at: the first and the last. */
const USAGE_FIRST = 'usage: qsub [-a date_time] [-A account_string] [-c interval]';
const USAGE_LAST = '       qsub --version';
const USAGE = `${QSUB_USAGE}\n`;

const qsub = (args: string[], env?: NodeJS.ProcessEnv): Promise<RunResult> =>
  head.run('qsub', args, env ? { env: { ...head.env, ...env } } : {});

describe('malformed operands: the usage block alone, exit 2', () => {
  it('has the usage text PBS starts with and ends with', () => {
    expect(QSUB_USAGE.split('\n')[0]).toBe(USAGE_FIRST);
    expect(QSUB_USAGE.split('\n').at(-1)).toBe(USAGE_LAST);
  });

  it.each([
    ['-- with no command', ['--']],
    ['options, then -- with no command', ['-N', 'x', '--']],
    ['a script together with -- command', ['ok.sh', '--', '/bin/echo', 'hi']],
    ['an argument after the script', ['ok.sh', 'extra']],
    ['two scripts, options after them', ['ok.sh', 'ok.sh', '-N', 'x']],
  ])('%s', async (_name, args) => {
    const r = await qsub(args);
    expect(r.stderr.split('\n')[0]).toBe(USAGE_FIRST);
    expect(r).toEqual({ code: 2, stdout: '', stderr: USAGE });
  });
});

describe('a non-rerunnable array', () => {
  it.each([
    [['-J', '1-4', '-r', 'n', 'ok.sh']],
    [['-r', 'n', '-J', '1-4', 'ok.sh']],
  ])('%j: the message (two spaces), then the usage, exit 2', async (args) => {
    const r = await qsub(args);
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: `qsub:  cannot submit non-rerunable Array Job\n${USAGE}`,
    });
  });
});

describe('-t outside Torque mode is not an option', () => {
  it('on the command line: invalid option, then the usage, exit 2', async () => {
    const r = await qsub(['-t', '1-2', 'ok.sh']);
    expect(r).toEqual({ code: 2, stdout: '', stderr: `qsub: invalid option -- 't'\n${USAGE}` });
  });

  it('in a directive: invalid option, then the directive error, exit 1', async () => {
    const r = await qsub(['tarray.sh']);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: "qsub: invalid option -- 't'\nqsub: directive error: -t 1-2 \n",
    });
  });

  it('DROVER_COMPAT=pbs (anything but torque) is PBS mode', async () => {
    const r = await qsub(['-t', '1-2', 'ok.sh'], { DROVER_COMPAT: 'pbs' });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe("qsub: invalid option -- 't'");
  });

  it('none of the refusals above made a job', async () => {
    expect(await head.run('qstat', ['-x'])).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});

describe('-t in Torque mode (DROVER_COMPAT=torque) makes a Torque array', () => {
  it('on the command line: subjob files NAME.o<seq>-<index> with PBS_ARRAYID', async () => {
    const r = await qsub(['-N', 'tq', '-t', '1-2', 'ok.sh'], { DROVER_COMPAT: 'torque' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(/^\d+\[\]\./);
    await head.waitState(id, 'F');
    const seq = id.slice(0, id.indexOf('['));
    expect(readFileSync(join(head.work, `tq.o${seq}-2`), 'utf8')).toBe('idx=2\n');
  });

  it('in a directive', async () => {
    const r = await qsub(['tarray.sh'], { DROVER_COMPAT: 'torque' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\[\]\.\S+\n$/);
  });
});

describe('a dependency on a subjob or a range', () => {
  let array = '';
  let seq = '';
  beforeAll(async () => {
    array = await head.submit(['-h', '-J', '1-3', 'ok.sh']);
    seq = array.slice(0, array.indexOf('['));
  });

  const refusal = (cmd: string, usage: string) =>
    `cannot have dependancy on subjob or range\n${cmd}: illegal -W value\n${usage}\n`;

  it.each([
    ['[1]'],
    ['[1-3]'],
  ])('qsub -W depend=afterok:<array>%s: the line without qsub:, then illegal -W value and the usage, exit 2', async (sub) => {
    const r = await qsub(['-W', `depend=afterok:${seq}${sub}`, 'ok.sh']);
    expect(r).toEqual({ code: 2, stdout: '', stderr: refusal('qsub', QSUB_USAGE) });
  });

  it('the same from a #PBS -W depend directive (checked at submission, as PBS does)', async () => {
    writeFileSync(join(head.work, 'dep.sh'), `#PBS -W depend=afterok:${seq}[2]\necho hi\n`);
    const r = await qsub(['dep.sh']);
    expect(r).toEqual({ code: 2, stdout: '', stderr: refusal('qsub', QSUB_USAGE) });
  });

  it('qalter answers the same', async () => {
    const job = await head.submit(['-h', 'ok.sh']);
    const r = await head.run('qalter', ['-W', `depend=afterok:${seq}[1]`, job]);
    expect(r).toEqual({ code: 2, stdout: '', stderr: refusal('qalter', QALTER_USAGE) });
  });

  it('a dependency on the whole array is taken', async () => {
    const r = await qsub(['-W', `depend=afterok:${seq}[]`, 'ok.sh']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^\d+\.\S+\n$/);
    const job = await head.json(r.stdout.trim());
    expect(String(job?.depend)).toBe(`afterok:${array}@${head.server}`);
  });
});
