// GNU-style getopt, shared by every PBS command and by `#PBS` directive scanning.
// Short options come from an optstring (`a:hz`: a letter followed by `:` takes a value);
// long options from a list (`version`, `cron=`: a name ending in `=` takes a value).
// With permutation (the default, like glibc on Linux) options after operands are still parsed;
// `--` ends the options. The first error stops parsing and is reported in glibc's words.

export interface ParsedOption {
  /** the short option letter, or the long option's name without `=` */
  letter: string;
  value?: string;
}

export interface GetoptResult {
  options: ParsedOption[];
  operands: string[];
  /** index in `operands` where `--` occurred (operands from there on followed it) */
  dashdash?: number;
  /** glibc's message without the program name, e.g. `invalid option -- 'Z'` */
  error?: string;
}

export interface GetoptOptions {
  /** parse options after operands (default true); a leading `+` in optstring turns it off */
  permute?: boolean;
  /** long option names; a name ending in `=` takes a value */
  long?: string[];
}

interface ParseState {
  argv: string[];
  index: number;
  result: GetoptResult;
}

export function getopt(argv: string[], optstring: string, opts: GetoptOptions = {}): GetoptResult {
  const permute = opts.permute ?? !optstring.startsWith('+');
  const letters = shortOptionTable(optstring.replace(/^[+:]+/, ''));
  const state: ParseState = { argv, index: 0, result: { options: [], operands: [] } };
  while (state.index < argv.length && state.result.error === undefined) {
    const arg = argv[state.index++] as string;
    if (arg === '--') {
      endOfOptions(state);
    } else if (arg.startsWith('--') && opts.long) {
      parseLongOption(state, arg.slice(2), opts.long);
    } else if (arg.startsWith('-') && arg.length > 1) {
      parseShortCluster(state, arg.slice(1), letters);
    } else {
      state.result.operands.push(arg);
      if (!permute) takeRestAsOperands(state);
    }
  }
  return state.result;
}

/** letter → whether it takes a value */
function shortOptionTable(optstring: string): Map<string, boolean> {
  const table = new Map<string, boolean>();
  for (let i = 0; i < optstring.length; i++) {
    const letter = optstring[i] as string;
    if (letter === ':') continue;
    table.set(letter, optstring[i + 1] === ':');
  }
  return table;
}

function endOfOptions(state: ParseState): void {
  state.result.dashdash = state.result.operands.length;
  takeRestAsOperands(state);
}

function takeRestAsOperands(state: ParseState): void {
  state.result.operands.push(...state.argv.slice(state.index));
  state.index = state.argv.length;
}

function parseShortCluster(state: ParseState, cluster: string, letters: Map<string, boolean>): void {
  for (let i = 0; i < cluster.length; i++) {
    const letter = cluster[i] as string;
    const takesValue = letters.get(letter);
    if (takesValue === undefined) {
      state.result.error = `invalid option -- '${letter}'`;
      return;
    }
    if (!takesValue) {
      state.result.options.push({ letter });
      continue;
    }
    const attached = cluster.slice(i + 1);
    const value = attached !== '' ? attached : state.argv[state.index++];
    if (value === undefined) {
      state.result.error = `option requires an argument -- '${letter}'`;
      return;
    }
    state.result.options.push({ letter, value });
    return;
  }
}

function parseLongOption(state: ParseState, body: string, long: string[]): void {
  const eq = body.indexOf('=');
  const typed = eq === -1 ? body : body.slice(0, eq);
  const match = matchLongName(typed, long);
  if (typeof match !== 'string') {
    state.result.error = match.error;
    return;
  }
  const takesValue = long.includes(`${match}=`);
  if (!takesValue) {
    if (eq !== -1) state.result.error = `option '--${match}' doesn't allow an argument`;
    else state.result.options.push({ letter: match });
    return;
  }
  const value = eq !== -1 ? body.slice(eq + 1) : state.argv[state.index++];
  if (value === undefined) state.result.error = `option '--${match}' requires an argument`;
  else state.result.options.push({ letter: match, value });
}

/** exact name, else a unique prefix (glibc accepts abbreviations) */
function matchLongName(typed: string, long: string[]): string | { error: string } {
  const names = long.map((name) => name.replace(/=$/, ''));
  if (names.includes(typed)) return typed;
  const candidates = typed === '' ? [] : names.filter((name) => name.startsWith(typed));
  if (candidates.length === 1) return candidates[0] as string;
  if (candidates.length > 1) return { error: `option '--${typed}' is ambiguous` };
  return { error: `unrecognized option '--${typed}'` };
}
