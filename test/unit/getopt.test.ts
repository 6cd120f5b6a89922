import { describe, expect, it } from 'vitest';
import { getopt } from '../../core/pbs/getopt.js';

const QSUB = 'a:A:c:C:e:fhIj:J:k:l:m:M:N:o:p:P:q:r:R:S:u:v:VW:XzT:d:t:';

describe('getopt short options', () => {
  it.each([
    ['separate value', ['-N', 'foo'], [{ letter: 'N', value: 'foo' }], []],
    ['attached value', ['-Nfoo'], [{ letter: 'N', value: 'foo' }], []],
    ['attached -l value', ['-lwalltime=1:00'], [{ letter: 'l', value: 'walltime=1:00' }], []],
    ['clustered flags', ['-hz'], [{ letter: 'h' }, { letter: 'z' }], []],
    [
      'flag then attached value in a cluster',
      ['-hNjob'],
      [{ letter: 'h' }, { letter: 'N', value: 'job' }],
      [],
    ],
    [
      'flag then separate value in a cluster',
      ['-hN', 'job'],
      [{ letter: 'h' }, { letter: 'N', value: 'job' }],
      [],
    ],
    ['a value starting with a dash', ['-N', '-x'], [{ letter: 'N', value: '-x' }], []],
    ['an empty value', ['-v', ''], [{ letter: 'v', value: '' }], []],
    ['a lone dash is an operand', ['-h', '-'], [{ letter: 'h' }], ['-']],
    [
      'options after the script (permutation)',
      ['job.sh', '-N', 'x'],
      [{ letter: 'N', value: 'x' }],
      ['job.sh'],
    ],
    [
      'repeated options keep their order',
      ['-l', 'a=1', '-l', 'b=2'],
      [
        { letter: 'l', value: 'a=1' },
        { letter: 'l', value: 'b=2' },
      ],
      [],
    ],
  ])('%s', (_title, argv, options, operands) => {
    const result = getopt(argv, QSUB);
    expect(result.error).toBeUndefined();
    expect(result.options).toEqual(options);
    expect(result.operands).toEqual(operands);
    expect(result.dashdash).toBeUndefined();
  });

  it('reports an unknown option in glibc words', () => {
    expect(getopt(['-h', '-Z', 'x'], QSUB).error).toBe("invalid option -- 'Z'");
  });

  it('reports an unknown option inside a cluster', () => {
    expect(getopt(['-hZ'], QSUB).error).toBe("invalid option -- 'Z'");
  });

  it('reports a missing value', () => {
    const result = getopt(['-h', '-N'], QSUB);
    expect(result.error).toBe("option requires an argument -- 'N'");
    expect(result.options).toEqual([{ letter: 'h' }]);
  });

  it('treats --word without long options as short option "-"', () => {
    expect(getopt(['--version'], QSUB).error).toBe("invalid option -- '-'");
  });
});

describe('getopt --', () => {
  it('ends options and records where it occurred', () => {
    const result = getopt(['-N', 'x', '--', '/bin/echo', '-N', 'y'], QSUB);
    expect(result.options).toEqual([{ letter: 'N', value: 'x' }]);
    expect(result.operands).toEqual(['/bin/echo', '-N', 'y']);
    expect(result.dashdash).toBe(0);
  });

  it('counts operands that came before it', () => {
    const result = getopt(['job.sh', '--', 'exe'], QSUB);
    expect(result.operands).toEqual(['job.sh', 'exe']);
    expect(result.dashdash).toBe(1);
  });

  it('may end the line', () => {
    const result = getopt(['--'], QSUB);
    expect(result.operands).toEqual([]);
    expect(result.dashdash).toBe(0);
  });
});

describe('getopt without permutation', () => {
  it('stops at the first operand', () => {
    const result = getopt(['-h', 'job.sh', '-N', 'x'], QSUB, { permute: false });
    expect(result.options).toEqual([{ letter: 'h' }]);
    expect(result.operands).toEqual(['job.sh', '-N', 'x']);
  });

  it('is selected by a leading + in the optstring', () => {
    const result = getopt(['a', '-h'], '+h');
    expect(result.options).toEqual([]);
    expect(result.operands).toEqual(['a', '-h']);
  });
});

describe('getopt long options', () => {
  const long = ['version', 'cron='];

  it.each([
    [['--version'], [{ letter: 'version' }]],
    [['--cron=0 * * * *'], [{ letter: 'cron', value: '0 * * * *' }]],
    [['--cron', '5 4 * * *'], [{ letter: 'cron', value: '5 4 * * *' }]],
    [['--cron='], [{ letter: 'cron', value: '' }]],
    [['--vers'], [{ letter: 'version' }]],
    [
      ['-h', '--version', '-z'],
      [{ letter: 'h' }, { letter: 'version' }, { letter: 'z' }],
    ],
  ])('%j', (argv, options) => {
    const result = getopt(argv, 'hz', { long });
    expect(result.error).toBeUndefined();
    expect(result.options).toEqual(options);
  });

  it.each([
    [['--nope'], "unrecognized option '--nope'"],
    [['--cron'], "option '--cron' requires an argument"],
    [['--version=1'], "option '--version' doesn't allow an argument"],
  ])('%j is refused', (argv, error) => {
    expect(getopt(argv, 'hz', { long }).error).toBe(error);
  });

  it('refuses an ambiguous abbreviation', () => {
    expect(getopt(['--c'], '', { long: ['cron=', 'cancel'] }).error).toBe("option '--c' is ambiguous");
  });
});
