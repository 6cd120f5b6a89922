// Dependencies at the head: edges checked and recorded at submission, and the
// dependents of a job settled whenever it starts or ends. A met edge stops holding its child (the
// last one releases the system hold); an edge that can never be met deletes its dependent, and
// that deletion settles the dependent's own dependents in turn (the cascade). Settled edges stay
// for the `depend` attribute both jobs show (core/pbs/depend-attribute.ts).

import { ok, type Result, refuse } from '../../core/errors.js';
import type { DependOutcome } from '../../core/lifecycle/job-events.js';
import { dependAttribute } from '../../core/pbs/depend-attribute.js';
import {
  type DependencyEdge,
  type DependencyList,
  edgeStatus,
  makesCycle,
} from '../../core/pbs/depend-list.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';
import { transition } from './transitions.js';

/** The seq the job being submitted will get, in edges checked before it exists. */
const NEW = -1;
const WAITING = ['Q', 'H', 'W'];

/**
 * Every job a list names must exist; no cycles. `self` is the job the list is for: NEW at qsub,
 * the job's seq at qalter. A before* on a job that can no longer wait is accepted, as PBS does:
 * recording it deletes the new job (recordDependencies).
 */
export function checkDependencies(store: Store, list: DependencyList, self = NEW): Result<void> {
  for (const { id, seq } of [...list.after, ...list.before]) {
    if (store.jobs.get(seq)?.id !== id) return refuse('UNKNOWN_JOB', `Unknown Job Id ${id} (in -W depend=)`);
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

const waits = (store: Store, seq: number) => WAITING.includes(store.jobs.get(seq)?.row.state ?? '');

/**
 * Record the checked list of job `seq` (just queued, or altered) and hold or delete what must
 * wait. A parent that has finished never takes the edge (only the new job lists it), and a job
 * named by before* that is no longer waiting refuses it: the new job is deleted.
 */
export function recordDependencies(store: Store, seq: number, list: DependencyList, at: number): void {
  for (const d of list.after) {
    const finished = store.jobs.get(d.seq)?.row.state === 'F';
    store.dependencies.add({ child: seq, parent: d.seq, type: d.type }, finished ? 'child' : 'both');
  }
  const refused = list.before.filter((d) => !waits(store, d.seq));
  for (const d of list.before) {
    const edge = { child: d.seq, parent: seq, type: d.type };
    if (refused.includes(d)) store.dependencies.add(edge, 'parent', 'closed');
    else store.dependencies.add(edge);
  }
  const children = [seq, ...list.before.filter((d) => !refused.includes(d)).map((d) => d.seq)];
  for (const child of new Set(children)) settleChild(store, child, at, true);
  const first = refused[0];
  if (first) {
    const how = store.jobs.get(first.seq)?.row.state === 'F' ? 'unsatisfied' : 'rejected';
    dropChild(store, seq, first.id, at, how);
  }
}

/**
 * Settle the edges of one waiting child against its parents as they are now. `registering`: the
 * edges were just recorded, so a parent that has finished met them (or not) before they existed.
 */
function settleChild(store: Store, child: number, at: number, registering = false): void {
  for (const edge of store.dependencies.of(child)) {
    const parent = store.jobs.get(edge.parent);
    const status = parent ? edgeStatus(edge.type, parent.row) : 'never';
    if (status === 'pending') continue;
    const on = parent?.id ?? String(edge.parent);
    const finished = registering && parent?.row.state === 'F';
    if (status === 'never') {
      dropChild(store, child, on, at, finished ? 'unsatisfied' : undefined);
      return;
    }
    store.dependencies.met(edge);
    transition(store, child, { type: 'depend_settled', on, how: finished ? 'satisfied' : 'released' }, at);
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

/**
 * A dependency on job `on` can never be met: the child is deleted (which settles the child's
 * dependents), after the line that says why when it was judged at submission.
 */
function dropChild(store: Store, child: number, on: string, at: number, how?: DependOutcome): void {
  store.dependencies.closeChild(child);
  const job = store.jobs.get(child);
  if (!job || !WAITING.includes(job.row.state)) return;
  if (how) transition(store, child, { type: 'depend_settled', on, how }, at);
  const reason = `Job deleted as result of dependency on job ${on}`;
  transition(store, child, { type: 'deleted', by: 'Server', reason, aborted: true }, at);
}

/** Job `seq` started or ended: settle the jobs that wait for it. */
export function settleDependents(store: Store, seq: number, ended: boolean, at: number): void {
  if (ended) store.dependencies.closeChild(seq);
  for (const child of new Set(store.dependencies.waitingOn(seq).map((e) => e.child)))
    settleChild(store, child, at);
}

/** The job's `depend` attribute, from its edges (undefined when it has none to show). */
export function dependOf(store: Store, job: StoredJob, server: string): string | undefined {
  const edges = store.dependencies.touching(job.seq);
  if (edges.length === 0) return undefined;
  const started = job.row.runCount > 0 || job.row.arrayBegun === true;
  const idOf = (seq: number) => store.jobs.get(seq)?.id ?? String(seq);
  return dependAttribute(job.seq, edges, started, idOf, server);
}
