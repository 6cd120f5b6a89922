// The jobs that may preempt in a pass (head/scheduling/preemptions.ts): the first job of each
// express queue (priority at least preempt_queue_prio) that the pass could not place and that
// waits for resources, not for a limit (its queue's, its array's `%N`) nor inside a reservation;
// each keeps out of what advance reservations keep, as the scheduler places it.
import { AdvanceReservations } from '../../core/scheduling/advance-reservations.js';
import type { Preemptor } from '../../core/scheduling/preemption.js';
import { QueueLimits, type SchedQueue } from '../../core/scheduling/queue-limits.js';
import type { SchedJob } from '../../core/scheduling/scheduler.js';
import type { Store } from '../db/store.js';
import { hooksOf } from '../jobs/lifecycle-hooks.js';

/** `now` epoch seconds; `waiting` the jobs the pass did not place, in the order it considered them. */
export function expressPreemptors(
  store: Store,
  now: number,
  jobs: SchedJob[],
  waiting: { seq: number }[],
  queues: SchedQueue[],
  expressPriority: number,
): Preemptor[] {
  const express = new Map(queues.filter((q) => q.priority >= expressPriority).map((q) => [q.name, q]));
  if (express.size === 0) return [];
  const bySeq = new Map(jobs.map((j) => [j.seq, j]));
  const limits = new QueueLimits(queues);
  const advance = new AdvanceReservations(store.reservations.windows(), store.allocations.holdings());
  const seen = new Set<string>();
  const out: Preemptor[] = [];
  for (const { seq } of waiting) {
    const job = bySeq.get(seq);
    const queue = job?.queue === undefined ? undefined : express.get(job.queue);
    if (!job || !queue || seen.has(queue.name) || limits.blocked(job.queue, job.user)) continue;
    if (job.array !== undefined && !arrayHasRoom(store, job)) continue;
    // a reservation's job runs inside it
    if (advance.of(job.queue)) continue;
    seen.add(queue.name);
    const walltime = job.resources.walltime;
    out.push({
      seq,
      id: job.id,
      resources: job.resources,
      queuePriority: queue.priority,
      ...(job.avoid ? { avoid: job.avoid } : {}),
      around: (nodes) => advance.around(nodes, now, walltime) ?? nodes,
    });
  }
  return out;
}

/** Whether more of the subjob's array may start (its `%N`). */
function arrayHasRoom(store: Store, job: SchedJob): boolean {
  for (const hooks of hooksOf(store)) {
    const room = hooks.room?.(store, [job]).get(job.array!);
    if (room !== undefined && room <= 0) return false;
  }
  return true;
}
