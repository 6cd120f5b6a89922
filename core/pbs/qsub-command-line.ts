// qsub's command line: the invocation forms (options, script source, -z, --version) and the
// default output paths. The job a submission describes is built in job-spec.ts.
import { posix } from 'node:path';
import { ok, type Refusal, type Result, refuse } from '../errors.js';
import type { JobSpec } from '../job-spec-types.js';
import { getopt, type ParsedOption } from './getopt.js';
import {
  checkOptions,
  NON_RERUNABLE_ARRAY,
  type OptionProblem,
  QSUB_LONG,
  qsubOptstring,
  refuseOption,
  TORQUE_ONLY_OPTION,
} from './qsub-options.js';

export type QsubSource =
  | { kind: 'file'; path: string }
  | { kind: 'stdin' }
  | { kind: 'exec'; executable: string; args: string[] };

export interface QsubCommandLine {
  options: ParsedOption[];
  source: QsubSource;
  /** -z */
  suppressId: boolean;
  /** `qsub --version` */
  version: boolean;
}

export const QSUB_USAGE = [
  'usage: qsub [-a date_time] [-A account_string] [-c interval]',
  '\t[-C directive_prefix] [-e path] [-f ] [-h ] [-I [-X]] [-j oe|eo] [-J X-Y[:Z]]',
  '\t[-k o|e|oe] [-l resource_list] [-m mail_options] [-M user_list]',
  '\t[-N jobname] [-o path] [-p priority] [-P project] [-q queue] [-r y|n]',
  '\t[-R o|e|oe] [-S path] [-u user_list] [-W otherattributes=value...]',
  '\t[-v variable_list] [-V ] [-z] [--cron schedule] [script | -- command [arg1 ...]]',
  '       qsub --version',
].join('\n');

/** How qsub reads its options: Torque mode (cli/qsub.ts decides) adds -t. */
export interface QsubMode {
  torque?: boolean;
}

/** The command line of qsub (without the program name): options, script source, -z, --version. */
export function parseQsubCommandLine(argv: string[], mode: QsubMode = {}): Result<QsubCommandLine> {
  if (argv.length === 1 && argv[0] === '--version') {
    return ok({ options: [], source: { kind: 'stdin' }, suppressId: false, version: true });
  }
  const parsed = getopt(argv, qsubOptstring(mode.torque === true), { long: QSUB_LONG });
  // PBS's qsub has no long options: glibc reads any other `--x` as the short option `-`
  if (parsed.error?.startsWith('unrecognized option')) return refuse('USAGE', "invalid option -- '-'", true);
  if (parsed.error !== undefined) return refuse('USAGE', parsed.error, true);
  const problem = checkOptions(parsed.options) ?? nonRerunableArray(parsed.options);
  if (problem) return refuseOption(problem);
  const source = scriptSource(parsed.operands, parsed.dashdash);
  if (!source.ok) return source;
  const suppressId = parsed.options.some((option) => option.letter === 'z');
  return ok({ options: parsed.options, source: source.value, suppressId, version: false });
}

/**
 * Whether a refusal is the one Torque mode would not give: -t, on the command line or in a
 * directive (its message begins with glibc's line for it).
 */
export function refusesTorqueOption(error: Refusal): boolean {
  return error.message.split('\n')[0] === TORQUE_ONLY_OPTION;
}

/**
 * `-r n` with an array on the command line, refused as PBS's option loop does: at the array
 * option when the last -r before it said n, or at a `-r n` after it. (With directives in the
 * mix, job-spec.ts refuses it.)
 */
function nonRerunableArray(options: ParsedOption[]): OptionProblem | undefined {
  let rerunable = true;
  let array = false;
  for (const { letter, value } of options) {
    if (letter === 'J' || letter === 't') {
      if (!rerunable) return NON_RERUNABLE_ARRAY;
      array = true;
    } else if (letter === 'r') {
      rerunable = value !== 'n';
      if (!rerunable && array) return NON_RERUNABLE_ARRAY;
    }
  }
  return undefined;
}

/**
 * `script` last, `-` or nothing = stdin, `-- exe args`. Anything else (`--` alone, a script and
 * `-- command`, an argument after the script) gets PBS's answer: the usage alone, exit 2.
 */
function scriptSource(operands: string[], dashdash: number | undefined): Result<QsubSource> {
  if (dashdash !== undefined) {
    const [executable, ...args] = operands;
    if (dashdash > 0 || executable === undefined) return refuse('USAGE', '', true);
    return ok({ kind: 'exec', executable, args });
  }
  if (operands.length > 1) return refuse('USAGE', '', true);
  const [path] = operands;
  return ok(path === undefined || path === '-' ? { kind: 'stdin' } : { kind: 'file', path });
}

/**
 * Where the job's stdout (`o`) or stderr (`e`) goes, without the host: by default
 * `<workdir>/<last component of name>.o<seq>`; for a `-o` directory (ending in `/`)
 * `<dir>/<jobId>.OU` (`.ER`); otherwise the path given (absolute unless given as host:relpath).
 * A subjob's default ends `.o<seq>.<index>` (Torque: `-<index>`), and `^array_index^` in a
 * given path becomes its index.
 */
export function resolveStdPath(
  spec: JobSpec,
  kind: 'o' | 'e',
  jobId: string,
  seq: number,
  arrayIndex?: number,
): string {
  const given = kind === 'o' ? spec.outputPath : spec.errorPath;
  if (given === undefined) {
    const sep = spec.array?.style === 'torque' ? '-' : '.';
    const suffix = !spec.array ? '' : `${sep}${arrayIndex ?? '^array_index^'}`;
    return posix.join(spec.workdir, `${posix.basename(spec.name)}.${kind}${seq}${suffix}`);
  }
  if (given.endsWith('/')) return `${given}${jobId}.${kind === 'o' ? 'OU' : 'ER'}`;
  return arrayIndex === undefined ? given : given.replaceAll('^array_index^', String(arrayIndex));
}
