import { describe, expect, it } from 'vitest';
import { parseQalterCommandLine, QALTER_USAGE } from '../../core/pbs/qalter-command-line.js';

const CTX = { cwd: '/home/ann/work', now: Math.floor(new Date(2024, 5, 15, 12, 0, 0).getTime() / 1000) };

describe('parseQalterCommandLine', () => {
  it.each([
    [['-N', 'renamed', '12'], { name: 'renamed' }],
    [['-p', '-5', '12'], { priority: -5 }],
    [['-h', 'u', '12'], { hold: 'u' }],
    [['-h', 'n', '12'], { hold: 'n' }],
    [['-h', 'uos', '12'], { hold: 'uos' }],
    [['-r', 'n', '12'], { rerunable: false }],
    [['-j', 'oe', '12'], { join: 'oe' }],
    [['-k', 'n', '12'], { keepFiles: 'n' }],
    [['-m', 'be', '-M', 'ann', '12'], { mailPoints: 'be', mailUsers: 'ann' }],
    [['-A', 'acct', '-P', 'proj', '12'], { account: 'acct', project: 'proj' }],
    [['-S', '/bin/sh', '-c', 'n', '-u', 'ann', '12'], { shell: '/bin/sh', checkpoint: 'n', userList: 'ann' }],
    [
      ['-o', 'out.txt', '-e', '/tmp/err/', '12'],
      { outputPath: '/home/ann/work/out.txt', errorPath: '/tmp/err/' },
    ],
    [['-W', 'depend=afterany:7', '12'], { depend: 'afterany:7' }],
    [['-N', 'a', '-N', 'b', '12'], { name: 'b' }],
  ])('%j', (argv, alteration) => {
    expect(parseQalterCommandLine(argv, CTX)).toEqual({ ok: true, value: { alteration, operands: ['12'] } });
  });

  it('merges -l values, later duplicates winning', () => {
    const result = parseQalterCommandLine(
      ['-l', 'walltime=1:00:00,ncpus=2', '-l', 'walltime=3:00:00', '12', '13.svr'],
      CTX,
    );
    expect(result).toEqual({
      ok: true,
      value: {
        alteration: {
          resourceEntries: [
            { name: 'walltime', value: '3:00:00' },
            { name: 'ncpus', value: '2' },
          ],
        },
        operands: ['12', '13.svr'],
      },
    });
  });

  it('converts -a against now, rolled forward', () => {
    const result = parseQalterCommandLine(['-a', '1100', '12'], CTX);
    const tomorrow = Math.floor(new Date(2024, 5, 16, 11, 0, 0).getTime() / 1000);
    expect(result.ok && result.value.alteration.executionTime).toBe(tomorrow);
  });

  it.each([
    [['12', '-Z'], "invalid option -- 'Z'"],
    [['-h', 'x', '12'], 'illegal -h value'],
    [['-h', 'un', '12'], 'illegal -h value'],
    [['-p', '5000', '12'], 'illegal -p value'],
    [['-N', 'a b', '12'], 'illegal -N value'],
    [['-a', '9999', '12'], 'illegal -a value'],
    [['-l', 'walltime=', '12'], 'illegal -l value'],
    [['-W', 'what=1', '12'], 'illegal -W value'],
    [['-r', 'maybe', '12'], 'illegal -r value'],
  ])('%j → %s', (argv, message) => {
    expect(parseQalterCommandLine(argv, CTX)).toEqual({
      ok: false,
      error: { code: 'USAGE', message, usage: true },
    });
  });

  it('refuses a dependency on a subjob or range as qsub does', () => {
    expect(parseQalterCommandLine(['-W', 'depend=afterok:11[2-3]', '12'], CTX)).toEqual({
      ok: false,
      error: {
        code: 'USAGE',
        message: 'illegal -W value',
        usage: true,
        unprefixed: 'cannot have dependancy on subjob or range',
      },
    });
    const array = parseQalterCommandLine(['-W', 'depend=afterok:11[]', '12'], CTX);
    expect(array.ok && array.value.alteration.depend).toBe('afterok:11[]');
  });

  it('needs a job identifier', () => {
    const result = parseQalterCommandLine(['-N', 'x'], CTX);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatchObject({ code: 'USAGE', usage: true });
  });

  it('has a usage text naming qalter', () => {
    expect(QALTER_USAGE.startsWith('usage: qalter [-a date_time] ')).toBe(true);
  });
});
