// The qmgr subset: verbs, abbreviations, attribute names and values.
import { describe, expect, it } from 'vitest';
import { parseQmgr } from '../../core/pbs/qmgr-commands.js';

describe('parseQmgr', () => {
  it.each([
    ['create queue batch', { verb: 'create', object: 'queue', name: 'batch', changes: {} }],
    [
      'c q batch queue_type=execution,enabled=true, started = False',
      { verb: 'create', object: 'queue', name: 'batch', changes: { enabled: true, started: false } },
    ],
    [
      's q batch max_running = 4, max_user_run = "[u:PBS_GENERIC=2]", Priority = -5',
      { verb: 'set', object: 'queue', name: 'batch', changes: { maxRun: 4, maxRunPerUser: 2, priority: -5 } },
    ],
    [
      'set queue batch resources_max.walltime = 1:00:00, resources_default.walltime=10:00',
      { verb: 'set', object: 'queue', name: 'batch', changes: { maxWalltime: 3600, defaultWalltime: 600 } },
    ],
    [
      'unset queue batch max_running, resources_max.walltime',
      { verb: 'unset', object: 'queue', name: 'batch', changes: { maxRun: null, maxWalltime: null } },
    ],
    ['delete queue batch', { verb: 'delete', object: 'queue', name: 'batch' }],
    [
      'set server default_queue = batch',
      { verb: 'set', object: 'server', changes: { defaultQueue: 'batch' } },
    ],
    [
      'set server managers += alice@*,bob@head.example.com',
      {
        verb: 'set',
        object: 'server',
        changes: { managers: { op: '+=', entries: ['alice@*', 'bob@head.example.com'] } },
      },
    ],
    [
      's s operators -= carol',
      { verb: 'set', object: 'server', changes: { operators: { op: '-=', entries: ['carol@*'] } } },
    ],
    [
      'set server acl_roots = root@*.cluster',
      { verb: 'set', object: 'server', changes: { aclRoots: { op: '=', entries: ['root@*.cluster'] } } },
    ],
    [
      'set server query_other_jobs = False',
      { verb: 'set', object: 'server', changes: { queryOtherJobs: false } },
    ],
    [
      'set server max_queued = "[o:PBS_ALL=100],[u:PBS_GENERIC=10],[u:alice=5]"',
      {
        verb: 'set',
        object: 'server',
        changes: { maxQueued: { op: '=', limits: { all: 100, generic: 10, users: { alice: 5 } } } },
      },
    ],
    [
      'set server max_queued += [u:bob=2]',
      { verb: 'set', object: 'server', changes: { maxQueued: { op: '+=', limits: { users: { bob: 2 } } } } },
    ],
    [
      'set server max_script_size = 1mb',
      { verb: 'set', object: 'server', changes: { maxScriptSize: 2 ** 20 } },
    ],
    [
      'set server preempt_order = "SCR 80 SC  50 S"',
      { verb: 'set', object: 'server', changes: { preemptOrder: 'SCR 80 SC 50 S' } },
    ],
    ['set server preempt_order = R', { verb: 'set', object: 'server', changes: { preemptOrder: 'R' } }],
    [
      'set server preempt_queue_prio = 100',
      { verb: 'set', object: 'server', changes: { preemptQueuePrio: 100 } },
    ],
    [
      'set server preemptive_sched = false',
      { verb: 'set', object: 'server', changes: { preemptiveSched: false } },
    ],
    [
      'set server preemptive_sched = "true ALL"',
      { verb: 'set', object: 'server', changes: { preemptiveSched: true } },
    ],
    ['unset server preempt_order', { verb: 'unset', object: 'server', changes: { preemptOrder: null } }],
    ['set server scheduling = False', { verb: 'set', object: 'server', changes: { scheduling: false } }],
    ['s s scheduling = t', { verb: 'set', object: 'server', changes: { scheduling: true } }],
    ['unset server scheduling', { verb: 'unset', object: 'server', changes: { scheduling: null } }],
    ['unset server managers', { verb: 'unset', object: 'server', changes: { managers: null } }],
    ['unset server max_queued', { verb: 'unset', object: 'server', changes: { maxQueued: null } }],
    ['p s', { verb: 'print', object: 'server' }],
    ['list queue batch', { verb: 'list', object: 'queue', name: 'batch' }],
  ])('%s', (line, command) => {
    expect(parseQmgr(line)).toEqual({ ok: true, value: command });
  });

  it.each([
    ['creat queue x', 'FAILED'],
    ['set queue', 'FAILED'],
    ['set queue x', 'FAILED'],
    ['set queue x enabled = maybe', 'BAD_RESOURCE_VALUE'],
    ['set queue x max_running = -1', 'BAD_RESOURCE_VALUE'],
    ['set queue x resources_max.walltime = soon', 'BAD_RESOURCE_VALUE'],
    ['set queue x color = red', 'INVALID_REQUEST'],
    ['set queue x queue_type = route', 'NOT_SUPPORTED'],
    ['set server scheduling = maybe', 'BAD_RESOURCE_VALUE'],
    ['set server scheduling += true', 'BAD_RESOURCE_VALUE'],
    ['set server scheduler_iteration = 60', 'INVALID_REQUEST'],
    ['set server managers = alice@bad host', 'BAD_RESOURCE_VALUE'],
    ['set server managers = ', 'BAD_RESOURCE_VALUE'],
    ['set server query_other_jobs += true', 'BAD_RESOURCE_VALUE'],
    ['set server max_queued = [g:staff=3]', 'BAD_RESOURCE_VALUE'],
    ['set server max_queued = [u:PBS_GENERIC=x]', 'BAD_RESOURCE_VALUE'],
    ['set server max_script_size = 100gb', 'BAD_RESOURCE_VALUE'],
    ['set server preempt_order = SSR', 'BAD_RESOURCE_VALUE'],
    ['set server preempt_order = SCRD', 'BAD_RESOURCE_VALUE'],
    ['set server preempt_order += R', 'BAD_RESOURCE_VALUE'],
    ['set server preempt_queue_prio = high', 'BAD_RESOURCE_VALUE'],
    ['set server preempt_queue_prio = 5000', 'BAD_RESOURCE_VALUE'],
    ['set server preemptive_sched = maybe', 'BAD_RESOURCE_VALUE'],
    ['unset server default_queue', 'INVALID_REQUEST'],
    ['unset queue x enabled', 'INVALID_REQUEST'],
  ])('refuses %s (%s)', (line, code) => {
    expect(parseQmgr(line)).toMatchObject({ ok: false, error: { code } });
  });
});
