// The live tail's answers are whole characters: a trailing sequence the job has only half written
// (or that the 64 KiB limit cut) waits for the next answer; bytes that are no UTF-8 go as they are.
import { describe, expect, it } from 'vitest';
import { wholeCharacters } from '../../core/protocol/output-tail.js';

const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const cut = (b: Uint8Array, n: number) => wholeCharacters(b.subarray(0, n));

describe('wholeCharacters', () => {
  it('keeps ASCII and complete characters whole', () => {
    expect(wholeCharacters(bytes('line1\n'))).toBe(6);
    expect(wholeCharacters(bytes('é✓😀'))).toBe(2 + 3 + 4);
    expect(wholeCharacters(new Uint8Array())).toBe(0);
  });

  it('leaves a character cut short for the next answer', () => {
    const b = bytes('ab😀'); // 2 + 4 bytes
    expect([3, 4, 5].map((n) => cut(b, n))).toEqual([2, 2, 2]);
    expect(cut(b, 6)).toBe(6);
    const check = bytes('x✓'); // 1 + 3
    expect([2, 3].map((n) => cut(check, n))).toEqual([1, 1]);
    expect(cut(bytes('é'), 1)).toBe(0);
  });

  it('sends bytes that are no UTF-8 rather than hold them', () => {
    expect(wholeCharacters(new Uint8Array([0x61, 0x80, 0x80, 0x80, 0x80]))).toBe(5);
    expect(wholeCharacters(new Uint8Array([0x61, 0xff]))).toBe(2);
  });
});
