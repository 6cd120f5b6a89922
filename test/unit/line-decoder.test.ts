// LineDecoder (core/protocol/agent-protocol.ts): one JSON value a line, across chunks, and its
// optional maximum line length.
import { describe, expect, it } from 'vitest';
import { LineDecoder } from '../../core/protocol/agent-protocol.js';

describe('LineDecoder', () => {
  it('gives the values of whole lines, whatever the chunks', () => {
    const d = new LineDecoder<{ n: number }>();
    expect(d.push('{"n":1}\n{"n"')).toEqual([{ n: 1 }]);
    expect(d.push(':2}')).toEqual([]);
    expect(d.push('\n\n{"n":3}\n')).toEqual([{ n: 2 }, { n: 3 }]);
  });

  it('takes lines up to its maximum and throws past it, with or without their newline', () => {
    const line = `"${'x'.repeat(8)}"`; // 10 characters
    expect(new LineDecoder<string>(10).push(`${line}\n${line}\n`)).toEqual(['x'.repeat(8), 'x'.repeat(8)]);
    const split = new LineDecoder<string>(10);
    expect(split.push(line.slice(0, 6))).toEqual([]);
    expect(split.push(`${line.slice(6)}\n`)).toEqual(['x'.repeat(8)]);
    expect(() => new LineDecoder<string>(10).push(`"${'x'.repeat(9)}"\n`)).toThrow(/longer than 10/);
    // no newline: the line grows over several chunks until it is too long
    const growing = new LineDecoder<string>(10);
    expect(growing.push('x'.repeat(6))).toEqual([]);
    expect(() => growing.push('x'.repeat(5))).toThrow(/longer than 10/);
    // without a maximum, as every other link
    expect(new LineDecoder<string>().push('x'.repeat(1_000_000))).toEqual([]);
  });
});
