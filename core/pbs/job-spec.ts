// From a qsub command line and script to a JobSpec: directives scanned, the command line beating
// directives, every value validated, defaults applied, paths made absolute.
import { posix } from 'node:path';
import { ok, type Result, refuse } from '../errors.js';
import type { JobSpec, ResourceRequest } from '../job-spec-types.js';
import { parsePbsArray, parseTorqueArray } from './array-indices.js';
import { DEFAULT_PREFIX, scanDirectives } from './directives.js';
import { parseExecutionTime } from './exec-time.js';
import type { ParsedOption } from './getopt.js';
import { asksInteractive, checkInteractive, interactiveSpec } from './interactive.js';
import type { QsubCommandLine } from './qsub-command-line.js';
import {
  checkJobName,
  checkOptions,
  DEFAULT_PROJECT,
  dependOnSubjob,
  NON_RERUNABLE_ARRAY,
  parseDestination,
  parseW,
  qsubOptstring,
  refuseOption,
  resolveOutputPath,
} from './qsub-options.js';
import { mergeResourceEntries, parseResourceArgs, type ResourceEntry } from './resource-entries.js';
import { buildResourceRequest } from './resources.js';
import {
  basicVariables,
  type Environment,
  exportedVariables,
  parseVariableList,
  type Variable,
} from './variables.js';

export interface QsubBuildInput {
  cmdline: QsubCommandLine;
  /** raw script content, for file and stdin jobs */
  script?: string;
  /** basename for the default Job_Name (`STDIN` for stdin) */
  scriptName?: string;
  env: Environment;
  cwd: string;
  host: string;
  user: string;
  /** epoch seconds */
  now: number;
  /** qsub's argv, for Submit_arguments */
  argv: string[];
  /** Torque mode: `#PBS -t` makes an array (otherwise it is refused, as OpenPBS does) */
  torque?: boolean;
}

/** The options of both sources; the command line beats the directives. */
interface Sources {
  cmdline: ParsedOption[];
  directives: ParsedOption[];
}

export function buildJobSpec(input: QsubBuildInput): Result<JobSpec> {
  const problem = checkOptions(input.cmdline.options);
  if (problem) return refuseOption(problem);
  const scanned = scanSource(input);
  if (!scanned.ok) return scanned;
  const sources: Sources = { cmdline: input.cmdline.options, directives: scanned.value.options };
  const unsupported = refuseUnsupported(sources, input.env);
  if (!unsupported.ok) return unsupported;
  const depend = wAttribute(sources, 'depend');
  const onSubjob = depend === undefined ? undefined : dependOnSubjob(depend);
  if (onSubjob) return refuseOption(onSubjob);
  const name = jobName(input, sources);
  if (!name.ok) return name;
  const resources = jobResources(sources);
  if (!resources.ok) return resources;
  const variables = jobVariables(input, sources);
  if (!variables.ok) return variables;
  const executionTime = jobExecutionTime(input.now, sources);
  if (!executionTime.ok) return executionTime;
  const array = jobArray(sources);
  if (!array.ok) return array;
  return ok(
    assemble(input, sources, {
      array: array.value,
      name: name.value,
      resources: resources.value,
      variables: variables.value,
      executionTime: executionTime.value,
      script: scanned.value.script,
    }),
  );
}

function last(options: ParsedOption[], letter: string): string | undefined {
  return options.filter((option) => option.letter === letter).pop()?.value;
}

function pick(sources: Sources, letter: string): string | undefined {
  return last(sources.cmdline, letter) ?? last(sources.directives, letter);
}

function flag(sources: Sources, letter: string): boolean {
  return [...sources.cmdline, ...sources.directives].some((option) => option.letter === letter);
}

/** Directives of file and stdin scripts, with the prefix -C (or PBS_DPREFIX) names. */
function scanSource(input: QsubBuildInput): Result<{ options: ParsedOption[]; script?: string }> {
  if (input.cmdline.source.kind === 'exec') return ok({ options: [] });
  const prefix = last(input.cmdline.options, 'C') ?? input.env.PBS_DPREFIX ?? DEFAULT_PREFIX;
  return scanDirectives(input.script ?? '', prefix, qsubOptstring(input.torque === true));
}

function refuseUnsupported(sources: Sources, env: Environment): Result<void> {
  const array = flag(sources, 'J') || flag(sources, 't');
  const cron = pick(sources, 'cron') !== undefined;
  const interactive = isInteractive(sources);
  const terminal = checkInteractive({
    interactive,
    x11: flag(sources, 'X'),
    array,
    cron,
    display: env.DISPLAY,
  });
  if (!terminal.ok) return terminal;
  // on the command line alone it is an option error (qsub-command-line.ts); with a directive, exit 1
  if (array && pick(sources, 'r') === 'n') return refuse('FAILED', NON_RERUNABLE_ARRAY.message);
  if (!array && wAttribute(sources, 'max_run_subjobs') !== undefined) {
    return refuse('FAILED', 'Attribute has to be set on an array job: max_run_subjobs');
  }
  if (!array && pick(sources, 'm')?.includes('j')) {
    return refuse('FAILED', "mail option 'j' can not be used without array job");
  }
  return ok(undefined);
}

/** -I or -W interactive=true, from either source. */
function isInteractive(sources: Sources): boolean {
  return asksInteractive(sources.cmdline) || asksInteractive(sources.directives);
}

/** -N, else the script's basename (validated the same way), else STDIN. */
function jobName(input: QsubBuildInput, sources: Sources): Result<string> {
  const given = pick(sources, 'N');
  if (given !== undefined) return ok(given);
  const source = input.cmdline.source;
  const name = source.kind === 'file' ? (input.scriptName ?? posix.basename(source.path)) : 'STDIN';
  const verdict = checkJobName(name);
  return verdict === true ? ok(name) : refuseOption(verdict);
}

function resourceEntries(options: ParsedOption[]): ResourceEntry[] {
  const values = options.filter((option) => option.letter === 'l').map((option) => option.value as string);
  const parsed = parseResourceArgs(values);
  return parsed.ok ? parsed.value : [];
}

function jobResources(sources: Sources): Result<ResourceRequest> {
  const merged = mergeResourceEntries(resourceEntries(sources.cmdline), resourceEntries(sources.directives));
  return buildResourceRequest(merged);
}

/** PBS_O_* (+ PBS_O_INITDIR for -d), then -v entries, then -V entries. */
function jobVariables(input: QsubBuildInput, sources: Sources): Result<Variable[]> {
  const variables = basicVariables(input.env, input.cwd, input.host);
  const initdir = pick(sources, 'd');
  if (initdir !== undefined) variables.push(['PBS_O_INITDIR', posix.resolve(input.cwd, initdir)]);
  const list = pick(sources, 'v');
  if (list !== undefined) {
    const parsed = parseVariableList(list, input.env);
    if (!parsed.ok) return parsed;
    variables.push(...parsed.value);
  }
  if (flag(sources, 'V')) {
    const taken = new Set(variables.map(([name]) => name));
    variables.push(...exportedVariables(input.env, taken));
  }
  return ok(variables);
}

function jobExecutionTime(now: number, sources: Sources): Result<number | undefined> {
  const value = pick(sources, 'a');
  if (value === undefined) return ok(undefined);
  const time = parseExecutionTime(value, now);
  return time === undefined ? refuse('USAGE', 'illegal -a value', true) : ok(time);
}

/** -J (PBS) or -t (Torque); `%N` or -W max_run_subjobs=N, not both. */
function jobArray(sources: Sources): Result<JobSpec['array']> {
  const pbs = pick(sources, 'J');
  const value = pbs ?? pick(sources, 't');
  if (value === undefined) return ok(undefined);
  const parsed = (pbs !== undefined ? parsePbsArray : parseTorqueArray)(value);
  if (!parsed.ok) return parsed;
  const limit = wAttribute(sources, 'max_run_subjobs');
  if (limit !== undefined && parsed.value.maxRun !== undefined)
    return refuse('USAGE', 'multiple max_run_subjobs values found');
  const maxRun = parsed.value.maxRun ?? (limit !== undefined ? Number(limit) : undefined);
  return ok({
    submitted: parsed.value.submitted,
    style: pbs !== undefined ? 'pbs' : 'torque',
    ...(maxRun !== undefined ? { maxRun } : {}),
  });
}

/** A -W attribute: the command line's beats the directives', later beats earlier. */
function wAttribute(sources: Sources, name: string): string | undefined {
  const find = (options: ParsedOption[]) => {
    const values = options.filter((o) => o.letter === 'W').map((o) => parseW(o.value as string));
    return values
      .map((v) => (v instanceof Map ? v.get(name) : undefined))
      .filter((v) => v !== undefined)
      .pop();
  };
  return find(sources.cmdline) ?? find(sources.directives);
}

interface ComputedParts {
  array?: JobSpec['array'];
  name: string;
  resources: ResourceRequest;
  variables: Variable[];
  executionTime?: number | undefined;
  script?: string | undefined;
}

function assemble(input: QsubBuildInput, sources: Sources, parts: ComputedParts): JobSpec {
  const output = pick(sources, 'o');
  const error = pick(sources, 'e');
  const source = input.cmdline.source;
  const spec: JobSpec = {
    name: parts.name,
    queue: parseDestination(pick(sources, 'q') ?? '')?.queue,
    resources: parts.resources,
    outputPath: output === undefined ? undefined : resolveOutputPath(output, input.cwd),
    errorPath: error === undefined ? undefined : resolveOutputPath(error, input.cwd),
    join: (pick(sources, 'j') ?? 'n') as JobSpec['join'],
    keepFiles: pick(sources, 'k') ?? 'n',
    hold: flag(sources, 'h'),
    executionTime: parts.executionTime,
    priority: Number(pick(sources, 'p') ?? '0'),
    variables: parts.variables,
    shell: pick(sources, 'S') ?? input.env.PBS_SHELL,
    account: pick(sources, 'A'),
    project: pick(sources, 'P') ?? DEFAULT_PROJECT,
    // PBS: interactive jobs are not rerunnable
    rerunable: pick(sources, 'r') !== 'n' && !isInteractive(sources),
    checkpoint: pick(sources, 'c') ?? 'u',
    checkpointSignal: wAttribute(sources, 'checkpoint_signal')
      ?.toUpperCase()
      .replace(/^(SIG)?/, 'SIG'),
    umask: wAttribute(sources, 'umask'),
    mailPoints: pick(sources, 'm') ?? 'a',
    mailUsers: pick(sources, 'M'),
    // PBS: an interactive job does not block (qsub warns, cli/qsub-interactive.ts)
    block: (wAttribute(sources, 'block')?.toLowerCase() === 'true' && !isInteractive(sources)) || undefined,
    userList: pick(sources, 'u'),
    depend: wAttribute(sources, 'depend'),
    cron: pick(sources, 'cron')?.trim(),
    array: parts.array,
    script: source.kind === 'exec' ? undefined : parts.script,
    executable: source.kind === 'exec' ? source.executable : undefined,
    argv: source.kind === 'exec' ? source.args : undefined,
    interactive: isInteractive(sources) ? interactiveSpec(input.env.TERM) : undefined,
    submitArgs: input.argv.join(' '),
    workdir: input.cwd,
    submitHost: input.host,
    user: input.user,
  };
  return withoutUndefined(spec);
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
