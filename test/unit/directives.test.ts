import { describe, expect, it } from 'vitest';
import { isExecutable, scanDirectives } from '../../core/pbs/directives.js';
import type { ParsedOption } from '../../core/pbs/getopt.js';

function options(content: string, prefix?: string): ParsedOption[] {
  const result = scanDirectives(content, prefix);
  if (!result.ok) throw new Error(`refused: ${result.error.message}`);
  return result.value.options;
}

function refusal(content: string) {
  const result = scanDirectives(content);
  return result.ok ? undefined : result.error;
}

describe('scanDirectives: which lines are directives', () => {
  it('reads directives after the #! line', () => {
    const script = '#!/bin/bash\n#PBS -N foo\n#PBS -l walltime=1:00:00\necho hi\n';
    expect(options(script)).toEqual([
      { letter: 'N', value: 'foo' },
      { letter: 'l', value: 'walltime=1:00:00' },
    ]);
  });

  it('counts indented directives', () => {
    expect(options('   #PBS -N indented\n\t#PBS -j oe\n')).toEqual([
      { letter: 'N', value: 'indented' },
      { letter: 'j', value: 'oe' },
    ]);
  });

  it.each(['##PBS -N x', '# PBS -N x', '#pbs -N x', '#  PBS -N x'])('treats %j as a comment', (line) => {
    expect(options(`${line}\n#PBS -j oe\n`)).toEqual([{ letter: 'j', value: 'oe' }]);
  });

  it('keeps scanning across blank lines, comments and ":" lines', () => {
    const script = '#!/bin/sh\n\n   \n# a comment\n: colon line\n#PBS -N kept\n';
    expect(options(script)).toEqual([{ letter: 'N', value: 'kept' }]);
  });

  it.each([
    'echo hi',
    'set -e',
    'module load x',
    'cd dir',
    '  : indented colon',
    'x=1',
  ])('stops at the executable line %j', (line) => {
    expect(options(`#PBS -N early\n${line}\n#PBS -N late\n`)).toEqual([{ letter: 'N', value: 'early' }]);
  });

  it('copies ignored directives into the script unchanged', () => {
    const script = 'echo hi\n#PBS -N late\n';
    expect(scanDirectives(script)).toEqual({ ok: true, value: { options: [], script } });
  });

  it('accepts a bare prefix', () => {
    expect(options('#PBS\n#PBS   \n')).toEqual([]);
  });

  it('uses another prefix when told', () => {
    expect(options('#PBS -N no\n#XYZ -N yes\n', '#XYZ')).toEqual([{ letter: 'N', value: 'yes' }]);
  });

  it('scans nothing with an empty prefix', () => {
    expect(scanDirectives('#PBS -N x\n', '')).toEqual({
      ok: true,
      value: { options: [], script: '#PBS -N x\n' },
    });
  });

  it('tokenises like a shell', () => {
    expect(options(`#PBS -N "a.b" -v 'x=1,y=2'\n#PBS -v ''\n`)).toEqual([
      { letter: 'N', value: 'a.b' },
      { letter: 'v', value: 'x=1,y=2' },
      { letter: 'v', value: '' },
    ]);
  });
});

describe('scanDirectives: continuation lines', () => {
  it('joins a directive ending in a backslash with the next line', () => {
    const result = scanDirectives('#PBS -l select=1:ncpus=2 \\  \n  -N joined\necho\n');
    expect(result).toEqual({
      ok: true,
      value: {
        options: [
          { letter: 'l', value: 'select=1:ncpus=2' },
          { letter: 'N', value: 'joined' },
        ],
        script: '#PBS -l select=1:ncpus=2   -N joined\necho\n',
      },
    });
  });

  it('joins repeatedly', () => {
    expect(options('#PBS -N \\\nname \\\n-j oe\n')).toEqual([
      { letter: 'N', value: 'name' },
      { letter: 'j', value: 'oe' },
    ]);
  });

  it('never joins other lines', () => {
    const script = '# comment \\\n#PBS -N x\n';
    expect(scanDirectives(script)).toEqual({
      ok: true,
      value: { options: [{ letter: 'N', value: 'x' }], script },
    });
  });
});

describe('scanDirectives refusals', () => {
  it.each([
    ['#PBS -N foo bar\n', 'directive error: -N foo bar '],
    ['#PBS -l walltime=1:00:00 # one hour\n', 'directive error: -l walltime=1:00:00 # one hour '],
    ['#PBS this is a comment\n', 'directive error: this is a comment '],
    ['#PBSfoo\n', 'directive error: foo '],
    ['#PBS -Z\n', "invalid option -- 'Z'\ndirective error: -Z "],
    ['#PBS -r x\n', 'illegal -r value\ndirective error: -r x '],
    ['#PBS -l walltime=1:00,\n', 'illegal -l value\ndirective error: -l walltime=1:00, '],
    ['#PBS -N\n', "option requires an argument -- 'N'\ndirective error: -N "],
    ['#PBS -N "my job"\n', 'illegal -N value\ndirective error: -N my job '],
  ])('%j', (script, message) => {
    expect(refusal(script)).toEqual({ code: 'DIRECTIVE', message });
  });

  it('refuses an unmatched quote', () => {
    expect(refusal('#PBS -N "foo\n')).toEqual({ code: 'DIRECTIVE', message: 'unmatched "' });
  });

  it('refuses CRLF line endings', () => {
    expect(refusal('#!/bin/sh\r\n#PBS -N x\r\necho\r\n')).toEqual({
      code: 'DIRECTIVE',
      message: 'script contains cr, lf',
    });
  });

  it('stops at the first bad directive', () => {
    expect(refusal('#PBS -r x\n#PBS -Z\n')?.message).toBe('illegal -r value\ndirective error: -r x ');
  });
});

describe('isExecutable', () => {
  it.each([
    ['', false],
    ['   ', false],
    ['#!/bin/bash', false],
    ['  # note', false],
    [': colon', false],
    ['echo', true],
    ['  : x', true],
  ])('%j → %s', (line, executable) => {
    expect(isExecutable(line)).toBe(executable);
  });
});
