import { describe, expect, it } from 'vitest';
import {
  formatIndices,
  inRange,
  MAX_ARRAY_SIZE,
  parsePbsArray,
  parseSelector,
  parseTorqueArray,
} from '../../core/pbs/array-indices.js';

describe('-J (PBS arrays)', () => {
  it('expands X-Y:Z and keeps %N apart', () => {
    const r = parsePbsArray('1-10:2%3');
    expect(r.ok && r.value).toEqual({ indices: [1, 3, 5, 7, 9], submitted: '1-10:2', maxRun: 3 });
    const plain = parsePbsArray('0-3');
    expect(plain.ok && plain.value).toEqual({ indices: [0, 1, 2, 3], submitted: '0-3' });
  });

  it.each([
    '5',
    '1,2,3',
    '3-3',
    '5-2',
    '1-4:0',
    'a-b',
    '-1-3',
    '1-4%0',
    '1-4%x',
    '1-4%2%3',
    '',
  ])('%j is illegal (exit 2, PBS message)', (value) => {
    expect(parsePbsArray(value)).toEqual({
      ok: false,
      error: { code: 'USAGE', message: 'illegal -J value', usage: true },
    });
  });

  it('refuses more than max_array_size subjobs without building them', () => {
    const r = parsePbsArray('0-999999999');
    expect(!r.ok && r.error.code).toBe('EXCEEDS_LIMITS');
    expect(parsePbsArray(`1-${MAX_ARRAY_SIZE}`).ok).toBe(true);
    expect(parsePbsArray(`0-${MAX_ARRAY_SIZE}`).ok).toBe(false);
  });
});

describe('-t (Torque arrays)', () => {
  it('takes lists, single indices and a slot limit; repeats count once', () => {
    const r = parseTorqueArray('1,10,50-52,10%5');
    expect(r.ok && r.value).toEqual({ indices: [1, 10, 50, 51, 52], submitted: '1,10,50-52,10', maxRun: 5 });
    const one = parseTorqueArray('7');
    expect(one.ok && one.value.indices).toEqual([7]);
  });

  it.each(['', '1,,2', '4-2', 'x', '1-3%'])('%j is illegal', (value) => {
    expect(parseTorqueArray(value).ok).toBe(false);
  });
});

describe('selectors and the compact form', () => {
  it('parses what brackets select', () => {
    expect(parseSelector('')).toEqual({ kind: 'parent' });
    expect(parseSelector('12')).toEqual({ kind: 'index', index: 12 });
    expect(parseSelector('2-8:3')).toEqual({ kind: 'range', from: 2, to: 8, step: 3 });
    expect(parseSelector('8-2')).toBeUndefined();
    const range = parseSelector('2-8:3');
    if (range?.kind !== 'range') throw new Error('not a range');
    expect([1, 2, 3, 5, 8, 11].filter((i) => inRange(range, i))).toEqual([2, 5, 8]);
  });

  it.each([
    [[1, 3, 5, 7, 9], '1-9:2'],
    [[5, 7, 9], '5-9:2'],
    [[1, 2, 3, 4], '1-4'],
    [[4], '4'],
    [[1, 2], '1-2'],
    [[1, 3], '1,3'],
    [[1, 2, 3, 10, 20, 30, 31], '1-3,10-30:10,31'],
    [[], ''],
  ])('%j is shown as %j', (indices, text) => {
    expect(formatIndices(indices)).toBe(text);
  });
});
