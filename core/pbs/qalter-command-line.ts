// qalter's grammar: qsub's option letters (-h takes hold letters) turned into the changes the
// head applies to each job named. Values are checked as qsub checks them.
import { ok, type Result, refuse } from '../errors.js';
import type { JobSpec } from '../job-spec-types.js';
import { parseExecutionTime } from './exec-time.js';
import { getopt, type ParsedOption } from './getopt.js';
import {
  checkOptions,
  dependOnSubjob,
  type OptionProblem,
  parseW,
  refuseOption,
  resolveOutputPath,
} from './qsub-options.js';
import { mergeResourceEntries, parseResourceArgs, type ResourceEntry } from './resource-entries.js';

export const QALTER_OPTSTRING = 'a:A:c:e:h:j:k:l:m:M:N:o:p:P:r:R:S:u:W:';

export const QALTER_USAGE = [
  'usage: qalter [-a date_time] [-A account_string] [-c interval] [-e path]',
  '\t[-h hold_list] [-j oe|eo|n] [-k keep] [-l resource_list] [-m mail_options]',
  '\t[-M user_list] [-N jobname] [-o path] [-p priority] [-P project] [-r y|n]',
  '\t[-R o|e|oe] [-S path] [-u user_list] [-W dependency_list] job_identifier...',
].join('\n');

export interface JobAlteration {
  name?: string;
  priority?: number;
  /** -h: hold letters from `uosp`, or `n` */
  hold?: string;
  /** -a: epoch seconds */
  executionTime?: number;
  /** -l entries, later duplicates merged away; applied with alterResources */
  resourceEntries?: ResourceEntry[];
  outputPath?: string;
  errorPath?: string;
  join?: JobSpec['join'];
  keepFiles?: string;
  rerunable?: boolean;
  account?: string;
  project?: string;
  mailPoints?: string;
  mailUsers?: string;
  shell?: string;
  checkpoint?: string;
  userList?: string;
  depend?: string;
}

export interface QalterContext {
  cwd: string;
  /** epoch seconds, for -a */
  now: number;
}

export function parseQalterCommandLine(
  argv: string[],
  ctx: QalterContext,
): Result<{ alteration: JobAlteration; operands: string[] }> {
  const parsed = getopt(argv, QALTER_OPTSTRING);
  if (parsed.error !== undefined) return refuse('USAGE', parsed.error, true);
  const problem = checkOptions(parsed.options.filter((option) => option.letter !== 'h'));
  if (problem) return refuseOption(problem);
  if (parsed.operands.length === 0) return refuse('USAGE', 'a job identifier is required', true);
  const onSubjob = dependsOnSubjob(parsed.options);
  if (onSubjob) return refuseOption(onSubjob);
  const alteration: JobAlteration = {};
  for (const option of parsed.options) {
    const applied = applyOption(alteration, option, ctx);
    if (!applied.ok) return applied;
  }
  const entries = resourceEntries(parsed.options);
  if (entries.length > 0) alteration.resourceEntries = entries;
  return ok({ alteration, operands: parsed.operands });
}

/** Records one option (already syntax-checked) in `alteration`; later options win. */
function applyOption(alteration: JobAlteration, option: ParsedOption, ctx: QalterContext): Result<void> {
  const value = option.value as string;
  switch (option.letter) {
    case 'h':
      if (!/^(n|[uosp]+)$/.test(value)) return refuse('USAGE', 'illegal -h value', true);
      alteration.hold = value;
      break;
    case 'a': {
      const time = parseExecutionTime(value, ctx.now);
      if (time === undefined) return refuse('USAGE', 'illegal -a value', true);
      alteration.executionTime = time;
      break;
    }
    case 'o':
    case 'e':
      alteration[option.letter === 'o' ? 'outputPath' : 'errorPath'] = resolveOutputPath(value, ctx.cwd);
      break;
    case 'W':
      applyW(alteration, value);
      break;
    default:
      applySimple(alteration, option.letter, value);
  }
  return ok(undefined);
}

function applySimple(alteration: JobAlteration, letter: string, value: string): void {
  if (letter === 'N') alteration.name = value;
  else if (letter === 'p') alteration.priority = Number(value);
  else if (letter === 'j') alteration.join = value as JobSpec['join'];
  else if (letter === 'k') alteration.keepFiles = value;
  else if (letter === 'r') alteration.rerunable = value === 'y';
  else if (letter === 'A') alteration.account = value;
  else if (letter === 'P') alteration.project = value;
  else if (letter === 'm') alteration.mailPoints = value;
  else if (letter === 'M') alteration.mailUsers = value;
  else if (letter === 'S') alteration.shell = value;
  else if (letter === 'c') alteration.checkpoint = value;
  else if (letter === 'u') alteration.userList = value;
}

/** PBS refuses a -W depend on a subjob or range as qsub does (every -W given is checked). */
function dependsOnSubjob(options: ParsedOption[]): OptionProblem | undefined {
  for (const option of options) {
    const attributes = option.letter === 'W' ? parseW(option.value as string) : undefined;
    const depend = attributes instanceof Map ? attributes.get('depend') : undefined;
    const problem = depend === undefined ? undefined : dependOnSubjob(depend);
    if (problem) return problem;
  }
  return undefined;
}

function applyW(alteration: JobAlteration, value: string): void {
  const attributes = parseW(value);
  const depend = attributes instanceof Map ? attributes.get('depend') : undefined;
  if (depend !== undefined) alteration.depend = depend;
}

function resourceEntries(options: ParsedOption[]): ResourceEntry[] {
  const values = options.filter((option) => option.letter === 'l').map((option) => option.value as string);
  const parsed = parseResourceArgs(values);
  return parsed.ok ? mergeResourceEntries(parsed.value, []) : [];
}
