import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../core/pbs/duration.js';

describe('parseDuration', () => {
  it.each([
    ['3600', 3600],
    ['90:00', 5400],
    ['1:00:00', 3600],
    ['01:30:15', 5415],
    ['100:00:00', 360_000],
    ['0:90:90', 5490],
    ['10.4', 10],
    ['10.5', 11],
    ['10.49', 10],
    ['.5', 1],
    ['.4', 0],
    ['1:00.7', 61],
    ['0', 0],
  ])('%s → %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each([
    '',
    'abc',
    '1:2:3:4',
    '1d',
    '-5',
    '1:',
    ':5',
    '1::5',
    '1.5:00',
    '1:00:00:00',
    '1 h',
    '.',
    '+60',
  ])('%j is invalid', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '00:00:00'],
    [59, '00:00:59'],
    [5400, '01:30:00'],
    [86_399, '23:59:59'],
    [360_000, '100:00:00'],
    [3_600_000, '1000:00:00'],
  ])('%i → %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('round-trips with parseDuration', () => {
    expect(formatDuration(parseDuration('90:00') as number)).toBe('01:30:00');
  });
});
