// The queue as the scheduler reads it, kept between passes: loaded once, then only the jobs
// written since (the jobs table tells which) are read back; reading 50,000 rows costs a pass
// well over 100 ms on a small VM. The features then narrow or annotate it (their `pending`
// hooks, head/jobs/lifecycle-hooks.ts).

import type { ResourceRequest } from '../../core/job-spec-types.js';
import type { SchedJob } from '../../core/scheduling/scheduler.js';
import type { PendingRow } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';
import { hooksOf } from '../jobs/lifecycle-hooks.js';

export class PendingQueue {
  private queue: Map<number, SchedJob> | undefined;
  private readonly dirty = new Set<number>();
  /** identical resource texts are parsed once */
  private readonly parsed = new Map<string, ResourceRequest>();

  constructor(private readonly store: Store) {
    store.jobs.onWrite((seq) => this.dirty.add(seq));
  }

  /** The queued jobs the scheduler may place now, highest priority first. */
  read(freeCpus = Number.POSITIVE_INFINITY): SchedJob[] {
    let jobs = [...this.refresh().values()];
    for (const hooks of hooksOf(this.store))
      if (hooks.pending) jobs = hooks.pending(this.store, jobs, freeCpus);
    return jobs;
  }

  private refresh(): Map<number, SchedJob> {
    if (!this.queue) {
      this.dirty.clear();
      this.queue = new Map(this.store.jobs.pendingRows().map((r) => [r[0], this.toSchedJob(r)]));
      return this.queue;
    }
    for (const seq of this.dirty) {
      const r = this.store.jobs.pendingRow(seq);
      if (r) this.queue.set(seq, this.toSchedJob(r));
      else this.queue.delete(seq);
    }
    this.dirty.clear();
    return this.queue;
  }

  private toSchedJob(r: PendingRow): SchedJob {
    const [seq, id, priority, queue, owner, arrayParent, text, rank] = r;
    let resources = this.parsed.get(text);
    if (!resources) {
      if (this.parsed.size > 10_000) this.parsed.clear();
      resources = JSON.parse(text) as ResourceRequest;
      this.parsed.set(text, resources);
    }
    const job: SchedJob = { seq, id, priority, queue, user: owner.slice(0, owner.indexOf('@')), resources };
    if (arrayParent !== null) job.array = arrayParent;
    if (rank !== seq) job.rank = rank;
    return job;
  }
}
