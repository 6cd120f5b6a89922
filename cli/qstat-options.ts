// qstat's command line: which view, which filters, which operands.
import { ok, type Result, refuse } from '../core/errors.js';
import { getopt } from '../core/pbs/getopt.js';

export const QSTAT_USAGE = [
  'usage:',
  '\tqstat [-fp] [-J] [-t] [-x] [-E] [-F format] [-D delim] [ job_identifier... | destination... ]',
  '\tqstat [-a|-i|-r|-H|-T] [-J] [-t] [-u user] [-n] [-s] [-G|-M] [-1] [-w]',
  '\t\t[ job_identifier... | destination... ]',
  '\tqstat -Q [-f] [-F format] [-D delim] [ destination... ]',
  '\tqstat -q [-G|-M] [ destination... ]',
  '\tqstat -B [-f] [-F format] [-D delim] [ server_name... ]',
  '\tqstat --version',
].join('\n');

export interface QstatOptions {
  view: 'default' | 'alternate' | 'full' | 'queues' | 'server' | 'cron';
  /** -f: full attributes (jobs, queues or server) */
  full: boolean;
  json: boolean;
  history: boolean;
  /** -i E,H,Q,T,W; -r R,S; -H F,M,X */
  states?: string;
  users?: string[];
  nodes: boolean;
  comments: boolean;
  oneLine: boolean;
  wide: boolean;
  estimated: boolean;
  /** -t: subjobs too; -J: array parents only (with -t: subjobs only) */
  subjobs: boolean;
  arraysOnly: boolean;
  operands: string[];
  version: boolean;
}

const conflicting = <T>(): Result<T> => refuse('USAGE', 'conflicting options.', true);

export function parseQstatCommandLine(argv: string[]): Result<QstatOptions> {
  if (argv.length === 1 && argv[0] === '--version') return ok({ ...base([]), version: true });
  const parsed = getopt(argv, 'aBD:EfF:GHiJMnpqQrsTtu:wx1', { long: ['cron'] });
  if (parsed.error !== undefined) return refuse('USAGE', parsed.error, true);
  const has = (l: string) => parsed.options.some((o) => o.letter === l);
  const value = (l: string) => parsed.options.findLast((o) => o.letter === l)?.value;
  const format = value('F');
  if (format !== undefined && format !== 'json') {
    return refuse('NOT_SUPPORTED', `output format "${format}" is not supported (use -F json)`);
  }
  if (has('p') || has('q') || has('G') || has('M') || has('D')) {
    const letter = ['p', 'q', 'G', 'M', 'D'].find(has);
    return refuse('NOT_SUPPORTED', `option -${letter} is not supported by Drover yet`);
  }
  const opts = base(parsed.operands);
  const alternate = ['a', 'i', 'r', 'H', 'T', 'u', 'n', 's'].some(has);
  if (has('cron')) {
    if (parsed.options.length > 1 || parsed.operands.length > 0) return conflicting();
    return ok({ ...opts, view: 'cron' });
  }
  if (has('B')) opts.view = 'server';
  else if (has('Q')) opts.view = 'queues';
  else if (has('f')) opts.view = 'full';
  else if (alternate) opts.view = 'alternate';
  if (has('B') && has('Q')) return conflicting();
  if ((has('B') || has('Q')) && alternate) return conflicting();
  if (has('f') && (has('a') || has('i') || has('r') || has('T'))) return conflicting();
  if (format !== undefined && !has('f')) return conflicting();
  if (format !== undefined && has('w')) return conflicting();
  if (has('1') && !has('n') && !has('s') && !has('f')) return conflicting();
  opts.json = format === 'json';
  opts.full = has('f');
  opts.history = has('x') || has('H');
  if (has('i')) opts.states = 'EHQTW';
  if (has('r')) opts.states = 'RS';
  if (has('H')) opts.states = 'FMX';
  const users = value('u');
  if (users !== undefined) opts.users = users.split(',').map((u) => u.split('@')[0]!);
  opts.nodes = has('n');
  opts.comments = has('s');
  opts.oneLine = has('1');
  opts.wide = has('w');
  opts.estimated = has('T');
  opts.subjobs = has('t');
  opts.arraysOnly = has('J');
  return ok(opts);
}

function base(operands: string[]): QstatOptions {
  return {
    view: 'default',
    full: false,
    json: false,
    history: false,
    nodes: false,
    comments: false,
    oneLine: false,
    wide: false,
    estimated: false,
    subjobs: false,
    arraysOnly: false,
    operands,
    version: false,
  };
}

export type Operand =
  | { kind: 'job'; text: string }
  | { kind: 'destination'; queue?: string; server?: string };

/** A job id starts with digits; anything else is a destination (`queue`, `@server`, `queue@server`). */
export function classifyOperand(text: string): Result<Operand> {
  const t = text.trim();
  if (/^\d/.test(t)) return ok({ kind: 'job', text });
  const m = /^([A-Za-z][A-Za-z0-9_.-]*)?(?:@([A-Za-z0-9][A-Za-z0-9_.-]*))?$/.exec(t);
  if (!m || (m[1] === undefined && m[2] === undefined))
    return refuse('FAILED', `illegally formed destination: ${text}`);
  return ok({ kind: 'destination', ...(m[1] ? { queue: m[1] } : {}), ...(m[2] ? { server: m[2] } : {}) });
}
