import { describe, expect, it } from 'vitest';
import { parseQsubCommandLine, QSUB_USAGE } from '../../core/pbs/qsub-command-line.js';
import { QSUB_OPTSTRING } from '../../core/pbs/qsub-options.js';

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
  ])('%j is a usage error', (argv) => {
    const result = parseQsubCommandLine(argv);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('USAGE');
      expect(result.error.usage).toBe(true);
      expect(result.error.message).not.toBe('');
    }
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

describe('QSUB_USAGE and QSUB_OPTSTRING', () => {
  it('has the PBS first and last lines', () => {
    const lines = QSUB_USAGE.split('\n');
    expect(lines[0]?.startsWith('usage: qsub [-a date_time] ')).toBe(true);
    expect(lines.at(-1)).toBe('       qsub --version');
  });

  it('knows every qsub letter', () => {
    for (const letter of 'aAcCefhIjJklmMNopPqrRSuvVWXzTdt') expect(QSUB_OPTSTRING).toContain(letter);
  });
});
