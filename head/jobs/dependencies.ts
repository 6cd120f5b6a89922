// Dependencies at the head: edges checked and recorded at submission, and the
// dependents of a job settled whenever it starts or ends. A met edge goes (the last one releases
// the system hold); an edge that can never be met deletes its dependent, and that deletion
// settles the dependent's own dependents in turn (the cascade).

import { ok, type Result, refuse } from '../../core/errors.js';
import {
  type DependencyEdge,
  type DependencyList,
  edgeStatus,
  makesCycle,
} from '../../core/pbs/depend-list.js';
import type { Store } from '../db/store.js';
import { transition } from './transitions.js';

/** The seq the job being submitted will get, in edges checked before it exists. */
const NEW = -1;
const WAITING = ['Q', 'H', 'W'];

/**
 * Every job a list names must exist; jobs named by before* must still wait; no cycles. `self` is
 * the job the list is for: NEW at qsub, the job's seq at qalter.
 */
export function checkDependencies(store: Store, list: DependencyList, self = NEW): Result<void> {
  for (const { id, seq } of [...list.after, ...list.before]) {
    if (store.jobs.get(seq)?.id !== id) return refuse('UNKNOWN_JOB', `Unknown Job Id ${id} (in -W depend=)`);
  }
  for (const { id, seq } of list.before) {
    if (!WAITING.includes(store.jobs.get(seq)!.row.state))
      return refuse(
        'BAD_STATE',
        `job ${id} has already started: it cannot wait for this job (-W depend=before…)`,
      );
  }
  // at qalter the job's old edges go: only the new list counts
  const parentsOf = (c: number) => (c === self ? [] : store.dependencies.parentsOf(c));
  if (makesCycle(edgesOf(self, list), parentsOf))
    return refuse('INVALID_REQUEST', 'the dependencies would make a cycle: a job would wait for itself');
  return ok(undefined);
}

function edgesOf(seq: number, list: DependencyList): DependencyEdge[] {
  return [
    ...list.after.map((d) => ({ child: seq, parent: d.seq, type: d.type })),
    ...list.before.map((d) => ({ child: d.seq, parent: seq, type: d.type })),
  ];
}

/** Record the checked list of job `seq` (just queued) and hold or delete what must wait. */
export function recordDependencies(store: Store, seq: number, list: DependencyList, at: number): void {
  for (const edge of edgesOf(seq, list)) store.dependencies.add(edge);
  for (const child of new Set([seq, ...list.before.map((d) => d.seq)])) settleChild(store, child, at);
}

/** Settle the edges of one waiting child against its parents as they are now. */
function settleChild(store: Store, child: number, at: number): void {
  for (const edge of store.dependencies.of(child)) {
    const parent = store.jobs.get(edge.parent);
    const status = parent ? edgeStatus(edge.type, parent.row) : 'never';
    if (status === 'pending') continue;
    store.dependencies.remove(edge);
    if (status === 'never') {
      dropChild(store, edge, at);
      return;
    }
  }
  const job = store.jobs.get(child);
  if (!job || !WAITING.includes(job.row.state)) return;
  const waiting = store.dependencies.of(child);
  const held = job.row.dependHold === true;
  if (waiting.length > 0 && !held) {
    const on = waiting.map((e) => store.jobs.get(e.parent)?.id ?? String(e.parent));
    transition(store, child, { type: 'depend_hold', on }, at);
  } else if (waiting.length === 0 && held) {
    transition(store, child, { type: 'depend_released' }, at);
  }
}

/** An edge can never be met: its child is deleted (which settles the child's dependents). */
function dropChild(store: Store, edge: DependencyEdge, at: number): void {
  const job = store.jobs.get(edge.child);
  const parent = store.jobs.get(edge.parent);
  store.dependencies.removeChild(edge.child);
  if (!job || !WAITING.includes(job.row.state)) return;
  const reason = `Job deleted as result of dependency on job ${parent?.id ?? edge.parent}`;
  transition(store, edge.child, { type: 'deleted', by: 'Server', reason }, at);
}

/** Job `seq` started or ended: settle the jobs that wait for it. */
export function settleDependents(store: Store, seq: number, ended: boolean, at: number): void {
  if (ended) store.dependencies.removeChild(seq);
  for (const child of new Set(store.dependencies.waitingOn(seq).map((e) => e.child)))
    settleChild(store, child, at);
}
