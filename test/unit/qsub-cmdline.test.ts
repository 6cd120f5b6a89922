import { describe, expect, it } from 'vitest';
import { parseQsubCommandLine, QSUB_USAGE } from '../../core/pbs/qsub-command-line.js';
import { QSUB_OPTSTRING, QSUB_TORQUE_OPTSTRING } from '../../core/pbs/qsub-options.js';

describe('parseQsubCommandLine: invocation forms', () => {
  it.each([
    [['job.sh'], { kind: 'file', path: 'job.sh' }, []],
    [['-N', 'x', 'job.sh'], { kind: 'file', path: 'job.sh' }, [{ letter: 'N', value: 'x' }]],
    [['job.sh', '-N', 'x'], { kind: 'file', path: 'job.sh' }, [{ letter: 'N', value: 'x' }]],
    [
      ['-lwalltime=1:00', './sub/run.sh'],
      { kind: 'file', path: './sub/run.sh' },
      [{ letter: 'l', value: 'walltime=1:00' }],
    ],
    [[], { kind: 'stdin' }, []],
    [['-'], { kind: 'stdin' }, []],
    [['-h', '-'], { kind: 'stdin' }, [{ letter: 'h' }]],
    [
      ['--', '/bin/echo', 'hi', '-N', 'x'],
      { kind: 'exec', executable: '/bin/echo', args: ['hi', '-N', 'x'] },
      [],
    ],
    [
      ['-N', 'x', '--', '/bin/sleep', '10'],
      { kind: 'exec', executable: '/bin/sleep', args: ['10'] },
      [{ letter: 'N', value: 'x' }],
    ],
  ])('%j', (argv, source, options) => {
    expect(parseQsubCommandLine(argv)).toEqual({
      ok: true,
      value: { options, source, suppressId: false, version: false },
    });
  });

  it('reports -z', () => {
    const result = parseQsubCommandLine(['-z', 'job.sh']);
    expect(result.ok && result.value.suppressId).toBe(true);
  });

  it('recognises --version alone', () => {
    const result = parseQsubCommandLine(['--version']);
    expect(result.ok && result.value.version).toBe(true);
  });

  it.each([
    [['--']],
    [['-N', 'x', '--']],
    [['job.sh', '--', '/bin/echo']],
    [['job.sh', 'extra']],
    [['a.sh', 'b.sh', '-N', 'x']],
  ])('%j is a usage error: the usage alone, as PBS prints it', (argv) => {
    expect(parseQsubCommandLine(argv)).toEqual({
      ok: false,
      error: { code: 'USAGE', message: '', usage: true },
    });
  });

  it('reads -t only in Torque mode', () => {
    expect(parseQsubCommandLine(['-t', '1-3', 'job.sh'])).toEqual({
      ok: false,
      error: { code: 'USAGE', message: "invalid option -- 't'", usage: true },
    });
    const torque = parseQsubCommandLine(['-t', '1-3', 'job.sh'], { torque: true });
    expect(torque.ok && torque.value.options).toEqual([{ letter: 't', value: '1-3' }]);
  });

  it.each([
    [['-J', '1-4', '-r', 'n', 'job.sh']],
    [['-r', 'n', '-J', '1-4', 'job.sh']],
    [['-r', 'y', '-J', '1-4', '-r', 'n', 'job.sh']],
  ])('%j: a non-rerunnable array is an option error', (argv) => {
    expect(parseQsubCommandLine(argv)).toEqual({
      ok: false,
      error: { code: 'USAGE', message: ' cannot submit non-rerunable Array Job', usage: true },
    });
  });

  it('takes -r n then -r y before -J', () => {
    expect(parseQsubCommandLine(['-r', 'n', '-r', 'y', '-J', '1-4', 'job.sh']).ok).toBe(true);
  });

  it.each([
    [['-Z', 'job.sh'], "invalid option -- 'Z'"],
    [['--version', 'job.sh'], "invalid option -- '-'"],
    [['job.sh', '-N'], "option requires an argument -- 'N'"],
    [['-r', 'x', 'job.sh'], 'illegal -r value'],
    [['-p', '1024', 'job.sh'], 'illegal -p value'],
    [['-N', 'my job', 'job.sh'], 'illegal -N value'],
    [['-l', 'walltime=1:00,', 'job.sh'], 'illegal -l value'],
  ])('%j → %s', (argv, message) => {
    expect(parseQsubCommandLine(argv)).toEqual({ ok: false, error: { code: 'USAGE', message, usage: true } });
  });
});

describe('QSUB_USAGE and the optstrings', () => {
  it('has the PBS first and last lines', () => {
    const lines = QSUB_USAGE.split('\n');
    expect(lines[0]?.startsWith('usage: qsub [-a date_time] ')).toBe(true);
    expect(lines.at(-1)).toBe('       qsub --version');
  });

  it("knows every qsub letter, and Torque's -t only in Torque mode", () => {
    for (const letter of 'aAcCefhIjJklmMNopPqrRSuvVWXzTd') expect(QSUB_OPTSTRING).toContain(letter);
    expect(QSUB_OPTSTRING).not.toContain('t');
    expect(QSUB_TORQUE_OPTSTRING).toBe(`${QSUB_OPTSTRING}t:`);
  });
});
