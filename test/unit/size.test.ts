import { describe, expect, it } from 'vitest';
import { formatKb, formatSize, formatSizeSum, parseSize, sizeUnit } from '../../core/pbs/size.js';

const KB = 1024;
const MB = 1024 ** 2;
const GB = 1024 ** 3;

describe('parseSize', () => {
  it.each([
    ['954MB', 954 * MB, '954mb'],
    ['1024mb', 1024 * MB, '1024mb'],
    ['97656K', 97656 * KB, '97656kb'],
    ['2GB', 2 * GB, '2gb'],
    ['8gb', 8 * GB, '8gb'],
    ['1234B', 1234, '1234b'],
    ['1234', 1234, '1234b'],
    ['13MB', 13 * MB, '13mb'],
    ['1kB', KB, '1kb'],
    ['2t', 2 * 1024 ** 4, '2tb'],
    ['1p', 1024 ** 5, '1pb'],
    ['3w', 24, '3w'],
    ['2kw', 2 * KB * 8, '2kw'],
    ['0', 0, '0b'],
  ])('%s → %i bytes, shown %s', (text, bytes, display) => {
    expect(parseSize(text)).toEqual({ bytes, display });
  });

  it.each(['1.5gb', '', 'gb', '-1mb', '1 gb', '1xb', '1gbb', '1e3', '0x10'])('%j is invalid', (text) => {
    expect(parseSize(text)).toBeUndefined();
  });
});

describe('formatSize', () => {
  it.each([
    [GB, '1gb'],
    [1536 * MB, '1536mb'],
    [2 * 1024 ** 4, '2tb'],
    [97656 * KB, '97656kb'],
    [1234, '1234b'],
    [0, '0b'],
  ])('%i → %s', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });
});

describe('formatKb', () => {
  it.each([
    [0, '0kb'],
    [1, '1kb'],
    [1024, '1kb'],
    [1025, '2kb'],
    [GB, '1048576kb'],
  ])('%i → %s', (bytes, text) => {
    expect(formatKb(bytes)).toBe(text);
  });
});

describe('sums of sizes', () => {
  it('normalise to the smaller unit', () => {
    expect(
      formatSizeSum([
        { bytes: GB, unit: sizeUnit('1gb') },
        { bytes: 512 * MB, unit: sizeUnit('512mb') },
      ]),
    ).toBe('1536mb');
  });

  it.each([
    ['1gb', GB],
    ['954MB', 1024 ** 2],
    ['2k', 1024],
    ['1234', 1],
    ['3w', 1],
  ])('know the unit %s was written in', (display, unit) => {
    expect(sizeUnit(display)).toBe(unit);
  });

  it('keep the unit when all terms share it', () => {
    expect(formatSizeSum([{ bytes: 8 * GB, unit: sizeUnit('4gb') }])).toBe('8gb');
  });
});
