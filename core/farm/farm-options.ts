// `render-farm submit` options to a JobSpec (pure): the farm is an array job built the way
// qsub builds one (same validation, same defaults), with the frame queue in `spec.farm`.
import { parseArgs } from 'node:util';
import { type Result, refuse } from '../errors.js';
import type { FarmSpec, JobSpec } from '../job-spec-types.js';
import { parseDuration } from '../pbs/duration.js';
import { buildJobSpec } from '../pbs/job-spec.js';
import { parseQsubCommandLine } from '../pbs/qsub-command-line.js';
import type { Environment } from '../pbs/variables.js';
import { checkPlaceholders, parseFrames } from './frames.js';

export const FARM_SUBMIT_USAGE =
  'usage: render-farm submit [--name N] --frames SPEC [--chunk K] [--priority P] [--retries R]\n' +
  '         [--node-failures K] [--timeout D] [--stall-timeout D] [--select RES] [--then CMD] -- COMMAND...';

export const DEFAULT_RETRIES = 3;
export const DEFAULT_NODE_FAILURES = 3;

export interface FarmSubmitInput {
  argv: string[];
  env: Environment;
  cwd: string;
  host: string;
  user: string;
  /** epoch seconds */
  now: number;
}

const usage = (message: string) => refuse<JobSpec>('USAGE', message, true);

function wholeNumber(name: string, value: string | undefined, min: number): number | string | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) return `--${name} wants a whole number of at least ${min}`;
  return Number(value);
}

function seconds(name: string, value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  const d = parseDuration(value);
  if (d === undefined || d < 1) return `illegal --${name} value "${value}" (e.g. 90, 10:00 or 1:30:00)`;
  return d;
}

export function buildFarmSpec(input: FarmSubmitInput): Result<JobSpec> {
  let parsed: ReturnType<typeof parseFarmArgs>;
  try {
    parsed = parseFarmArgs(input.argv);
  } catch (e) {
    return usage((e as Error).message);
  }
  const { values: v, positionals: command } = parsed;
  if (v.frames === undefined) return usage('--frames is required (e.g. 1-240, 1-240x5, 1,5,9-12)');
  if (command.length === 0) return usage('no command given after --');
  const frames = parseFrames(v.frames);
  if (!frames.ok) return frames;
  const placeholder = checkPlaceholders(command);
  if (placeholder) return usage(placeholder);
  const chunk = wholeNumber('chunk', v.chunk, 1);
  const retries = wholeNumber('retries', v.retries, 0);
  const nodeFailures = wholeNumber('node-failures', v['node-failures'], 1);
  const timeout = seconds('timeout', v.timeout);
  const stall = seconds('stall-timeout', v['stall-timeout']);
  for (const x of [chunk, retries, nodeFailures, timeout, stall]) if (typeof x === 'string') return usage(x);
  if (v.priority !== undefined && !/^-?\d+$/.test(v.priority))
    return usage('--priority wants a number from -1024 to 1023');
  const qsubArgs = ['-N', v.name ?? 'render', '-j', 'oe', '-r', 'y'];
  if (v.priority !== undefined) qsubArgs.push('-p', v.priority);
  if (v.select !== undefined)
    qsubArgs.push('-l', v.select.startsWith('select=') ? v.select : `select=${v.select}`);
  if (typeof timeout === 'number') qsubArgs.push('-l', `walltime=${timeout}`);
  if (v.queue !== undefined) qsubArgs.push('-q', v.queue);
  const cmdline = parseQsubCommandLine(qsubArgs);
  if (!cmdline.ok) return cmdline;
  const spec = buildJobSpec({
    cmdline: cmdline.value,
    script: '',
    scriptName: 'render',
    env: input.env,
    cwd: input.cwd,
    host: input.host,
    user: input.user,
    now: input.now,
    argv: ['render-farm', 'submit', ...input.argv],
  });
  if (!spec.ok) return spec;
  const farm: FarmSpec = {
    frames: frames.value,
    chunk: (chunk as number | undefined) ?? 1,
    command,
    retries: (retries as number | undefined) ?? DEFAULT_RETRIES,
    nodeFailures: (nodeFailures as number | undefined) ?? DEFAULT_NODE_FAILURES,
    ...(typeof stall === 'number' ? { stallTimeout: stall } : {}),
    ...(typeof timeout === 'number' ? { timeout } : {}),
    ...(v.then !== undefined ? { thenCommand: v.then } : {}),
  };
  return { ok: true, value: { ...spec.value, farm } };
}

function parseFarmArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: 'string' },
      frames: { type: 'string' },
      chunk: { type: 'string' },
      priority: { type: 'string' },
      retries: { type: 'string' },
      'node-failures': { type: 'string' },
      timeout: { type: 'string' },
      'stall-timeout': { type: 'string' },
      select: { type: 'string' },
      queue: { type: 'string' },
      // biome-ignore lint/suspicious/noThenProperty: the option is --then, a parseArgs config key
      then: { type: 'string' },
    },
  });
}
