// The `depend` attribute one job shows, as OpenPBS keeps it: the dependencies it waits for
// (`afterok:P`) until each is released, and the mirror of each dependency on it (`beforeok:C`),
// which stays after it is settled, except `before:C`, which goes once the job has started.
// A dependency that the other job never took (it had finished or started by then) shows only on
// the job that named it. Computed from the stored edges (head/db/dependencies-table.ts).
import type { AfterType, DependencyEdge } from './depend-list.js';

export interface ShownEdge extends DependencyEdge {
  /** waiting: the child waits on it; met: released; closed: the child ended before it was met */
  state: 'waiting' | 'met' | 'closed';
  /** both jobs list it, or only the one that named the other */
  shown: 'both' | 'child' | 'parent';
}

/** `afterok` → `beforeok`: how the parent lists an edge. */
const mirror = (type: AfterType) => type.replace('after', 'before');

/**
 * `afterok:12.svr@svr:13.svr@svr,beforeok:15.svr@svr` for job `seq`, types in the order they first
 * appear (edges in the order they were recorded), or undefined when nothing shows.
 * `started`: the job has started (a `before` on it is released then); `idOf`: a job's full id.
 */
export function dependAttribute(
  seq: number,
  edges: ShownEdge[],
  started: boolean,
  idOf: (seq: number) => string,
  server: string,
): string | undefined {
  const groups = new Map<string, string[]>();
  const list = (type: string, other: number) =>
    groups.set(type, [...(groups.get(type) ?? []), `${idOf(other)}@${server}`]);
  for (const e of edges) {
    if (e.child === seq && e.shown !== 'parent' && e.state !== 'met') list(e.type, e.parent);
    else if (e.parent === seq && e.shown !== 'child' && !(e.type === 'after' && started))
      list(mirror(e.type), e.child);
  }
  if (groups.size === 0) return undefined;
  return [...groups].map(([type, ids]) => [type, ...ids].join(':')).join(',');
}
