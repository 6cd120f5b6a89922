// The values of qsub's (and qalter's) options: what each one accepts, checked the same way on the
// command line and in `#PBS` lines, and the conversions that need no context.
import { posix } from 'node:path';
import { type Result, refuse } from '../errors.js';
import { CHECKPOINT_SIGNALS } from '../lifecycle/checkpoint-policy.js';
import { CONTROL, LIMITS } from '../policy/limits.js';
import { parsePbsArray, parseTorqueArray } from './array-indices.js';
import { isExecutionTimeSyntax } from './exec-time.js';
import type { ParsedOption } from './getopt.js';
import { parseResourceArgs, splitOutsideQuotes, unquote } from './resource-entries.js';
import { checkVariableList } from './variables.js';

/** OpenPBS's letters, with -d and -T that Torque's clients send. */
export const QSUB_OPTSTRING = 'a:A:c:C:e:fhIj:J:k:l:m:M:N:o:p:P:q:r:R:S:u:v:VW:XzT:d:';
/** Torque mode adds Torque's arrays, -t; OpenPBS answers `invalid option -- 't'`. */
export const QSUB_TORQUE_OPTSTRING = `${QSUB_OPTSTRING}t:`;

/** What qsub answers to -t outside Torque mode (glibc's words for OpenPBS's getopt). */
export const TORQUE_ONLY_OPTION = "invalid option -- 't'";

export function qsubOptstring(torque: boolean): string {
  return torque ? QSUB_TORQUE_OPTSTRING : QSUB_OPTSTRING;
}

/** qsub's long options (Drover's own): `--cron EXPR` makes a recurring job. */
export const QSUB_LONG = ['cron='];

/** A cron schedule's shape: 5 or 6 fields, or an @alias; the head checks the rest. */
const CRON_SHAPE = /^(@[a-z]+|\S+(\s+\S+){4,5})$/;

/** What is wrong with an option value: the message after `qsub: `, and whether usage follows. */
export interface OptionProblem {
  message: string;
  usage: boolean;
  /** a line printed before, without `qsub: ` (PBS's library prints it so) */
  unprefixed?: string;
}

/** `-r n` with an array (PBS's text has the two spaces after `qsub:`). */
export const NON_RERUNABLE_ARRAY: OptionProblem = {
  message: ' cannot submit non-rerunable Array Job',
  usage: true,
};

/** PBS_MAXJOBNAME in OpenPBS's code (the man page says 236). */
export const MAX_JOB_NAME = 230;
export const DEFAULT_PROJECT = '_pbs_project_default';

const DEPEND_TYPES = [
  'after',
  'afterok',
  'afternotok',
  'afterany',
  'before',
  'beforeok',
  'beforenotok',
  'beforeany',
];
/** a job, an array (`12[]`), a subjob (`12[3]`) or a range (`12[1-3]`), with server parts */
const DEPEND_JOB = /^\d+(\[[^\]]*\])?(\.[A-Za-z0-9_.-]+)?(@[A-Za-z0-9_.-]+)?$/;
const SUBJOB = /^\d+\[[^\]]+\]/;

const ILLEGAL = (letter: string): OptionProblem => ({ message: `illegal -${letter} value`, usage: true });

type Check = (value: string) => OptionProblem | undefined | boolean;

/** true = valid, false = `illegal -X value` + usage, or a specific problem. */
const CHECKS: Record<string, Check> = {
  a: isExecutionTimeSyntax,
  c: (v) => /^(n|s|c|w|[cw]=\d+)$/.test(v) && Number(v.slice(2) || 0) <= LIMITS.checkpointMinutes,
  e: (v) => checkPath(v),
  j: (v) => ['oe', 'eo', 'n'].includes(v),
  // the size limit is the server's (max_array_size); the client checks the syntax
  J: (v) => arraySyntaxOk(parsePbsArray(v)),
  t: (v) => arraySyntaxOk(parseTorqueArray(v)),
  k: (v) => v === 'n' || (/^[oed]{1,3}$/.test(v) && new Set(v).size === v.length),
  l: (v) => parseResourceArgs([v]).ok,
  m: (v) => v === 'n' || /^[abej]+$/.test(v),
  N: checkJobName,
  o: (v) => checkPath(v),
  p: (v) => /^[+-]?\d+$/.test(v) && Number(v) >= -1024 && Number(v) <= 1023,
  P: (v) => v !== '' && !/[/[\]";:|<>+,?*]/.test(v),
  q: (v) => (parseDestination(v) ? true : { message: `illegally formed destination: ${v}`, usage: false }),
  r: (v) => v === 'y' || v === 'n',
  R: (v) => ['o', 'e', 'oe', 'eo'].includes(v),
  v: checkVariableList,
  W: (v) => checkW(v),
  cron: (v) => (CRON_SHAPE.test(v.trim()) ? true : { message: `illegal --cron value: ${v}`, usage: true }),
};

/** The syntax check of one option as typed; undefined when it is fine. */
export function checkOption(option: ParsedOption): OptionProblem | undefined {
  const check = CHECKS[option.letter];
  if (!check || option.value === undefined) return undefined;
  const verdict = check(option.value);
  if (verdict === true || verdict === undefined) return undefined;
  return verdict === false ? ILLEGAL(option.letter) : verdict;
}

/** A client-side option refusal: exit 2, with the usage when PBS prints it. */
export function refuseOption<T>(problem: OptionProblem): Result<T> {
  const refused = refuse<T>('USAGE', problem.message, problem.usage);
  if (!refused.ok && problem.unprefixed !== undefined) refused.error.unprefixed = problem.unprefixed;
  return refused;
}

export function checkOptions(options: ParsedOption[]): OptionProblem | undefined {
  for (const option of options) {
    const problem = checkOption(option);
    if (problem) return problem;
  }
  return undefined;
}

/** `-N` and the default name: `[A-Za-z0-9._+-]`, at most MAX_JOB_NAME characters. */
export function checkJobName(name: string): OptionProblem | true {
  if (!/^[A-Za-z0-9._+-]+$/.test(name)) return ILLEGAL('N');
  if (name.length > MAX_JOB_NAME) return { message: 'Job name is too long ', usage: false };
  return true;
}

/** `queue`, `@server` or `queue@server`. */
export function parseDestination(value: string): { queue?: string; server?: string } | undefined {
  const match = /^([A-Za-z0-9_][A-Za-z0-9_.-]*)?(?:@([A-Za-z0-9][A-Za-z0-9_.-]*(?::\d+)?))?$/.exec(value);
  if (!match || value === '' || value === '@') return undefined;
  const destination: { queue?: string; server?: string } = {};
  if (match[1] !== undefined) destination.queue = match[1];
  if (match[2] !== undefined) destination.server = match[2];
  return destination;
}

function arraySyntaxOk(r: Result<unknown>): boolean {
  return r.ok || r.error.code !== 'USAGE';
}

function checkPath(value: string): boolean {
  const host = /^([^/:]+):(.*)$/s.exec(value);
  return (
    value !== '' && !CONTROL.test(value) && value.length <= LIMITS.path && (host === null || host[2] !== '')
  );
}

/**
 * `-o`/`-e` as an absolute path: relative → against `cwd`; `host:path` keeps the path as given;
 * a value ending in `/` stays a directory (a trailing `/` is kept).
 */
export function resolveOutputPath(value: string, cwd: string): string {
  const host = /^([^/:]+):(.*)$/s.exec(value);
  if (host) return host[2] as string;
  const absolute = posix.resolve(cwd, value);
  return value.endsWith('/') && !absolute.endsWith('/') ? `${absolute}/` : absolute;
}

/** `-W attr=value[,attr=value...]` → attributes, quotes removed; a problem when malformed. */
export function parseW(value: string): Map<string, string> | OptionProblem {
  const items = splitOutsideQuotes(value, ',');
  if (!items) return ILLEGAL('W');
  const attributes = new Map<string, string>();
  for (const item of items) {
    const match = /^([A-Za-z_]+)=(.+)$/s.exec(item);
    if (!match) return ILLEGAL('W');
    const [name, text] = [match[1] as string, unquote(match[2] as string)];
    const problem = checkWAttribute(name, text);
    if (problem) return problem;
    attributes.set(name, text);
  }
  return attributes;
}

function checkW(value: string): OptionProblem | true {
  const parsed = parseW(value);
  return parsed instanceof Map ? true : parsed;
}

/** depend, umask, block and interactive are understood; any other attribute is refused. */
function checkWAttribute(name: string, value: string): OptionProblem | undefined {
  if (name === 'depend') return checkDepend(value);
  if (name === 'umask') return /^[0-7]{1,4}$/.test(value) ? undefined : ILLEGAL('W');
  if (name === 'block') return /^(true|false)$/i.test(value) ? undefined : ILLEGAL('W');
  if (name === 'interactive') return /^(true|false)$/i.test(value) ? undefined : ILLEGAL('W');
  if (name === 'checkpoint_signal')
    return CHECKPOINT_SIGNALS.includes(value.toUpperCase().replace(/^(SIG)?/, 'SIG'))
      ? undefined
      : ILLEGAL('W');
  if (name === 'max_run_subjobs') return /^\d+$/.test(value) && Number(value) > 0 ? undefined : ILLEGAL('W');
  return ILLEGAL('W');
}

/** `type:jobid[:jobid...][,type:...]`, as written (a subjob target is refused at submission). */
export function checkDepend(value: string): OptionProblem | undefined {
  for (const item of value.split(',')) {
    const [type = '', ...ids] = item.split(':');
    if (type === 'on') {
      if (ids.length !== 1 || !/^\d+$/.test(ids[0] as string)) return ILLEGAL('W');
      continue;
    }
    if (!DEPEND_TYPES.includes(type) && type !== 'runone') return ILLEGAL('W');
    if (ids.length === 0) return ILLEGAL('W');
    if (!ids.every((id) => DEPEND_JOB.test(id))) return ILLEGAL('W');
  }
  return undefined;
}

/**
 * A dependency on a subjob or a range (`12[3]`, `12[1-3]`; the whole array `12[]` is fine). PBS
 * refuses it when it submits or alters the job: its library prints the first line without the
 * command's name, then the command says `illegal -W value` and prints its usage.
 */
export function dependOnSubjob(value: string): OptionProblem | undefined {
  const ids = value.split(',').flatMap((item) => item.split(':').slice(1));
  if (!ids.some((id) => SUBJOB.test(id))) return undefined;
  return { ...ILLEGAL('W'), unprefixed: 'cannot have dependancy on subjob or range' };
}
