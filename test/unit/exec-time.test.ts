import { describe, expect, it } from 'vitest';
import { isExecutionTimeSyntax, parseExecutionTime } from '../../core/pbs/exec-time.js';

/** Epoch seconds of a local time, computed with the Date API so the tests hold in any TZ. */
function local(year: number, month: number, day: number, hour: number, minute: number, second = 0): number {
  return Math.floor(new Date(year, month - 1, day, hour, minute, second).getTime() / 1000);
}

describe('parseExecutionTime relative to 2024-06-15 12:00 local', () => {
  const now = local(2024, 6, 15, 12, 0);

  it.each([
    ['1300', local(2024, 6, 15, 13, 0)],
    ['1300.30', local(2024, 6, 15, 13, 0, 30)],
    ['1200', local(2024, 6, 15, 12, 0)],
    ['1100', local(2024, 6, 16, 11, 0)],
    ['0000', local(2024, 6, 16, 0, 0)],
    ['161100', local(2024, 6, 16, 11, 0)],
    ['141100', local(2024, 7, 14, 11, 0)],
    ['311100', local(2024, 7, 31, 11, 0)],
    ['12251000', local(2024, 12, 25, 10, 0)],
    ['06141100', local(2025, 6, 14, 11, 0)],
    ['2406141100', local(2024, 6, 14, 11, 0)],
    ['2501011000', local(2025, 1, 1, 10, 0)],
    ['202501011000', local(2025, 1, 1, 10, 0)],
    ['199901011000', local(1999, 1, 1, 10, 0)],
    ['7001011000', local(1970, 1, 1, 10, 0)],
  ])('%s', (value, expected) => {
    expect(parseExecutionTime(value, now)).toBe(expected);
  });

  it.each([
    '',
    '123',
    '13000',
    '2400',
    '1260',
    '1300.60',
    '1300.5',
    '13010000',
    '00011000',
    '2502301000',
    'ab12',
    '12:00',
  ])('%j is invalid', (value) => {
    expect(parseExecutionTime(value, now)).toBeUndefined();
  });
});

describe('parseExecutionTime roll forward across months and years', () => {
  it('rolls a past day of December into January', () => {
    const now = local(2024, 12, 20, 9, 0);
    expect(parseExecutionTime('100800', now)).toBe(local(2025, 1, 10, 8, 0));
  });

  it('finds the next February 29', () => {
    const now = local(2025, 3, 1, 0, 0);
    expect(parseExecutionTime('02291000', now)).toBe(local(2028, 2, 29, 10, 0));
  });

  it('rolls past midnight at the end of a month', () => {
    const now = local(2024, 1, 31, 23, 0);
    expect(parseExecutionTime('2200', now)).toBe(local(2024, 2, 1, 22, 0));
  });
});

describe('isExecutionTimeSyntax', () => {
  it.each([
    ['1300', true],
    ['011300.05', true],
    ['202412311300', true],
    ['1300.5', false],
    ['99999', false],
    ['2500', false],
  ])('%s → %s', (value, valid) => {
    expect(isExecutionTimeSyntax(value)).toBe(valid);
  });
});
