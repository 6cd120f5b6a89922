import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellCommand, splitShellWords } from '../../core/shell-words.js';

describe('splitShellWords', () => {
  it.each([
    [' -N  foo\t-j oe ', ['-N', 'foo', '-j', 'oe']],
    ['-N "my job"', ['-N', 'my job']],
    ["-v 'a=1,b=2'", ['-v', 'a=1,b=2']],
    ['-v "v1=\'A,B,C\'"', ['-v', "v1='A,B,C'"]],
    ["-v ''", ['-v', '']],
    ['-N a\\ b', ['-N', 'a b']],
    ['-N \\"x', ['-N', '"x']],
    ['"a\\"b"', ['a"b']],
    ["'a\\b'", ['a\\b']],
    ['pre"mid dle"post', ['premid dlepost']],
    ['', []],
    ['   ', []],
  ])('%j → %j', (text, words) => {
    expect(splitShellWords(text)).toEqual({ ok: true, value: words });
  });

  it.each([
    ['-N "foo', '"'],
    ["-N 'foo", "'"],
    ['-v "a=\'b"\'', "'"],
  ])('%j: unmatched quote', (text, quote) => {
    expect(splitShellWords(text)).toEqual({
      ok: false,
      error: { code: 'DIRECTIVE', message: `unmatched ${quote}` },
    });
  });
});

describe('shellCommand', () => {
  it('leaves plain words bare and single-quotes the rest', () => {
    expect(shellCommand(['/opt/drover/bin/drover', 'agent', '--state-dir', 'a b', "it's", '$HOME', ''])).toBe(
      `/opt/drover/bin/drover agent --state-dir 'a b' 'it'\\''s' '$HOME' ''`,
    );
  });

  it('runs exactly its argv in a POSIX shell', () => {
    const argv = ['printf', '[%s]', 'a b', "it's", '$HOME', '`id`', 'x;y', ''];
    const out = execFileSync('/bin/sh', ['-c', shellCommand(argv)], { encoding: 'utf8' });
    expect(out).toBe("[a b][it's][$HOME][`id`][x;y][]");
  });
});
