// qselect's command line, read as OpenPBS's qselect reads it: an optional `.op.` before the value
// of -a -c -h -p -q -s -t (`-p.gt.5`; an op it does not know is .eq.), `name.op.value[,…]` for -l,
// plain values for -A -N -P -r -u; -x and -H add finished jobs, -T subjobs, -J arrays only. What
// it refuses it refuses with qselect's words, the usage and exit 2.
import type { Refusal } from '../errors.js';
import { LIMITS } from '../policy/limits.js';
import { parseAclEntry } from '../policy/server-settings.js';
import { destinationOf } from './destination.js';
import { parseExecutionTime } from './exec-time.js';
import { getopt } from './getopt.js';
import { checkJobName } from './qsub-options.js';
import { SELECT_OPS, SELECT_TIMES, type SelectOp, type SelectTest } from './select-criteria.js';

export const QSELECT_USAGE = [
  'usage: qselect [-a [op]date_time] [-A account_string] [-c [op]interval]',
  '\t[-h hold_list] [-H] [-J] [-l resource_list] [-N name] [-p [op]priority]',
  '\t[-q destination] [-r y|n] [-s states] [-t subopt[op]date_time] [-T] [-P project_name]',
  '\t[-x] [-u user_name]',
  '       qselect --version',
].join('\n');

/** What qselect asks the head: the tests, whether finished jobs count, whether arrays expand. */
export interface QselectRequest {
  tests: SelectTest[];
  history: boolean;
  subjobs: boolean;
  /** `-q …@server`: the server named, for the command to check */
  server?: string;
}

/** A refusal; `after`: a line printed as it is after the message (qselect's `resource_list: …`). */
export type QselectParsed =
  | { ok: true; value: QselectRequest | 'version' }
  | { ok: false; error: Refusal; after?: string };

const illegal = (letter: string, after?: string): QselectParsed => ({
  ok: false,
  error: { code: 'USAGE', message: `illegal -${letter} value`, usage: true },
  ...(after !== undefined ? { after } : {}),
});

const isOp = (s: string): s is SelectOp => (SELECT_OPS as readonly string[]).includes(s);

/** `.op.value` → op and value; a value without a leading dot is .eq. (as OpenPBS's qselect reads it). */
export function splitOp(arg: string): { op: SelectOp; value: string } {
  if (!arg.startsWith('.')) return { op: 'eq', value: arg };
  const op = arg.slice(1, 3);
  return { op: isOp(op) ? op : 'eq', value: arg.slice(4) };
}

/** `-l name.op.value[,name.op.value…]`; undefined when malformed (PBS: "illegal -l value"). */
export function parseResourceTests(arg: string): SelectTest[] | undefined {
  const tests: SelectTest[] = [];
  let rest = arg;
  while (rest !== '') {
    const dot = rest.indexOf('.');
    if (dot <= 0) return undefined;
    const op = rest.slice(dot + 1, dot + 3);
    if (!isOp(op) || rest[dot + 3] !== '.') return undefined;
    const after = rest.slice(dot + 4);
    const comma = after.indexOf(',');
    const value = comma < 0 ? after : after.slice(0, comma);
    if (value === '') return undefined;
    tests.push({ attr: 'resource', op, value, resource: rest.slice(0, dot) });
    rest = comma < 0 ? '' : after.slice(comma + 1);
    if (comma >= 0 && rest === '') return undefined;
  }
  return tests;
}

type Step = SelectTest[] | 'history' | 'subjobs' | QselectParsed;

/** A time option's test: `[.op.]datetime` as qsub -a reads it (core/pbs/exec-time.ts). */
function timeTest(attr: SelectTest['attr'], arg: string, letter: string, now: number): Step {
  const { op, value } = splitOp(arg);
  const at = parseExecutionTime(value, now);
  return at === undefined ? illegal(letter) : [{ attr, op, value: String(at) }];
}

/** The state letters PBS knows (qselect -s). */
const STATES = /^[BEFHMQRSTUWX]+$/;

/** Options with a value of their own kind. */
function valued(letter: string, arg: string): Step {
  const { op, value } = splitOp(arg);
  switch (letter) {
    case 'c':
      return /^(n|s|u|c|w|[cw]=\d+)$/.test(value.trim()) ? [{ attr: 'checkpoint', op, value }] : illegal('c');
    case 'h': {
      const holds = value.trim();
      return /^(n|[uosp]+)$/.test(holds) ? [{ attr: 'hold', op, value: holds }] : illegal('h');
    }
    case 'p':
      return [{ attr: 'priority', op, value: value.trim() }];
    case 's':
      return STATES.test(value.trim()) ? [{ attr: 'state', op, value: value.trim() }] : illegal('s');
    case 'r': {
      const yn = arg.trim()[0];
      return yn === 'y' || yn === 'n' ? [{ attr: 'rerunable', op: 'eq', value: yn }] : illegal('r');
    }
    case 'N':
      return checkJobName(arg) === true ? [{ attr: 'name', op: 'eq', value: arg }] : illegal('N');
    case 'u':
      return arg.split(',').every(userEntry) ? [{ attr: 'user', op: 'eq', value: arg }] : illegal('u');
    default:
      return [{ attr: letter === 'A' ? 'account' : 'project', op: 'eq', value: arg }];
  }
}

/** One option: its tests, a flag, or the refusal. */
function option(letter: string, arg: string, now: number): Step {
  switch (letter) {
    case 'a':
      return timeTest('executionTime', arg, 'a', now);
    case 't': {
      const attr = SELECT_TIMES[arg[0] as keyof typeof SELECT_TIMES];
      return attr === undefined ? illegal('t') : timeTest(attr, arg.slice(1), 't', now);
    }
    case 'l':
      return parseResourceTests(arg) ?? illegal('l', `resource_list: ${arg}`);
    case 'H':
      return [{ attr: 'state', op: 'eq', value: 'FM' }];
    case 'x':
      return 'history';
    case 'T':
      return 'subjobs';
    case 'J':
      return [{ attr: 'array', op: 'eq', value: 'True' }];
    default:
      return valued(letter, arg);
  }
}

/** `user[@host]` of a -u list, as an ACL entry (hosts may start with `*.`), of a sane length. */
function userEntry(entry: string): boolean {
  const [user = '', host = ''] = entry.split('@');
  return parseAclEntry(entry).ok && user.length <= LIMITS.name && host.length <= 255;
}

/** The destination of -q: `queue`, `@server` or `queue@server` (the op before it is ignored). */
function queueTests(arg: string, into: QselectRequest): QselectParsed | undefined {
  const destination = destinationOf(splitOp(arg).value);
  if (!destination) {
    const message = `illegally formed destination: ${arg}`;
    return { ok: false, error: { code: 'USAGE', message } };
  }
  if (destination.queue !== undefined) into.tests.push({ attr: 'queue', op: 'eq', value: destination.queue });
  if (destination.server !== undefined) into.server = destination.server;
  return undefined;
}

export function parseQselectCommandLine(argv: string[], now: number): QselectParsed {
  if (argv.length === 1 && argv[0] === '--version') return { ok: true, value: 'version' };
  const parsed = getopt(argv, 'a:A:c:h:HJl:N:p:q:r:s:t:Tu:xP:');
  if (parsed.error !== undefined)
    return { ok: false, error: { code: 'USAGE', message: parsed.error, usage: true } };
  if (parsed.operands.length > 0) return { ok: false, error: { code: 'USAGE', message: '', usage: true } };
  const request: QselectRequest = { tests: [], history: false, subjobs: false };
  for (const { letter, value = '' } of parsed.options) {
    if (letter === 'q') {
      const refused = queueTests(value, request);
      if (refused) return refused;
      continue;
    }
    const step = option(letter, value, now);
    if (step === 'history') request.history = true;
    else if (step === 'subjobs') request.subjobs = true;
    else if (Array.isArray(step)) request.tests.push(...step);
    else return step;
    if (letter === 'H') request.history = true;
  }
  return { ok: true, value: request };
}
