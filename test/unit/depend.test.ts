// The -W depend= grammar, when an edge is met, and cycle detection.
import { describe, expect, it } from 'vitest';
import { edgeStatus, formatDependList, makesCycle, parseDependList } from '../../core/pbs/depend-list.js';

describe('parseDependList', () => {
  it('expands ids to seq.server and turns before* into the after* edges of the named jobs', () => {
    expect(parseDependList('afterok:12:13.svr,before:14@svr,beforenotok:15.svr.example.com', 'svr')).toEqual({
      ok: true,
      value: {
        after: [
          { type: 'afterok', seq: 12, id: '12.svr' },
          { type: 'afterok', seq: 13, id: '13.svr' },
        ],
        before: [
          { type: 'after', seq: 14, id: '14.svr' },
          { type: 'afternotok', seq: 15, id: '15.svr' },
        ],
      },
    });
  });

  it.each(['afterok', 'later:1', 'afterok:x', ''])('refuses %j as an illegal -W value', (v) => {
    expect(parseDependList(v, 'svr')).toMatchObject({
      ok: false,
      error: { code: 'USAGE', message: 'illegal -W value' },
    });
  });

  it.each(['on:2', 'runone:3'])('refuses %s as not supported', (v) => {
    expect(parseDependList(v, 'svr')).toMatchObject({ ok: false, error: { code: 'NOT_SUPPORTED' } });
  });

  it('formats the list as qstat -f shows it', () => {
    expect(formatDependList('afterok:12:13.svr,afterany:14@svr', 'svr')).toBe(
      'afterok:12.svr@svr:13.svr@svr,afterany:14.svr@svr',
    );
  });
});

describe('edgeStatus', () => {
  const queued = { state: 'Q' as const, runCount: 0 };
  const running = { state: 'R' as const, runCount: 1 };
  const ok0 = { state: 'F' as const, runCount: 1, exitStatus: 0 };
  const failed = { state: 'F' as const, runCount: 1, exitStatus: 3 };
  const killed = { state: 'F' as const, runCount: 1, exitStatus: 271 };
  const neverRan = { state: 'F' as const, runCount: 0 };
  it.each([
    ['after', queued, 'pending'],
    ['after', running, 'met'],
    ['after', neverRan, 'never'],
    ['afterok', running, 'pending'],
    ['afterok', ok0, 'met'],
    ['afterok', failed, 'never'],
    ['afterok', killed, 'never'],
    ['afternotok', ok0, 'never'],
    ['afternotok', failed, 'met'],
    ['afternotok', killed, 'met'],
    ['afternotok', neverRan, 'never'],
    ['afterany', failed, 'met'],
    ['afterany', ok0, 'met'],
    ['afterany', neverRan, 'never'],
  ] as const)('%s on a parent %o is %s', (type, parent, status) => {
    expect(edgeStatus(type, parent)).toBe(status);
  });
});

describe('makesCycle', () => {
  const graph: Record<number, number[]> = { 2: [1], 3: [2] };
  const parentsOf = (c: number) => graph[c] ?? [];
  it('finds a job that would wait for itself, directly or through others', () => {
    expect(makesCycle([{ child: 1, parent: 3, type: 'after' }], parentsOf)).toBe(true);
    expect(makesCycle([{ child: 1, parent: 1, type: 'afterok' }], parentsOf)).toBe(true);
  });
  it('accepts a chain and a diamond', () => {
    expect(makesCycle([{ child: 4, parent: 3, type: 'afterok' }], parentsOf)).toBe(false);
    expect(
      makesCycle(
        [
          { child: 4, parent: 2, type: 'afterok' },
          { child: 4, parent: 3, type: 'afterany' },
        ],
        parentsOf,
      ),
    ).toBe(false);
  });
});
