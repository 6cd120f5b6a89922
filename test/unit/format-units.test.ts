process.env.TZ = 'UTC';

import { describe, expect, it } from 'vitest';
import { left, memoryColumn, right, star } from '../../cli/format/units.js';
import { ctime } from '../../core/pbs/time-format.js';
import { T0 } from '../helpers/records.js';

describe('ctime', () => {
  it.each([
    [0, 'Thu Jan  1 00:00:00 1970'],
    [T0, 'Tue Nov 14 22:13:20 2023'],
    [1_704_110_400, 'Mon Jan  1 12:00:00 2024'],
    [1_709_251_199, 'Thu Feb 29 23:59:59 2024'],
    [1_728_000_000, 'Fri Oct  4 00:00:00 2024'],
  ])('%i → %s', (epoch, text) => {
    expect(ctime(epoch)).toBe(text);
  });

  it('has no trailing newline and is 24 characters wide', () => {
    expect(ctime(T0)).toHaveLength(24);
  });
});

describe('memoryColumn (qstat -a Memory)', () => {
  it.each([
    ['1gb', '1gb'],
    ['512mb', '512mb'],
    ['9999kb', '9999kb'],
    ['97656kb', '96mb'],
    ['10240mb', '10gb'],
    ['1048576kb', '1024mb'],
    ['100b', '100 b'],
    ['2GB', '2gb'],
    ['4kw', '4kw'],
  ])('%s → %s', (value, text) => {
    expect(memoryColumn(value)).toBe(text);
  });
});

describe('column helpers', () => {
  it.each([
    ['abc', 5, 'abc'],
    ['abcde', 5, 'abcde'],
    ['abcdef', 5, 'abcd*'],
  ])('star(%s, %i) → %s', (value, len, text) => {
    expect(star(value, len)).toBe(text);
  });

  it('left and right pad and cut like %-W.Ps and %W.Ps', () => {
    expect(left('ab', 4)).toBe('ab  ');
    expect(right('ab', 4)).toBe('  ab');
    expect(left('abcdef', 4, 4)).toBe('abcd');
    expect(right('01:00:00', 5, 5)).toBe('01:00');
    expect(left('abcdef', 4)).toBe('abcdef');
  });
});
