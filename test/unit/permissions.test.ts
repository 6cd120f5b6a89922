// PBS's permission rules, ACL matching, entity limits and the bounds of a resource request.
import { describe, expect, it } from 'vitest';
import { LIMITS, resourceBounds } from '../../core/policy/limits.js';
import {
  mayControl,
  mayHold,
  mayQuery,
  type Requester,
  type Role,
  roleOf,
} from '../../core/policy/permissions.js';
import {
  aclMatches,
  applyServerChanges,
  defaultSettings,
  formatEntityLimits,
  maxQueuedRefusal,
  parseEntityLimits,
} from '../../core/policy/server-settings.js';
import { resources } from '../helpers/requests.js';

const who = (user: string, role: Role, host = 'submit'): Requester => ({
  user,
  uid: 1000,
  host,
  local: false,
  role,
});

describe('ACLs', () => {
  it.each([
    [['alice@*'], 'alice', 'any.host', true],
    [['alice@*'], 'bob', 'any.host', false],
    [['alice@n1'], 'alice', 'N1', true],
    [['alice@n1'], 'alice', 'n2', false],
    [['alice@*.example.com'], 'alice', 'login.example.com', true],
    [['alice@*.example.com'], 'alice', 'example.org', false],
    [['*@head'], 'anyone', 'head', true],
    [['alice'], 'alice', 'anywhere', true],
    [[], 'alice', 'anywhere', false],
  ])('%j has %s@%s: %s', (entries, user, host, yes) => {
    expect(aclMatches(entries, user, host)).toBe(yes);
  });
});

describe('roles', () => {
  const settings = { ...defaultSettings(), managers: ['mia@*'], operators: ['oscar@*'] };
  it.each([
    [{ user: 'root', uid: 0, host: 'head', local: true }, 'manager'],
    [{ user: 'root', uid: 0, host: 'n1', local: false }, 'user'],
    [{ user: 'drover', uid: 500, host: 'head', local: true }, 'manager'],
    [{ user: 'mia', uid: 1001, host: 'x', local: false }, 'manager'],
    [{ user: 'oscar', uid: 1002, host: 'x', local: false }, 'operator'],
    [{ user: 'alice', uid: 1003, host: 'head', local: true }, 'user'],
  ])('%j is a %s (head runs as uid 500)', (identity, role) => {
    expect(roleOf(identity, settings, 500)).toBe(role);
  });
});

describe('what each role may do', () => {
  it('owners, operators and managers control a job; other users do not', () => {
    expect(mayControl(who('alice', 'user'), 'alice@n1')).toBe(true);
    expect(mayControl(who('bob', 'user'), 'alice@n1')).toBe(false);
    expect(mayControl(who('oscar', 'operator'), 'alice@n1')).toBe(true);
  });

  it.each([
    ['user', 'u', true],
    ['user', 'o', false],
    ['operator', 'o', true],
    ['operator', 'uo', true],
    ['operator', 's', false],
    ['manager', 'uos', true],
    ['manager', 'p', true],
  ] as const)('a %s on its own job and hold %s: %s', (role, types, yes) => {
    expect(mayHold(who('alice', role), 'alice@n1', types)).toBe(yes);
  });

  it('query_other_jobs False hides other users jobs from users only', () => {
    const hidden = { ...defaultSettings(), queryOtherJobs: false };
    expect(mayQuery(who('bob', 'user'), 'alice@n1', defaultSettings())).toBe(true);
    expect(mayQuery(who('bob', 'user'), 'alice@n1', hidden)).toBe(false);
    expect(mayQuery(who('alice', 'user'), 'alice@n1', hidden)).toBe(true);
    expect(mayQuery(who('oscar', 'operator'), 'alice@n1', hidden)).toBe(true);
  });
});

describe('server settings', () => {
  it('lists are set, added to and taken from', () => {
    let s = applyServerChanges(defaultSettings(), { managers: { op: '=', entries: ['a@*', 'b@*'] } });
    s = applyServerChanges(s, { managers: { op: '+=', entries: ['c@*', 'a@*'] } });
    s = applyServerChanges(s, { managers: { op: '-=', entries: ['b@*'] } });
    expect(s.managers).toEqual(['a@*', 'c@*']);
    expect(applyServerChanges(s, { managers: null }).managers).toEqual([]);
  });

  it('entity limits parse, merge and print back', () => {
    const parsed = parseEntityLimits('[o:PBS_ALL=100],[u:PBS_GENERIC=10],[u:alice=5]');
    expect(parsed).toEqual({ ok: true, value: { all: 100, generic: 10, users: { alice: 5 } } });
    if (!parsed.ok) return;
    const more = applyServerChanges(
      { ...defaultSettings(), maxQueued: parsed.value },
      {
        maxQueued: { op: '-=', limits: { generic: 0, users: { alice: 0 } } },
      },
    );
    expect(formatEntityLimits(more.maxQueued)).toBe('[o:PBS_ALL=100]');
  });

  it.each([
    [{ all: 3, users: {} }, 'alice', 1, 3, 0, 'Maximum number of jobs already in complex'],
    [{ generic: 2, users: {} }, 'alice', 1, 0, 2, "would exceed complex's per-user limit"],
    [{ generic: 2, users: { alice: 5 } }, 'alice', 3, 0, 2, undefined],
    [
      { generic: 9, users: { alice: 1 } },
      'alice',
      1,
      0,
      1,
      'Maximum number of jobs for user alice already in complex',
    ],
    [{ generic: 10, users: {} }, 'alice', 11, 0, 0, "would exceed complex's per-user limit"],
  ])('max_queued %j: %s adding %i (server %i, own %i) → %s', (limits, user, adding, all, own, message) => {
    const r = maxQueuedRefusal(limits, user, adding, all, own);
    expect(r.ok ? undefined : r.error.message).toBe(message);
  });
});

describe('resource bounds', () => {
  it('refuses what could overflow a buffer or a timer', () => {
    const big = (patch: object) => {
      const r = resources('select=1:ncpus=1');
      return { ...r, chunks: [{ ...r.chunks[0]!, ...patch }] };
    };
    expect(resourceBounds(resources('select=2:ncpus=4:mpiprocs=4')).ok).toBe(true);
    expect(resourceBounds(big({ mpiprocs: 5_000_000_000 }))).toMatchObject({
      ok: false,
      error: { code: 'BAD_RESOURCE_VALUE', message: expect.stringContaining('Resource_List.mpiprocs') },
    });
    expect(resourceBounds(big({ count: 10_000, mpiprocs: 1000 })).ok).toBe(false);
    expect(resourceBounds({ ...resources('ncpus=1'), walltime: LIMITS.walltime + 1 }).ok).toBe(false);
  });

  it('qsub -l refuses them with PBS message and code', () => {
    expect(() => resources('select=1:ncpus=1:mpiprocs=5000000000')).toThrow(/Resource_List.mpiprocs/);
    expect(() => resources('walltime=1000000:00:00')).toThrow(
      /Resource_List.walltime \(at most 87600:00:00\)/,
    );
  });
});
