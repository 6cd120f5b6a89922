// `drover service start` options to what the head is asked (pure): the service's name, how many
// instances, how brokers spread calls over them (core/protocol/service-view.ts), and the job each
// instance runs, built the way qsub builds `qsub -- COMMAND` (same validation, same defaults).
import { parseArgs } from 'node:util';
import { ok, type Result, refuse } from '../errors.js';
import type { JobSpec } from '../job-spec-types.js';
import { buildJobSpec } from '../pbs/job-spec.js';
import { parseQsubCommandLine } from '../pbs/qsub-command-line.js';
import type { Environment } from '../pbs/variables.js';
import { BALANCE_POLICIES, type BalancePolicy, type ServiceView } from '../protocol/service-view.js';

/** A service's name: a letter, then letters, digits, `_` and `-`; 63 characters at most. */
export const SERVICE_NAME_PATTERN = '^[A-Za-z][A-Za-z0-9_-]{0,62}$';
/** Names the API's paths take for themselves (`GET /v1/services/watch`). */
export const RESERVED_SERVICE_NAMES: readonly string[] = ['watch'];
export const MAX_INSTANCES = 1000;

/** How a service is served: what brokers read (the ServiceView's settings) and where it runs. */
export type ServiceSettings = Pick<
  ServiceView,
  'policy' | 'hashKey' | 'maxConcurrency' | 'health' | 'queue' | 'retries' | 'scale'
> & {
  /** spread the instances over the nodes' `zone` labels */
  zoneSpread?: boolean;
};

/** `POST /v1/services`: the service and the job each instance runs (its name and `service` the head's). */
export interface ServiceStart {
  name: string;
  instances: number;
  settings: ServiceSettings;
  spec: JobSpec;
}

export const HEALTH_DEFAULTS = { intervalMs: 5000, timeoutMs: 2000, rise: 2, fall: 3 } as const;
export const QUEUE_DEFAULTS = { max: 100, timeoutMs: 30_000 } as const;
export const DEFAULT_RETRIES = 1;

export interface ServiceStartInput {
  argv: string[];
  env: Environment;
  cwd: string;
  host: string;
  user: string;
  /** epoch seconds */
  now: number;
}

const usage = <T>(message: string) => refuse<T>('USAGE', message, true);

/** What is wrong with a service name, or nothing. */
export function checkServiceName(name: string | undefined): string | undefined {
  if (name === undefined || name === '') return 'a service NAME is required';
  if (!new RegExp(SERVICE_NAME_PATTERN).test(name))
    return `illegal service name "${name}": a letter, then up to 62 letters, digits, _ or -`;
  if (RESERVED_SERVICE_NAMES.includes(name)) return `the service name "${name}" is reserved`;
  return undefined;
}

/** A whole number from `min` to `max` given to `--flag`, or what is wrong with it. */
export function wholeFlag(flag: string, value: string, min: number, max: number): number | string {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    return `${flag} wants a whole number from ${min} to ${max}, not "${value}"`;
  return Number(value);
}

type Flags = ReturnType<typeof parseServiceArgs>['values'];

/** The numbers among the flags; `undefined` for those not given. */
function numbers(v: Flags): Record<string, number | undefined> | string {
  const spec: [string, string | undefined, number, number][] = [
    ['instances', v.instances, 1, MAX_INSTANCES],
    ['max-concurrency', v['max-concurrency'], 1, 1_000_000],
    ['queue-max', v['queue-max'], 0, 1_000_000],
    ['queue-timeout', v['queue-timeout'], 0, 86_400],
    ['retries', v.retries, 0, 100],
    ['min', v.min, 1, MAX_INSTANCES],
    ['max', v.max, 1, MAX_INSTANCES],
  ];
  const out: Record<string, number | undefined> = {};
  for (const [flag, value, min, max] of spec) {
    if (value === undefined) continue;
    const n = wholeFlag(`--${flag}`, value, min, max);
    if (typeof n === 'string') return n;
    out[flag] = n;
  }
  return out;
}

/** The broker-facing settings from the flags, or what is wrong with them. */
function settingsOf(v: Flags, n: Record<string, number | undefined>): ServiceSettings | string {
  const policy = (v.policy ??
    (v['hash-header'] || v['hash-cookie'] ? 'hash' : 'least-outstanding')) as BalancePolicy;
  if (!BALANCE_POLICIES.includes(policy))
    return `--policy wants one of ${BALANCE_POLICIES.join(', ')}, not "${v.policy}"`;
  if (v['hash-header'] !== undefined && v['hash-cookie'] !== undefined)
    return '--hash-header and --hash-cookie cannot be used together';
  const hashed = v['hash-header'] !== undefined || v['hash-cookie'] !== undefined;
  if (policy === 'hash' && !hashed) return '--policy hash needs --hash-header H or --hash-cookie C';
  if (policy !== 'hash' && hashed) return '--hash-header and --hash-cookie go with --policy hash';
  if (v.health !== undefined && !/^\/[^\s]*$/.test(v.health)) return `--health wants a path such as /health`;
  if ((n.min === undefined) !== (n.max === undefined)) return '--min and --max go together';
  const instances = n.instances!;
  if (n.min !== undefined && n.max !== undefined && !(n.min <= instances && instances <= n.max))
    return `--min ${n.min} <= --instances ${instances} <= --max ${n.max} does not hold`;
  return {
    policy,
    ...(v['hash-header'] !== undefined ? { hashKey: { header: v['hash-header'] } } : {}),
    ...(v['hash-cookie'] !== undefined ? { hashKey: { cookie: v['hash-cookie'] } } : {}),
    ...(n['max-concurrency'] !== undefined ? { maxConcurrency: n['max-concurrency'] } : {}),
    ...(v.health !== undefined ? { health: { path: v.health, ...HEALTH_DEFAULTS } } : {}),
    queue: {
      max: n['queue-max'] ?? QUEUE_DEFAULTS.max,
      timeoutMs: n['queue-timeout'] !== undefined ? n['queue-timeout'] * 1000 : QUEUE_DEFAULTS.timeoutMs,
    },
    retries: n.retries ?? DEFAULT_RETRIES,
    ...(n.min !== undefined && n.max !== undefined ? { scale: { min: n.min, max: n.max } } : {}),
    ...(v['zone-spread'] ? { zoneSpread: true } : {}),
  };
}

/** `drover service start NAME … -- COMMAND…` as the head's request, or why not. */
export function buildServiceStart(input: ServiceStartInput): Result<ServiceStart> {
  const dashdash = input.argv.indexOf('--');
  const options = dashdash < 0 ? input.argv : input.argv.slice(0, dashdash);
  const command = dashdash < 0 ? [] : input.argv.slice(dashdash + 1);
  let parsed: ReturnType<typeof parseServiceArgs>;
  try {
    parsed = parseServiceArgs(options);
  } catch (e) {
    return usage((e as Error).message);
  }
  const { values: v, positionals } = parsed;
  const name = positionals[0];
  const bad = checkServiceName(name);
  if (bad) return usage(bad);
  if (positionals.length > 1)
    return usage(`unexpected argument "${positionals[1]}" (the command goes after --)`);
  if (command.length === 0) return usage('no command given after --');
  if (v.instances === undefined) return usage('--instances N is required');
  const n = numbers(v);
  if (typeof n === 'string') return usage(n);
  const settings = settingsOf(v, n);
  if (typeof settings === 'string') return usage(settings);
  const qsubArgs = ['-N', name!, '-j', 'oe', '-r', 'y'];
  if (v.select !== undefined)
    qsubArgs.push('-l', v.select.startsWith('select=') ? v.select : `select=${v.select}`);
  if (v.queue !== undefined) qsubArgs.push('-q', v.queue);
  const cmdline = parseQsubCommandLine([...qsubArgs, '--', ...command]);
  if (!cmdline.ok) return cmdline;
  const spec = buildJobSpec({
    cmdline: cmdline.value,
    env: input.env,
    cwd: input.cwd,
    host: input.host,
    user: input.user,
    now: input.now,
    argv: ['drover', 'service', 'start', ...input.argv],
  });
  if (!spec.ok) return spec;
  return ok({ name: name!, instances: n.instances!, settings, spec: spec.value });
}

function parseServiceArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      instances: { type: 'string' },
      select: { type: 'string' },
      queue: { type: 'string' },
      health: { type: 'string' },
      'max-concurrency': { type: 'string' },
      'zone-spread': { type: 'boolean' },
      policy: { type: 'string' },
      'hash-header': { type: 'string' },
      'hash-cookie': { type: 'string' },
      'queue-max': { type: 'string' },
      'queue-timeout': { type: 'string' },
      retries: { type: 'string' },
      min: { type: 'string' },
      max: { type: 'string' },
    },
  });
}
