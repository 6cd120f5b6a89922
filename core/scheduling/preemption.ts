// Preemption (pure): which running jobs make room for the jobs of express queues that do not
// fit. A job of a queue whose priority is at least preempt_queue_prio (an express queue) may take
// the resources of running jobs of the other queues; never those of an express queue's job, nor
// of a job none of preempt_order's methods applies to (C needs a checkpointable job, R a
// rerunnable one, S any job where suspension is offered). Among the sets of jobs whose resources
// would let it fit, the cheapest: the least CPU-seconds of the victims' current runs, so the
// jobs that started last go first (PBS's preempt_sort min_time_since_start).
import type { ResourceRequest } from '../job-spec-types.js';
import { commit, isExclusive, place } from './placement.js';
import type { PreemptMethod, PreemptRange } from './preempt-order.js';
import { methodsFor } from './preempt-order.js';
import type { SchedNode, Slot } from './sched-node.js';

/** A running job, as preemption sees it. */
export interface RunningJob {
  seq: number;
  id: string;
  slots: Slot[];
  exclusive: boolean;
  /** its queue's priority */
  queuePriority: number;
  checkpointable: boolean;
  rerunnable: boolean;
  /** epoch seconds its run started (none: it has not started yet, it costs nothing) */
  stime?: number;
  /** requested walltime, seconds */
  walltime?: number;
  /** its resources are on their way to being free (deleted, rerun, already preempted) */
  leaving?: boolean;
}

/** A job that may preempt: an express queue's job that did not fit. */
export interface Preemptor {
  seq: number;
  id: string;
  resources: ResourceRequest;
  queuePriority: number;
  /** nodes it must not run on */
  avoid?: ReadonlySet<string>;
  /** the nodes as it may use them (what advance reservations keep taken) */
  around?: (nodes: SchedNode[]) => SchedNode[];
}

export interface PreemptionInput {
  now: number;
  /** the nodes as they are now (the running jobs' use included) */
  nodes: SchedNode[];
  running: RunningJob[];
  /** the preemptors, first first */
  preemptors: Preemptor[];
  order: PreemptRange[];
  /** preempt_queue_prio: queues at or above it are express queues */
  expressPriority: number;
  /** whether S (suspension) can be used */
  canSuspend: boolean;
}

export interface Victim {
  seq: number;
  id: string;
  /** the methods to try, in order (the first that works) */
  methods: PreemptMethod[];
}

export type Decision =
  /** it fits once the jobs already leaving are gone: nothing more to do */
  | { seq: number; kind: 'wait' }
  | { seq: number; kind: 'preempt'; victims: Victim[] }
  /** no set of preemptable jobs makes room */
  | { seq: number; kind: 'none' };

/** The methods of preempt_order that apply to the job, in order (none: it cannot be preempted). */
export function applicableMethods(
  job: RunningJob,
  order: PreemptRange[],
  now: number,
  canSuspend: boolean,
): PreemptMethod[] {
  const used = job.stime === undefined ? 0 : now - job.stime;
  return methodsFor(order, job.walltime, used).filter((m) =>
    m === 'S' ? canSuspend : m === 'C' ? job.checkpointable : job.rerunnable,
  );
}

/** What preempting the job costs: the CPU-seconds of its current run (at least one second). */
export function cost(job: RunningJob, now: number): number {
  const ncpus = job.slots.reduce((n, s) => n + s.ncpus, 0);
  return ncpus * Math.max(1, job.stime === undefined ? 1 : now - job.stime);
}

const copy = (nodes: SchedNode[]) => nodes.map((n) => ({ ...n, usedGpus: [...n.usedGpus] }));

/** Give the job's resources back to the nodes (copies, by name). */
function release(byName: Map<string, SchedNode>, job: RunningJob): void {
  for (const s of job.slots) {
    const n = byName.get(s.node);
    if (!n) continue;
    n.usedNcpus -= s.ncpus;
    n.usedMem -= s.mem;
    n.usedGpus = n.usedGpus.filter((g) => !s.gpus.includes(g));
  }
  for (const name of new Set(job.slots.map((s) => s.node))) {
    const n = byName.get(name);
    if (!n) continue;
    n.jobCount = Math.max(0, n.jobCount - 1);
    if (job.exclusive) n.exclusive = false;
  }
}

/** The nodes as if these jobs had ended. */
export function released(nodes: SchedNode[], jobs: RunningJob[]): SchedNode[] {
  const out = copy(nodes);
  const byName = new Map(out.map((n) => [n.name, n]));
  for (const job of jobs) release(byName, job);
  return out;
}

function fits(p: Preemptor, nodes: SchedNode[]): Slot[] | undefined {
  const pool = p.avoid?.size ? nodes.filter((n) => !p.avoid!.has(n.name)) : nodes;
  return place(p.resources, p.around ? p.around(pool) : pool);
}

/**
 * Add victims in `list`'s order until the preemptor fits, then drop, dearest first, those it
 * fits without. Undefined when even all of them are not enough.
 */
function greedy(p: Preemptor, nodes: SchedNode[], list: RunningJob[], now: number): RunningJob[] | undefined {
  const work = copy(nodes);
  const byName = new Map(work.map((n) => [n.name, n]));
  const chosen: RunningJob[] = [];
  let enough = false;
  for (const job of list) {
    release(byName, job);
    chosen.push(job);
    if (fits(p, work)) {
      enough = true;
      break;
    }
  }
  if (!enough) return undefined;
  for (const job of [...chosen].sort((a, b) => cost(b, now) - cost(a, now))) {
    const without = chosen.filter((j) => j !== job);
    if (fits(p, released(nodes, without))) chosen.splice(chosen.indexOf(job), 1);
  }
  return chosen;
}

/**
 * The cheapest set of victims for one preemptor: over all nodes, and on each node alone (where
 * a job that fits on one node finds the set that costs least there).
 */
function cheapest(p: Preemptor, nodes: SchedNode[], candidates: RunningJob[], now: number) {
  if (!fits(p, released(nodes, candidates))) return undefined;
  const sets: RunningJob[][] = [];
  const all = greedy(p, nodes, candidates, now);
  if (all) sets.push(all);
  const onNode = new Map<string, RunningJob[]>();
  for (const c of candidates)
    for (const name of new Set(c.slots.map((s) => s.node))) {
      const list = onNode.get(name) ?? [];
      list.push(c);
      onNode.set(name, list);
    }
  for (const node of nodes) {
    const here = onNode.get(node.name);
    const set = here ? greedy(p, [node], here, now) : undefined;
    if (set) sets.push(set);
  }
  const total = (set: RunningJob[]) => set.reduce((n, j) => n + cost(j, now), 0);
  sets.sort((a, b) => total(a) - total(b) || a.length - b.length);
  return sets[0];
}

/**
 * For each preemptor in order: whether it waits for resources already on their way, which jobs
 * to preempt for it, or that none would do. The resources each one is given are not given again
 * to the next.
 */
export function choosePreemptions(input: PreemptionInput): Decision[] {
  const { now, order, expressPriority, canSuspend } = input;
  const leaving = input.running.filter((j) => j.leaving);
  let nodes = released(input.nodes, leaving);
  const methods = new Map<number, PreemptMethod[]>();
  for (const job of input.running) {
    if (job.leaving || job.queuePriority >= expressPriority) continue;
    const m = applicableMethods(job, order, now, canSuspend);
    if (m.length > 0) methods.set(job.seq, m);
  }
  const byCost = (a: RunningJob, b: RunningJob) => cost(a, now) - cost(b, now) || b.seq - a.seq;
  let candidates = input.running.filter((j) => methods.has(j.seq)).sort(byCost);
  const decisions: Decision[] = [];
  for (const p of input.preemptors) {
    const take = (slots: Slot[]) => commit(nodes, slots, isExclusive(p.resources));
    // it fits as things are: something else keeps it waiting (a limit, a reservation)
    if (fits(p, input.nodes)) {
      decisions.push({ seq: p.seq, kind: 'none' });
      continue;
    }
    const ready = fits(p, nodes);
    if (ready) {
      take(ready);
      decisions.push({ seq: p.seq, kind: 'wait' });
      continue;
    }
    const lower = candidates.filter((c) => c.queuePriority < p.queuePriority);
    const set = lower.length > 0 ? cheapest(p, nodes, lower, now) : undefined;
    if (!set) {
      decisions.push({ seq: p.seq, kind: 'none' });
      continue;
    }
    nodes = released(nodes, set);
    const slots = fits(p, nodes);
    if (slots) take(slots);
    candidates = candidates.filter((c) => !set.includes(c));
    const victims = set.map((j) => ({ seq: j.seq, id: j.id, methods: methods.get(j.seq)! }));
    decisions.push({ seq: p.seq, kind: 'preempt', victims });
  }
  return decisions;
}
