// Job dependencies (-W depend=): the grammar, the edges a job's list creates,
// and whether one edge is met, still pending, or can never be met, from the parent's row.
import { ok, type Result, refuse } from '../errors.js';
import type { JobRow } from '../lifecycle/job-events.js';
import { parseJobId } from './jobid.js';

export type AfterType = 'after' | 'afterok' | 'afternotok' | 'afterany';
type BeforeType = 'beforeok' | 'beforenotok' | 'beforeany' | 'before';

const AFTER: readonly string[] = ['after', 'afterok', 'afternotok', 'afterany'];
const BEFORE: readonly string[] = ['before', 'beforeok', 'beforenotok', 'beforeany'];

/** One edge: `child` may run only once `parent` has done what `type` asks. */
export interface DependencyEdge {
  child: number;
  parent: number;
  type: AfterType;
}

/** What a job's list names: the jobs it waits for, and the jobs that wait for it (before*). */
export interface DependencyList {
  after: { type: AfterType; seq: number; id: string }[];
  before: { type: AfterType; seq: number; id: string }[];
}

/** `before*:X` on job J means X waits for J with the matching `after*`. */
const mirror = (type: BeforeType): AfterType => type.replace('before', 'after') as AfterType;

/** Parse a -W depend= value; ids become `seq.server` (array parents keep their `[]`). */
export function parseDependList(value: string, server: string): Result<DependencyList> {
  const list: DependencyList = { after: [], before: [] };
  for (const item of value.split(',')) {
    const [type = '', ...ids] = item.split(':');
    if (type === 'on' || type === 'runone')
      return refuse('NOT_SUPPORTED', `-W depend=${type} is not supported by this Drover server`);
    if ((!AFTER.includes(type) && !BEFORE.includes(type)) || ids.length === 0)
      return refuse('USAGE', 'illegal -W value', true);
    for (const raw of ids) {
      const ref = parseJobId(raw.split('@')[0]!, server);
      if (!ref.ok) return refuse('USAGE', 'illegal -W value', true);
      const edge = { seq: ref.value.seq, id: ref.value.full };
      if (AFTER.includes(type)) list.after.push({ type: type as AfterType, ...edge });
      else list.before.push({ type: mirror(type as BeforeType), ...edge });
    }
  }
  return ok(list);
}

/** The list as PBS shows it in `qstat -f`: `afterok:12.svr@svr:13.svr@svr`. */
export function formatDependList(value: string, server: string): string {
  return value
    .split(',')
    .map((item) => {
      const [type, ...ids] = item.split(':');
      const full = ids.map((raw) => {
        const ref = parseJobId(raw.split('@')[0]!, server);
        return ref.ok ? `${ref.value.full}@${server}` : raw;
      });
      return [type, ...full].join(':');
    })
    .join(',');
}

export type EdgeStatus = 'met' | 'pending' | 'never';

type ParentView = Pick<JobRow, 'state' | 'runCount' | 'exitStatus'>;

/**
 * Whether an edge of `type` is met by its parent now. A parent that ended without ever running
 * (deleted while queued or held) meets none of them: its dependents are deleted.
 */
export function edgeStatus(type: AfterType, parent: ParentView): EdgeStatus {
  const ran = parent.runCount > 0;
  if (parent.state !== 'F') {
    if (type === 'after' && ran) return 'met';
    return 'pending';
  }
  if (!ran || parent.exitStatus === undefined) return 'never';
  switch (type) {
    case 'after':
    case 'afterany':
      return 'met';
    case 'afterok':
      return parent.exitStatus === 0 ? 'met' : 'never';
    case 'afternotok':
      return parent.exitStatus !== 0 ? 'met' : 'never';
  }
}

/** Whether adding `edges` to the graph `parentsOf` makes a cycle (a job waiting on itself). */
export function makesCycle(edges: DependencyEdge[], parentsOf: (child: number) => number[]): boolean {
  const extra = new Map<number, number[]>();
  for (const e of edges) extra.set(e.child, [...(extra.get(e.child) ?? []), e.parent]);
  const parents = (c: number) => [...parentsOf(c), ...(extra.get(c) ?? [])];
  for (const start of new Set(edges.map((e) => e.child))) {
    const seen = new Set<number>();
    const stack = parents(start);
    while (stack.length > 0) {
      const p = stack.pop()!;
      if (p === start) return true;
      if (seen.has(p)) continue;
      seen.add(p);
      stack.push(...parents(p));
    }
  }
  return false;
}
