// The qmgr subset: verbs, abbreviations, attribute names and values (pbs-spec.md §13).
import { describe, expect, it } from 'vitest';
import { parseQmgr } from '../../core/qmgr.js';

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
    ['set server default_queue = batch', { verb: 'set', object: 'server', defaultQueue: 'batch' }],
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
    ['set server scheduling = false', 'NOT_SUPPORTED'],
    ['unset queue x enabled', 'INVALID_REQUEST'],
  ])('refuses %s (%s)', (line, code) => {
    expect(parseQmgr(line)).toMatchObject({ ok: false, error: { code } });
  });
});
