// What happens to an advance reservation in the head's database, one step each (inside the
// caller's transaction): it is stored with its queue (disabled and stopped, as PBS makes it),
// confirmed (the queue enabled) or denied (both gone), started at its window (the queue started),
// ended at its window's end or by pbs_rdel (the queue closed, its jobs deleted), and purged once
// none of its jobs is left unfinished.
import { ok, type Result, refuse } from '../../core/errors.js';
import type { ResourceRequest } from '../../core/job-spec-types.js';
import { formatDuration } from '../../core/pbs/duration.js';
import { buildResourceRequest } from '../../core/pbs/resources.js';
import { resvId, resvQueue } from '../../core/pbs/resv-id.js';
import { resvWindow } from '../../core/pbs/resv-window.js';
import type { ResvRequest } from '../../core/reservation-record.js';
import { confirmPlacement, keptBy } from '../../core/scheduling/advance-reservations.js';
import { isExclusive } from '../../core/scheduling/placement.js';
import type { SchedNode } from '../../core/scheduling/sched-node.js';
import type { StoredReservation } from '../db/reservations-table.js';
import type { Store } from '../db/store.js';

/** Store a new reservation (unconfirmed) and its queue. `now` in epoch seconds. */
export function storeReservation(
  store: Store,
  server: string,
  req: ResvRequest,
  owner: string,
  now: number,
): Result<StoredReservation> {
  const asked = buildResourceRequest(req.resources);
  if (!asked.ok) return asked;
  const window = resvWindow({ start: req.start, end: req.end, walltime: asked.value.walltime }, now);
  if (!window.ok) return window;
  const { start, end, duration } = window.value;
  const resources: ResourceRequest = {
    ...asked.value,
    walltime: duration,
    list: { ...asked.value.list, walltime: formatDuration(duration) },
  };
  const seq = store.meta.nextSeq();
  const queue = resvQueue(seq);
  if (store.queues.get(queue)) return refuse('INVALID_REQUEST', 'reservation failure');
  const r = {
    seq,
    id: resvId(seq, server),
    queue,
    name: req.name ?? 'NULL',
    owner,
    start,
    end,
    resources,
    authUsers: [...new Set([...(req.authorizedUsers ?? []), owner])],
    mail: {
      ...(req.mailPoints !== undefined ? { points: req.mailPoints } : {}),
      ...(req.mailUsers !== undefined ? { users: req.mailUsers } : {}),
    },
    ctime: now,
    mtime: now,
  };
  store.queues.create(queue);
  store.queues.update(queue, { enabled: false, started: false });
  store.reservations.insert(r);
  return ok({ ...r, state: 'unconfirmed' });
}

/**
 * Confirm a reservation where its resources are free for its whole window (running jobs until
 * their walltime ends, other confirmed reservations in theirs), or deny it: PBS then removes it.
 * Returns why it was denied, if it was.
 */
export function decide(
  store: Store,
  r: StoredReservation,
  nodes: SchedNode[],
  now: number,
): string | undefined {
  const found = confirmPlacement(
    r.resources,
    r,
    nodes,
    store.allocations.holdings(),
    store.reservations.windows(),
  );
  if ('reason' in found) {
    purge(store, r);
    return found.reason;
  }
  store.reservations.confirm(r.seq, found.slots, keptBy(found.slots, nodes, isExclusive(r.resources)), now);
  store.queues.update(r.queue, { enabled: true });
  return undefined;
}

/** The window has come: the queue's jobs may run. */
export function begin(store: Store, r: StoredReservation, now: number): void {
  store.reservations.setState(r.seq, 'running', now);
  store.queues.update(r.queue, { started: true });
}

/**
 * The window has ended, or pbs_rdel: the queue takes and starts nothing more and its jobs are
 * deleted (running ones are killed, as qdel does). Returns the ids of those jobs.
 */
export function finish(store: Store, r: StoredReservation, now: number): string[] {
  store.reservations.setState(r.seq, 'deleting', now);
  store.queues.update(r.queue, { enabled: false, started: false });
  return liveJobIds(store, r);
}

/** The ids of the reservation's unfinished jobs. */
export function liveJobIds(store: Store, r: StoredReservation): string[] {
  return store.jobs
    .list(false)
    .filter((j) => j.queue === r.queue && j.row.state !== 'F')
    .map((j) => j.id);
}

/** Whether a job of the reservation's queue is still unfinished. */
export function hasLiveJobs(store: Store, r: StoredReservation): boolean {
  return store.jobs.counts().some((c) => c.queue === r.queue && c.state !== 'F');
}

/** The reservation and its queue go (its finished jobs stay in the history). */
export function purge(store: Store, r: StoredReservation): void {
  store.reservations.remove(r.seq);
  store.queues.remove(r.queue);
}
