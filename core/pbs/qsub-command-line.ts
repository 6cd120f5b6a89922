// qsub's command line: the invocation forms (options, script source, -z, --version) and the
// default output paths. The job a submission describes is built in job-spec.ts.
import { posix } from 'node:path';
import { ok, type Result, refuse } from '../errors.js';
import type { JobSpec } from '../job-spec-types.js';
import { getopt, type ParsedOption } from './getopt.js';
import { checkOptions, QSUB_LONG, QSUB_OPTSTRING, refuseOption } from './qsub-options.js';

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

/** The command line of qsub (without the program name): options, script source, -z, --version. */
export function parseQsubCommandLine(argv: string[]): Result<QsubCommandLine> {
  if (argv.length === 1 && argv[0] === '--version') {
    return ok({ options: [], source: { kind: 'stdin' }, suppressId: false, version: true });
  }
  const parsed = getopt(argv, QSUB_OPTSTRING, { long: QSUB_LONG });
  // PBS's qsub has no long options: glibc reads any other `--x` as the short option `-`
  if (parsed.error?.startsWith('unrecognized option')) return refuse('USAGE', "invalid option -- '-'", true);
  if (parsed.error !== undefined) return refuse('USAGE', parsed.error, true);
  const problem = checkOptions(parsed.options);
  if (problem) return refuseOption(problem);
  const source = scriptSource(parsed.operands, parsed.dashdash);
  if (!source.ok) return source;
  const suppressId = parsed.options.some((option) => option.letter === 'z');
  return ok({ options: parsed.options, source: source.value, suppressId, version: false });
}

/** `script` last, `-` or nothing = stdin, `-- exe args`; anything else is a usage error. */
function scriptSource(operands: string[], dashdash: number | undefined): Result<QsubSource> {
  if (dashdash !== undefined) {
    if (dashdash > 0) return refuse('USAGE', 'a script cannot be combined with "-- command"', true);
    const [executable, ...args] = operands;
    if (executable === undefined) return refuse('USAGE', 'a command must follow "--"', true);
    return ok({ kind: 'exec', executable, args });
  }
  if (operands.length > 1) {
    return refuse('USAGE', `the script must be the last argument: ${operands.slice(1).join(' ')}`, true);
  }
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
