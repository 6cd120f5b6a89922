// `#PBS` directives in a job script: honoured until the first executable line,
// tokenised like shell words, parsed with qsub's own option parser.
import { ok, type Result, refuse } from '../errors.js';
import { splitShellWords } from '../shell-words.js';
import { getopt, type ParsedOption } from './getopt.js';
import { checkOption, QSUB_LONG, QSUB_OPTSTRING } from './qsub-options.js';

export interface ScannedScript {
  /** the options of every directive, in script order */
  options: ParsedOption[];
  /** the script as stored: directive lines ending in `\` joined with the next line */
  script: string;
}

export const DEFAULT_PREFIX = '#PBS';

/** `optstring`: qsub's letters in the mode it runs in (qsubOptstring; Torque mode adds -t). */
export function scanDirectives(
  content: string,
  prefix = DEFAULT_PREFIX,
  optstring = QSUB_OPTSTRING,
): Result<ScannedScript> {
  if (content.includes('\r\n')) return refuse('DIRECTIVE', 'script contains cr, lf');
  const nul = content.indexOf('\0');
  if (nul >= 0)
    return refuse(
      'DIRECTIVE',
      `script contains a NUL byte (line ${content.slice(0, nul).split('\n').length})`,
    );
  const lines = content.split('\n');
  const kept: string[] = [];
  const options: ParsedOption[] = [];
  let scanning = prefix !== '';
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] as string;
    if (scanning && isDirective(line, prefix)) {
      while (/\\\s*$/.test(line) && i + 1 < lines.length) line = line.replace(/\\\s*$/, '') + lines[++i];
      const parsed = parseDirective(line.trimStart().slice(prefix.length), optstring);
      if (!parsed.ok) return parsed;
      options.push(...parsed.value);
    } else if (scanning && isExecutable(line)) {
      scanning = false;
    }
    kept.push(line);
  }
  return ok({ options, script: kept.join('\n') });
}

function isDirective(line: string, prefix: string): boolean {
  return line.trimStart().startsWith(prefix);
}

/** Executable: not blank, first non-blank character not `#`, first column not `:`. */
export function isExecutable(line: string): boolean {
  const text = line.trimStart();
  return text !== '' && !text.startsWith('#') && !line.startsWith(':');
}

/** The options of one directive's text (after the prefix); every token must be an option. */
function parseDirective(text: string, optstring: string): Result<ParsedOption[]> {
  const tokens = splitShellWords(text);
  if (!tokens.ok) return tokens;
  const parsed = getopt(tokens.value, optstring, { long: QSUB_LONG });
  const problem = parsed.error ?? findProblem(parsed.options);
  if (problem !== undefined || parsed.operands.length > 0) {
    const specific = problem === undefined ? '' : `${problem}\n`;
    return refuse('DIRECTIVE', `${specific}directive error: ${tokens.value.join(' ')} `);
  }
  return ok(parsed.options);
}

function findProblem(options: ParsedOption[]): string | undefined {
  for (const option of options) {
    const problem = checkOption(option);
    if (problem) return problem.message;
  }
  return undefined;
}
