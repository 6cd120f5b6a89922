// The jobs preemption suspended (head/scheduling/preemptions.ts), until their preemptor has left the
// queue (it runs, or was deleted, held or moved): then each resumes, at once when its slots are
// free, else before other jobs once they are (head/jobs/suspension.ts, substate 45). Read from the
// jobs at the first pass, so a restarted head resumes what its predecessor suspended.
import type { Logger } from 'pino';
import { SUBSTATE } from '../../core/lifecycle/states.js';
import type { HeadMessage } from '../../core/protocol/agent-protocol.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';
import { resumeJob } from '../jobs/suspension.js';
import type { Cluster } from '../nodes/cluster.js';

/** Who preempts, as the events name it (PBS's `at request of Scheduler`). */
export const BY = 'Scheduler';

/** Suspended by preemption and waiting for its preemptor (not yet told to resume). */
const waiting = (job: StoredJob | undefined) =>
  job?.row.preempted?.method === 'S' && job.row.substate === SUBSTATE.suspended;

export class SuspendedVictims {
  /** victim seq → the id of the job it made room for */
  private victims: Map<number, string> | undefined;

  constructor(
    private readonly store: Store,
    private readonly cluster: Cluster,
    private readonly log: Logger,
  ) {}

  add(seq: number, preemptor: string): void {
    this.load().set(seq, preemptor);
  }

  /** At the start of a pass: the victims whose preemptor has left the queue resume. */
  resumeFreed(now: number, send: (node: string, m: HeadMessage) => void): void {
    const victims = this.load();
    for (const [seq, preemptor] of victims) {
      const job = this.store.jobs.get(seq);
      if (waiting(job) && this.store.jobs.byId(preemptor)?.row.state === 'Q') continue;
      victims.delete(seq);
      if (!job || !waiting(job)) continue;
      const r = resumeJob({ store: this.store, cluster: this.cluster, send }, job.id, BY, now);
      if (!r.ok) this.log.warn({ job: job.id, reason: r.error.message }, 'preempted job not resumed');
    }
  }

  private load(): Map<number, string> {
    this.victims ??= new Map(
      this.store.jobs
        .inState('R')
        .filter(waiting)
        .map((j) => [j.seq, j.row.preempted!.for]),
    );
    return this.victims;
  }
}
