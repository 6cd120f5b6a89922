// Shell-like word splitting for `#PBS` directive lines: whitespace separates words, '...' and
// "..." group (quotes removed), a backslash escapes one character. No expansion of any kind.
import { ok, type Result, refuse } from './errors.js';

interface WordState {
  words: string[];
  current: string;
  /** a word has begun (so `''` yields an empty word) */
  started: boolean;
}

export function splitShellWords(s: string): Result<string[]> {
  const state: WordState = { words: [], current: '', started: false };
  let i = 0;
  while (i < s.length) {
    const ch = s[i] as string;
    if (ch === "'" || ch === '"') {
      const end = readQuoted(s, i, state);
      if (end === undefined) return refuse('DIRECTIVE', `unmatched ${ch}`);
      i = end;
    } else if (ch === '\\') {
      appendToWord(state, s[i + 1] ?? '\\');
      i += 2;
    } else if (/\s/.test(ch)) {
      finishWord(state);
      i++;
    } else {
      appendToWord(state, ch);
      i++;
    }
  }
  finishWord(state);
  return ok(state.words);
}

/** Reads a quoted section starting at `open`; returns the index after its closing quote. */
function readQuoted(s: string, open: number, state: WordState): number | undefined {
  const quote = s[open] as string;
  state.started = true;
  for (let i = open + 1; i < s.length; i++) {
    const ch = s[i] as string;
    if (ch === quote) return i + 1;
    if (quote === '"' && ch === '\\' && (s[i + 1] === '"' || s[i + 1] === '\\')) {
      state.current += s[++i];
    } else {
      state.current += ch;
    }
  }
  return undefined;
}

function appendToWord(state: WordState, text: string): void {
  state.current += text;
  state.started = true;
}

function finishWord(state: WordState): void {
  if (state.started) state.words.push(state.current);
  state.current = '';
  state.started = false;
}

/** One word for a POSIX shell: single-quoted, so that nothing in it is expanded. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** One word for a POSIX shell, left bare when nothing in it is special (easier to read in logs). */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : shellQuote(s);
}

/** A command line for a POSIX shell (an SSH exec request) that runs exactly `argv`. */
export function shellCommand(argv: string[]): string {
  return argv.map(shellWord).join(' ');
}
