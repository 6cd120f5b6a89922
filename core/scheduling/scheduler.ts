// The scheduler is a pure function: schedule(snapshot) → plan (docs/architecture.md).
// No database, no clock, no I/O. `apply` in the head re-checks each placement before recording it.

import type { ResourceRequest } from '../job-spec-types.js';
import { AdvanceReservations, type ResvWindow } from './advance-reservations.js';
import {
  allowedNow,
  endsBefore,
  type Free,
  type Holding,
  type Need,
  perNode,
  type Reservation,
  reserve,
  takeSpare,
} from './backfill.js';
import { commit, isExclusive, place, shortfall } from './placement.js';
import { QueueLimits, type SchedQueue } from './queue-limits.js';
import type { SchedNode, Slot } from './sched-node.js';

export interface SchedJob {
  seq: number;
  id: string;
  priority: number;
  resources: ResourceRequest;
  queue?: string;
  user?: string;
  /** in a fair-share queue: the owner's decayed usage (less goes first) */
  share?: number;
  /** a subjob: its array's seq (for the array's `%N`) */
  array?: number;
  /** nodes this job must not run on (a render task's failed and blocklisted nodes) */
  avoid?: ReadonlySet<string>;
  /** its place among the jobs of its priority when qorder moved it (else its seq) */
  rank?: number;
}

export interface Snapshot {
  now: number;
  jobs: SchedJob[];
  nodes: SchedNode[];
  /** the queues with their limits and running counts (none: no queue limits) */
  queues?: SchedQueue[];
  /** what running jobs hold and when their walltime ends, for the backfill reservation */
  running?: Holding[];
  /** arrays with a `%N` limit: how many more of their subjobs may start now */
  arrayRoom?: Map<number, number>;
  /** confirmed advance reservations: their queues' jobs run inside them, others around them */
  reservations?: ResvWindow[];
}

export interface Placement {
  seq: number;
  id: string;
  slots: Slot[];
  exclusive: boolean;
}

export interface Plan {
  placements: Placement[];
  /** why each job that was not placed waits */
  waiting: { seq: number; reason: string }[];
  /** the top job's reservation: when it is expected to start (epoch seconds) */
  estimates: { seq: number; start: number }[];
}

const CONFLICT = 'Not Running: Job would conflict with reservation or top job';
const ARRAY_LIMIT = "Not Running: Array job's max_run_subjobs limit reached";

/** Jobs in the order they are considered: priority, then submission order (as qorder left it). */
export function byPriority(a: SchedJob, b: SchedJob): number {
  return b.priority - a.priority || (a.rank ?? a.seq) - (b.rank ?? b.seq) || a.seq - b.seq;
}

export function schedule(snapshot: Snapshot): Plan {
  const { now } = snapshot;
  const nodes = snapshot.nodes.map((n) => ({ ...n, usedGpus: [...n.usedGpus] }));
  const plan: Plan = { placements: [], waiting: [], estimates: [] };
  const limits = new QueueLimits(snapshot.queues ?? []);
  const ranked = snapshot.jobs.map((job) => ({ job, rank: limits.priority(job.queue) }));
  const share = (a: SchedJob, b: SchedJob) => (a.queue === b.queue ? (a.share ?? 0) - (b.share ?? 0) : 0);
  ranked.sort((a, b) => b.rank - a.rank || share(a.job, b.job) || byPriority(a.job, b.job));
  const holdings = [...(snapshot.running ?? [])];
  /** a shape that did not fit stays unfitting for the rest of the pass: resources only shrink */
  const refused = new Map<string, string>();
  let reservation: Reservation | undefined;
  let topJobSeen = false;
  const arrayRoom = new Map(snapshot.arrayRoom ?? []);
  const advance = new AdvanceReservations(snapshot.reservations, snapshot.running);
  for (const { job } of ranked) {
    const wait = (reason: string) => plan.waiting.push({ seq: job.seq, reason });
    const blocked = limits.blocked(job.queue, job.user);
    if (blocked) {
      wait(`Not Running: ${blocked}`);
      continue;
    }
    const room = job.array === undefined ? undefined : arrayRoom.get(job.array);
    if (room !== undefined && room <= 0) {
      wait(ARRAY_LIMIT);
      continue;
    }
    const own = advance.of(job.queue);
    if (own) {
      const inside = advance.placeInside(job.resources, own, nodes, now);
      if ('reason' in inside) wait(inside.reason);
      else {
        start(job, inside.slots, room);
        advance.placed(own.queue, inside.slots);
      }
      continue;
    }
    const pool = job.avoid?.size ? nodes.filter((n) => !job.avoid!.has(n.name)) : nodes;
    if (pool !== nodes && neverRunReason(job.resources, pool) !== undefined) {
      wait(`Not Running: no eligible node left (excluded: ${[...job.avoid!].sort().join(', ')})`);
      continue;
    }
    const walltime = job.resources.walltime;
    const pastReservation = reservation && !endsBefore(reservation, now, walltime);
    const shape = shapeKey(job.resources);
    const cached = pool === nodes;
    const known = !cached
      ? undefined
      : (refused.get(shape.fit) ?? (pastReservation ? refused.get(shape.past) : undefined));
    if (known) {
      wait(known);
      continue;
    }
    let slots = place(job.resources, pool);
    if (!slots) {
      const reason = `Not Running: ${shortfall(job.resources, pool)}`;
      if (cached) refused.set(shape.fit, reason);
      wait(reason);
      if (!topJobSeen) {
        topJobSeen = true;
        const fitsOn = (free: Map<string, Free>) => fitOn(job.resources, pool, free);
        reservation = reserve(job.seq, now, freeOf(pool), holdings, needOf(job.resources), fitsOn);
        if (reservation) plan.estimates.push({ seq: job.seq, start: reservation.start });
      }
      continue;
    }
    // what confirmed reservations keep is not for a job that would still run in their window
    const narrow = (ns: SchedNode[]) => advance.around(ns, now, walltime) ?? ns;
    const around = narrow(pool);
    if (around !== pool) {
      slots = place(job.resources, around);
      if (!slots) {
        wait(CONFLICT);
        continue;
      }
    }
    if (reservation && !allowedNow(reservation, now, walltime, perNode(slots))) {
      slots = place(job.resources, narrow(within(pool, reservation.spare)));
      if (!slots || !allowedNow(reservation, now, walltime, perNode(slots))) {
        if (cached) refused.set(shape.past, CONFLICT);
        wait(CONFLICT);
        continue;
      }
    }
    start(job, slots, room);
  }
  return plan;

  /** Record that `job` starts now on `slots`, for the jobs after it in this pass. */
  function start(job: SchedJob, slots: Slot[], room: number | undefined): void {
    const walltime = job.resources.walltime;
    const exclusive = isExclusive(job.resources);
    commit(nodes, slots, exclusive);
    limits.started(job.queue, job.user);
    if (room !== undefined) arrayRoom.set(job.array!, room - 1);
    if (reservation) takeSpare(reservation, now, walltime, perNode(slots));
    holdings.push({ ...(walltime !== undefined ? { end: now + walltime } : {}), slots });
    plan.placements.push({ seq: job.seq, id: job.id, slots, exclusive });
  }
}

const shapes = new WeakMap<ResourceRequest, { fit: string; past: string }>();

/**
 * Jobs with the same chunks and placement fit now, or not, alike; and those that would also
 * run past the reservation conflict with it alike. One pair of keys per request object.
 */
function shapeKey(r: ResourceRequest): { fit: string; past: string } {
  let key = shapes.get(r);
  if (key === undefined) {
    const fit = JSON.stringify([r.chunks, r.place]);
    key = { fit, past: `${fit}|past` };
    shapes.set(r, key);
  }
  return key;
}

function needOf(r: ResourceRequest): Need {
  const count = r.chunks.reduce((n, c) => n + c.count, 0);
  const unit = Math.max(1, Math.min(...r.chunks.map((c) => c.ncpus)));
  const a = r.place.arrangement;
  return {
    unit,
    count,
    mode: a === 'pack' ? 'pack' : a === 'scatter' || a === 'vscatter' ? 'scatter' : 'free',
  };
}

function freeOf(nodes: SchedNode[]): Map<string, Free> {
  return new Map(
    nodes
      .filter((n) => n.available && !n.exclusive)
      .map((n) => [
        n.name,
        { ncpus: n.ncpus - n.usedNcpus, mem: n.mem - n.usedMem, gpus: n.ngpus - n.usedGpus.length },
      ]),
  );
}

/** The nodes as if only `free` were free on each (absent nodes are full). */
function within(nodes: SchedNode[], free: Map<string, Free>): SchedNode[] {
  return nodes.map((n) => {
    const f = free.get(n.name) ?? { ncpus: 0, mem: 0, gpus: 0 };
    const usedGpus = Array.from({ length: Math.max(0, n.ngpus - f.gpus) }, (_, i) => i);
    return { ...n, usedNcpus: n.ncpus - Math.max(0, f.ncpus), usedMem: n.mem - Math.max(0, f.mem), usedGpus };
  });
}

/** Where the job would go if `free` were free; per node what it would use. */
function fitOn(
  resources: ResourceRequest,
  nodes: SchedNode[],
  free: Map<string, Free>,
): Map<string, Free> | undefined {
  const slots = place(resources, within(nodes, free));
  return slots ? perNode(slots) : undefined;
}

/** Whether the job could run on these nodes if they were empty; a reason when it never can. */
export function neverRunReason(resources: ResourceRequest, nodes: SchedNode[]): string | undefined {
  const empty = nodes.map((n) => ({
    ...n,
    usedNcpus: 0,
    usedMem: 0,
    usedGpus: [],
    jobCount: 0,
    exclusive: false,
    available: true,
  }));
  if (place(resources, empty)) return undefined;
  return shortfall(resources, empty);
}
