// The pure parts of the head's metrics: the bounded label sets (how a job ended, node and
// instance states), the bearer check, the flags, and the after-commit queue.
import { describe, expect, it } from 'vitest';
import { afterCommit } from '../../head/db/after-commit.js';
import {
  EXIT_CLASSES,
  exitClass,
  instanceStateLabel,
  nodeStateLabel,
} from '../../head/metrics/exit-class.js';
import { metricsOptions } from '../../head/metrics/metrics-listener.js';
import { bearerMatches } from '../../head/metrics/metrics-route.js';

describe('exitClass', () => {
  it.each([
    [0, 'ok'],
    [1, 'failed'],
    [3, 'failed'],
    [255, 'failed'],
    [265, 'killed'],
    [271, 'killed'],
    [-29, 'limit'],
    [-28, 'limit'],
    [-27, 'limit'],
    [-1, 'system'],
    [-20, 'system'],
    [-3, 'system'],
  ] as const)('a job that finished with status %i is %s', (status, cls) => {
    expect(exitClass('finished', { exitStatus: status })).toBe(cls);
  });

  it('qdel wins over the status; no status at all is the system’s', () => {
    expect(exitClass('deleted', {})).toBe('deleted');
    expect(exitClass('finished', { exitStatus: 271, deleteRequestedBy: 'alice@h' })).toBe('deleted');
    expect(exitClass('failed', {})).toBe('system');
  });

  it('is one of a small fixed set', () => {
    expect(EXIT_CLASSES).toEqual(['ok', 'failed', 'killed', 'limit', 'system', 'deleted', 'requeued']);
  });
});

describe('node and instance states', () => {
  it.each([
    ['free', 'free'],
    ['job-busy', 'job-busy'],
    ['job-exclusive', 'job-exclusive'],
    ['offline,job-busy', 'offline'],
    ['down,offline', 'down'],
    ['state-unknown', 'down'],
  ] as const)('a node in %s counts as %s', (words, label) => {
    expect(nodeStateLabel(words)).toBe(label);
  });

  it('an instance answers (up), starts, waits or has ended', () => {
    expect(instanceStateLabel('R', true)).toBe('up');
    expect(instanceStateLabel('R', false)).toBe('starting');
    expect(instanceStateLabel('E', false)).toBe('starting');
    expect(instanceStateLabel('Q', false)).toBe('waiting');
    expect(instanceStateLabel('H', false)).toBe('waiting');
    expect(instanceStateLabel('F', false)).toBe('ended');
  });
});

describe('bearerMatches', () => {
  it('takes exactly the token', () => {
    expect(bearerMatches('Bearer s3cret', 's3cret')).toBe(true);
    expect(bearerMatches('bearer s3cret', 's3cret')).toBe(true);
    expect(bearerMatches('Bearer s3cre', 's3cret')).toBe(false);
    expect(bearerMatches('Bearer s3cret x', 's3cret')).toBe(false);
    expect(bearerMatches('Basic s3cret', 's3cret')).toBe(false);
    expect(bearerMatches(undefined, 's3cret')).toBe(false);
  });
});

describe('metricsOptions', () => {
  it('wants HOST:PORT, and a token file only with a listener', () => {
    expect(metricsOptions(undefined, undefined)).toBeUndefined();
    expect(metricsOptions('127.0.0.1:9310', undefined)).toEqual({ listen: '127.0.0.1:9310' });
    expect(metricsOptions('9310', undefined)).toBe('--metrics-listen: not HOST:PORT: 9310');
    expect(metricsOptions(undefined, '/x')).toBe('--metrics-token-file needs --metrics-listen');
    expect(metricsOptions('127.0.0.1:9310', '/no/such/file')).toMatch(/^--metrics-token-file: ENOENT/);
  });
});

describe('afterCommit', () => {
  it('runs queued work once the outermost level succeeds, drops what a failed level queued', () => {
    const ran: string[] = [];
    const c = afterCommit();
    c.run(() => {
      c.add(() => ran.push('outer'));
      expect(() =>
        c.run(() => {
          c.add(() => ran.push('rolled back'));
          throw new Error('savepoint fails');
        }),
      ).toThrow('savepoint fails');
      c.run(() => c.add(() => ran.push('inner')));
      expect(ran).toEqual([]);
    });
    expect(ran).toEqual(['outer', 'inner']);
    c.add(() => ran.push('outside'));
    expect(ran).toEqual(['outer', 'inner', 'outside']);
    expect(() =>
      c.run(() => {
        c.add(() => ran.push('never'));
        throw new Error('transaction fails');
      }),
    ).toThrow();
    expect(ran).toEqual(['outer', 'inner', 'outside']);
  });
});
