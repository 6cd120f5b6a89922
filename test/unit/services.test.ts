// The pure parts of services: `drover service start` options, names, the autoscaling decision and
// the zone spread.
import { describe, expect, it } from 'vitest';
import type { ServiceLoad } from '../../core/protocol/service-view.js';
import { AUTOSCALE_STEP_MS, autoscaleDecision } from '../../core/service/service-autoscale.js';
import { buildServiceStart, checkServiceName } from '../../core/service/service-options.js';
import { zoneAvoid } from '../../core/service/zone-spread.js';

const input = (argv: string[]) => ({
  argv,
  env: { HOME: '/home/u', PATH: '/usr/bin' },
  cwd: '/home/u/web',
  host: 'ws1',
  user: 'u',
  now: 1_700_000_000,
});

const refusal = (argv: string[]) => {
  const r = buildServiceStart(input(argv));
  if (r.ok) throw new Error(`accepted ${argv.join(' ')}`);
  return r.error;
};

describe('drover service start options', () => {
  it('builds the service, its defaults and the job each instance runs', () => {
    const r = buildServiceStart(
      input([
        'web',
        '--instances',
        '3',
        '--select',
        'ncpus=2',
        '--health',
        '/health',
        '--',
        'node',
        'srv.js',
      ]),
    );
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value).toMatchObject({
      name: 'web',
      instances: 3,
      settings: {
        policy: 'least-outstanding',
        health: { path: '/health', intervalMs: 5000, timeoutMs: 2000, rise: 2, fall: 3 },
        queue: { max: 100, timeoutMs: 30_000 },
        retries: 1,
      },
      spec: {
        name: 'web',
        executable: 'node',
        argv: ['srv.js'],
        rerunable: true,
        join: 'oe',
        workdir: '/home/u/web',
      },
    });
    expect(r.value.spec.resources.chunks[0]).toMatchObject({ count: 1, ncpus: 2 });
    expect(r.value.settings).not.toHaveProperty('scale');
  });

  it('takes the policy, its hash key, the queue, retries, bounds and zone spread', () => {
    const r = buildServiceStart(
      input([
        'api_v2',
        '--instances',
        '2',
        '--hash-cookie',
        'sid',
        '--queue-max',
        '5',
        '--queue-timeout',
        '3',
        '--retries',
        '0',
        '--min',
        '1',
        '--max',
        '4',
        '--zone-spread',
        '--max-concurrency',
        '8',
        '--',
        '/bin/srv',
      ]),
    );
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.settings).toEqual({
      policy: 'hash',
      hashKey: { cookie: 'sid' },
      maxConcurrency: 8,
      queue: { max: 5, timeoutMs: 3000 },
      retries: 0,
      scale: { min: 1, max: 4 },
      zoneSpread: true,
    });
  });

  it('refuses bad names and arguments with a usage error', () => {
    expect(checkServiceName('web-1_a')).toBeUndefined();
    expect(checkServiceName('a'.repeat(63))).toBeUndefined();
    for (const bad of ['1web', 'we.b', 'a'.repeat(64), '', 'watch', '-x'])
      expect(checkServiceName(bad), bad).toBeDefined();
    const cases: [string[], RegExp][] = [
      [['--instances', '2', '--', 'x'], /NAME is required/],
      [['9x', '--instances', '2', '--', 'x'], /illegal service name "9x"/],
      [['web', '--instances', '2'], /no command given after --/],
      [['web', '--', 'x'], /--instances N is required/],
      [['web', '--instances', '0', '--', 'x'], /--instances wants a whole number from 1 to 1000/],
      [['web', '--instances', 'two', '--', 'x'], /--instances wants/],
      [['web', 'extra', '--instances', '1', '--', 'x'], /unexpected argument "extra"/],
      [['web', '--instances', '1', '--policy', 'random', '--', 'x'], /--policy wants one of/],
      [['web', '--instances', '1', '--policy', 'hash', '--', 'x'], /needs --hash-header/],
      [
        ['web', '--instances', '1', '--policy', 'p2c', '--hash-header', 'X', '--', 'x'],
        /go with --policy hash/,
      ],
      [
        ['web', '--instances', '1', '--hash-header', 'X', '--hash-cookie', 'c', '--', 'x'],
        /cannot be used together/,
      ],
      [['web', '--instances', '1', '--min', '1', '--', 'x'], /--min and --max go together/],
      [['web', '--instances', '5', '--min', '1', '--max', '4', '--', 'x'], /does not hold/],
      [['web', '--instances', '1', '--health', 'health', '--', 'x'], /--health wants a path/],
      [['web', '--instances', '1', '--bogus', '--', 'x'], /Unknown option '--bogus'/],
      [['web', '--instances', '1', '--select', 'ncpus=zz', '--', 'x'], /./],
    ];
    for (const [argv, message] of cases) {
      const e = refusal(argv);
      expect(e.message, argv.join(' ')).toMatch(message);
      if (!argv.includes('--select')) expect(e.code, argv.join(' ')).toBe('USAGE');
    }
  });
});

const load = (l: Partial<ServiceLoad>): ServiceLoad => ({
  inFlight: 0,
  queued: 0,
  served: 0,
  failed: 0,
  queueWaitMs: 0,
  idle: 0,
  latencyMs: { p50: 1, p90: 2, p99: 3 },
  ...l,
});

describe('autoscaling', () => {
  const base = { wanted: 2, scale: { min: 1, max: 3 }, now: 1_000_000 };

  it('adds one instance when calls wait at a broker, up to --max', () => {
    expect(autoscaleDecision({ ...base, loads: [load({}), load({ queueWaitMs: 250, queued: 4 })] })).toBe(3);
    expect(autoscaleDecision({ ...base, wanted: 3, loads: [load({ queueWaitMs: 250 })] })).toBeUndefined();
  });

  it('gives one back when every broker finds the instances idle, down to --min', () => {
    expect(autoscaleDecision({ ...base, loads: [load({ idle: 0.9 }), load({ idle: 0.6 })] })).toBe(1);
    expect(autoscaleDecision({ ...base, loads: [load({ idle: 0.9 }), load({ idle: 0.2 })] })).toBeUndefined();
    expect(autoscaleDecision({ ...base, loads: [load({ idle: 0.9, queued: 1 })] })).toBeUndefined();
    expect(autoscaleDecision({ ...base, wanted: 1, loads: [load({ idle: 1 })] })).toBeUndefined();
  });

  it('takes at most one step per period, and none without reports', () => {
    const busy = [load({ queueWaitMs: 500 })];
    expect(autoscaleDecision({ ...base, loads: busy, lastStep: base.now - 1000 })).toBeUndefined();
    expect(autoscaleDecision({ ...base, loads: busy, lastStep: base.now - AUTOSCALE_STEP_MS })).toBe(3);
    expect(autoscaleDecision({ ...base, loads: [] })).toBeUndefined();
  });

  it('brings a number outside the bounds back inside', () => {
    expect(autoscaleDecision({ ...base, wanted: 7, loads: [load({})] })).toBe(3);
    expect(autoscaleDecision({ ...base, wanted: 0, loads: [load({})] })).toBe(1);
  });
});

describe('zone spread', () => {
  const zones = new Map([
    ['a1', 'a'],
    ['a2', 'a'],
    ['b1', 'b'],
    ['c1', 'c'],
  ]);
  const avoided = (running: string[], waiting: number) =>
    zoneAvoid(zones, running, waiting).map((s) => [...s].sort());

  it('sends each waiting instance to a least-loaded zone, counting those placed before it', () => {
    expect(avoided([], 4)).toEqual([[], ['a1', 'a2'], ['a1', 'a2', 'b1'], []]);
    expect(avoided(['a', 'a', 'b'], 2)).toEqual([
      ['a1', 'a2', 'b1'],
      ['a1', 'a2'],
    ]);
  });

  it('avoids nothing with one zone, and counts only zones that take jobs', () => {
    expect(
      zoneAvoid(
        new Map([
          ['n1', ''],
          ['n2', ''],
        ]),
        ['', ''],
        2,
      ).map((s) => s.size),
    ).toEqual([0, 0]);
    expect(avoided(['gone', 'gone'], 1)).toEqual([[]]);
  });
});
