import { describe, expect, it } from 'vitest';
import { parseJobId } from '../../core/pbs/jobid.js';

describe('parseJobId', () => {
  it.each([
    ['123', 'svr', 123, 'svr'],
    ['123.svr', 'svr', 123, 'svr'],
    ['123.svr.example.com', 'svr', 123, 'svr'],
    ['123.svr', 'svr.example.com', 123, 'svr.example.com'],
    ['123.SVR', 'svr', 123, 'svr'],
    ['123@svr', 'svr', 123, 'svr'],
    ['123.svr@svr', 'svr', 123, 'svr'],
    ['123\n', 'svr', 123, 'svr'],
    ['  45.svr  ', 'svr', 45, 'svr'],
    ['0', 'svr', 0, 'svr'],
    ['7.other', 'svr', 7, 'other'],
    ['7@other.example.com', 'svr', 7, 'other.example.com'],
  ])('%j with server %s', (operand, server, seq, resolved) => {
    const result = parseJobId(operand, server);
    expect(result).toEqual({
      ok: true,
      value: { seq, server: resolved, full: `${seq}.${resolved}`, typed: operand.trim() },
    });
  });

  it.each([
    'abc',
    '',
    '12a',
    '.svr',
    '12.',
    '12..svr',
    '12@',
    'R12.svr',
    '1 2',
    '-1',
  ])('%j is malformed', (operand) => {
    expect(parseJobId(operand, 'svr')).toEqual({
      ok: false,
      error: { code: 'FAILED', message: `illegally formed job identifier: ${operand}` },
    });
  });

  it.each([
    ['123[]', '123[].svr', { kind: 'parent' }],
    ['123[4].svr', '123[4].svr', { kind: 'index', index: 4 }],
    ['123[2-5]@svr', '123[2-5].svr', { kind: 'range', from: 2, to: 5, step: 1 }],
    ['9[0-10:5]', '9[0-10:5].svr', { kind: 'range', from: 0, to: 10, step: 5 }],
  ])('%j names an array, a subjob or a range', (operand, full, array) => {
    const r = parseJobId(operand, 'svr');
    expect(r.ok && r.value).toMatchObject({ full, array });
  });

  it.each([
    '123[x]',
    '123[5-2]',
    '123[1-4:0]',
    '123[1,2]',
  ])('%j has brackets that select nothing', (operand) => {
    const r = parseJobId(operand, 'svr');
    expect(r.ok).toBe(false);
  });
});
