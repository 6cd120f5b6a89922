// A service's instances following their jobs (inside the transaction that changes the job): the
// address an agent reported, dropped as soon as the attempt it belongs to stops serving; an attempt
// that exits while the service wants it is started again; a finished job's instance row goes, and
// with the last one a stopped service.
import type { JobEvent, JobRow, TimedEvent } from '../../core/lifecycle/job-events.js';
import type { AgentMessage } from '../../core/protocol/agent-protocol.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { StoredInstance } from '../db/services-table.js';
import type { Store } from '../db/store.js';
import type { Apply, AttemptEnd } from '../jobs/lifecycle-hooks.js';
import { transition } from '../jobs/transitions.js';

export type Touch = (service: string) => void;

/** Events after which the attempt that reported an address no longer serves (or a new one runs). */
const DROPS: readonly JobEvent['type'][] = [
  'run',
  'requeued',
  'delete_requested',
  'rerun_requested',
  'fenced',
  'exited',
  'failed',
  'deleted',
  'finished',
];

/** The instance is not wanted any more: its service stops, or was scaled below it. */
function unwanted(store: Store, i: StoredInstance): boolean {
  const s = store.services.get(i.service);
  return !s || s.state !== 'running' || i.instance >= s.wanted;
}

/** A stopping service goes once its last instance job has ended. */
export function removeIfStopped(store: Store, name: string): void {
  const s = store.services.get(name);
  if (s?.state === 'stopping' && store.services.instances(name).length === 0) store.services.remove(name);
}

/** After a transition of an instance's job. */
export function followInstance(
  store: Store,
  job: StoredJob,
  event: TimedEvent,
  row: JobRow,
  apply: Apply,
  touch: Touch,
): void {
  if (!DROPS.includes(event.type)) return;
  const i = store.services.instanceOfJob(job.seq);
  if (!i) return;
  if (store.services.clearAddress(job.seq)) touch(i.service);
  if (row.state === 'F') {
    store.services.removeInstanceJob(job.seq);
    removeIfStopped(store, i.service);
    touch(i.service);
  } else if (row.state === 'Q' && unwanted(store, i)) {
    // requeued (its node fenced, its agent lost it) but no longer wanted: it ends here
    apply(
      job.seq,
      { type: 'deleted', by: `service ${i.service}`, reason: 'service instance not wanted' },
      event.at,
    );
  }
}

/** An attempt that ended sooner than this after it started is a quick exit. */
export const QUICK_EXIT_MS = 10_000;
/** The longest wait before an instance that keeps exiting quickly starts again. */
export const MAX_RESTART_DELAY_S = 60;

/**
 * An instance's attempt exited while its service wants it: it starts again (true: taken over),
 * after 1, 2, 4, … up to MAX_RESTART_DELAY_S seconds when its attempts keep ending quickly.
 */
export function restartInstance(store: Store, job: StoredJob, end: AttemptEnd): boolean {
  if (job.row.deleteRequestedBy) return false;
  const i = store.services.instanceOfJob(job.seq);
  if (!i || unwanted(store, i)) return false;
  const attempt = job.row.attempt;
  const quick = end.at - (job.row.stime ?? 0) * 1000 < QUICK_EXIT_MS;
  const restarts = quick ? i.restarts + 1 : 0;
  store.services.setRestarts(job.seq, restarts);
  const delay = quick ? Math.min(MAX_RESTART_DELAY_S, 2 ** (restarts - 1)) : 0;
  const why = end.reason ?? `exit ${end.status}`;
  const reason = `service instance ${i.service}.${i.instance}: attempt ${attempt} ended on ${end.node} (${why}); started again${delay ? ` in ${delay} s` : ''}`;
  if (!transition(store, job.seq, { type: 'requeued', attempt, reason }, end.at).ok) return false;
  if (delay) {
    const executionTime = Math.ceil(end.at / 1000) + delay;
    const event = { type: 'altered' as const, changes: { executionTime }, by: `service ${i.service}` };
    transition(store, job.seq, event, end.at);
  }
  return true;
}

type InstanceUp = Extract<AgentMessage, { t: 'instance-up' }>;

/** The agent says the running attempt answers on a port: where brokers may reach it. */
export function instanceUp(store: Store, job: StoredJob, m: InstanceUp, touch: Touch): void {
  const row = job.row;
  if (row.state !== 'R' || row.attempt !== m.attempt || row.deleteRequestedBy || row.rerunRequestedBy) return;
  const i = store.services.instanceOfJob(job.seq);
  const slots = store.allocations.ofJob(job.seq);
  const node = row.node ?? slots[0]?.node;
  if (!i || node === undefined) return;
  const stored = store.nodes.get(node);
  const ncpus = slots.filter((s) => s.node === node).reduce((n, s) => n + s.ncpus, 0);
  const zone = stored?.labels.zone;
  store.services.setAddress(job.seq, {
    attempt: m.attempt,
    host: stored?.host ?? node,
    port: m.port,
    node,
    ncpus: Math.max(1, ncpus),
    ...(zone !== undefined ? { zone } : {}),
  });
  touch(i.service);
}
