// The depend attribute a job shows from its edges: what it waits for until released, the mirror
// of what waits for it for good (before: until it starts), and the side that never took an edge.
import { describe, expect, it } from 'vitest';
import { dependAttribute, type ShownEdge } from '../../core/pbs/depend-attribute.js';

const idOf = (seq: number) => `${seq}.svr`;
const edge = (
  child: number,
  parent: number,
  type: ShownEdge['type'],
  more: Partial<ShownEdge> = {},
): ShownEdge => ({
  child,
  parent,
  type,
  state: 'waiting',
  shown: 'both',
  ...more,
});
const show = (seq: number, edges: ShownEdge[], started = false) =>
  dependAttribute(seq, edges, started, idOf, 'svr');

describe('dependAttribute', () => {
  it('lists what the job waits for and the mirror of what waits for it, grouped by type in order', () => {
    const edges = [
      edge(5, 1, 'afterok'),
      edge(5, 2, 'afterok'),
      edge(7, 5, 'afterany'),
      edge(8, 5, 'afterok'),
    ];
    expect(show(5, edges)).toBe('afterok:1.svr@svr:2.svr@svr,beforeany:7.svr@svr,beforeok:8.svr@svr');
    expect(show(1, edges)).toBe('beforeok:5.svr@svr');
    expect(show(9, edges)).toBeUndefined();
  });

  it('a met edge leaves its child but stays on its parent; a closed one stays on both', () => {
    const met = [edge(5, 1, 'afternotok', { state: 'met' })];
    expect(show(5, met)).toBeUndefined();
    expect(show(1, met, true)).toBe('beforenotok:5.svr@svr');
    const closed = [edge(5, 1, 'afterok', { state: 'closed' })];
    expect(show(5, closed)).toBe('afterok:1.svr@svr');
    expect(show(1, closed, true)).toBe('beforeok:5.svr@svr');
  });

  it('before: goes from the parent once it has started', () => {
    const edges = [edge(5, 1, 'after')];
    expect(show(1, edges)).toBe('before:5.svr@svr');
    expect(show(1, edges, true)).toBeUndefined();
  });

  it('an edge the other job never took shows only on the job that named it', () => {
    const finishedParent = [edge(5, 1, 'afternotok', { state: 'closed', shown: 'child' })];
    expect(show(5, finishedParent)).toBe('afternotok:1.svr@svr');
    expect(show(1, finishedParent, true)).toBeUndefined();
    const finishedChild = [edge(1, 5, 'afterok', { state: 'closed', shown: 'parent' })];
    expect(show(5, finishedChild)).toBe('beforeok:1.svr@svr');
    expect(show(1, finishedChild, true)).toBeUndefined();
  });
});
