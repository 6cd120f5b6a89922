// qmove and qorder. qmove puts waiting jobs (Q, H, W) in another queue, checked as a submission
// to that queue is (head/jobs/submit-job.ts: the queue takes jobs, its walltime limits;
// head/jobs/admission.ts: the server's); qorder swaps two waiting jobs' places in the scheduler's
// order among the jobs of their priority (core/scheduling/scheduler.ts), and their queues when
// they are in two. The job's owner, operators and managers may; PBS's words otherwise.
import { ok, type Refusal, type Result, refuse } from '../../core/errors.js';
import type { JobState } from '../../core/lifecycle/states.js';
import { destinationOf } from '../../core/pbs/destination.js';
import { sameServer } from '../../core/pbs/jobid.js';
import { mayControl, type Requester, UNAUTHORIZED } from '../../core/policy/permissions.js';
import { applyQueueWalltime } from '../../core/scheduling/queue-limits.js';
import type { StoredJob } from '../db/jobs-table.js';
import { admit } from './admission.js';
import { byOf, type Found, idOf, JobOperands, type OperandResult } from './job-operands.js';
import { entering, queued } from './submit-job.js';
import { transition } from './transitions.js';

const WAITING: readonly JobState[] = ['Q', 'H', 'W'];

/** What PBS checks of each job first (chk_job_request): finished (a subjob: its array), then permission. */
function named(found: Found, who: Requester): Result<StoredJob> {
  const { job } = found;
  const finished = job.kind === 'subjob' ? job.parentState === 'F' : job.row.state === 'F';
  if (finished) return refuse('JOB_FINISHED', 'Job has finished');
  if (!mayControl(who, job.owner)) return refuse('UNAUTHORIZED', UNAUTHORIZED);
  return ok(job);
}

/** Then: a subjob or a range is no request for this; a job must be waiting (Q, H, W). */
const whole = ({ job, array }: Found) =>
  job.kind === 'subjob' || array?.kind === 'range' ? refuse('INVALID_REQUEST', 'Invalid request') : ok(job);
const waiting = (job: StoredJob) =>
  WAITING.includes(job.row.state) ? ok(job) : refuse('BAD_STATE', 'Request invalid for state of job');

export class JobMoves extends JobOperands {
  /** qmove DEST ID…: the queue DEST names (`queue`, `@server`: its default queue, `queue@server`). */
  move(destination: string, operands: string[], who: Requester): Result<OperandResult[]> {
    const dest = destinationOf(destination);
    if (!dest) return refuse('BAD_REQUEST', `illegally formed destination: ${destination}`);
    if (dest.server !== undefined && !sameServer(dest.server, this.d.server))
      return refuse('NOT_SUPPORTED', `jobs cannot move to another server (${dest.server})`);
    const queue = dest.queue ?? this.d.store.meta.get('default_queue');
    const by = byOf(who);
    const results = operands.map((operand): OperandResult => {
      const found = this.find(operand);
      if (!found.ok) return { operand, ...idOf(operand, this.d.server), error: found.error };
      const { id } = found.value;
      const r = this.moveOne(found.value, who, queue, by);
      return r.ok ? { operand, id } : { operand, id, error: r.error };
    });
    this.d.dispatcher.poke();
    return ok(results);
  }

  private moveOne(found: Found, who: Requester, queue: string | undefined, by: string): Result<unknown> {
    for (const check of [named(found, who), whole(found), waiting(found.job)]) if (!check.ok) return check;
    if (!queue) return refuse('UNKNOWN_QUEUE', 'No default queue specified');
    const { store } = this.d;
    const { spec, owner, row } = found.job;
    const into = queued(store, { ...spec, queue, resources: row.resources });
    if (!into.ok) return into;
    // the server's say, as at submission; the job is already counted among the unfinished
    const admitted = admit(store, owner, spec, 0);
    if (!admitted.ok) return admitted;
    const resources = into.value.spec.resources;
    return store.transaction(() => this.relocate(found.job, queue, by, resources));
  }

  /** The `moved` event and the queue column of the job (an array's subjobs with it). */
  private relocate(job: StoredJob, queue: string, by: string, resources = job.row.resources) {
    const { store } = this.d;
    const event = {
      type: 'moved' as const,
      from: job.queue,
      to: queue,
      by,
      ...(resources !== job.row.resources ? { resources } : {}),
    };
    const r = transition(store, job.seq, event, this.now());
    if (!r.ok) return r;
    const subjobs = job.kind === 'array' ? store.jobs.subjobs(job.seq).map((j) => j.seq) : [];
    store.jobs.setQueue([job.seq, ...subjobs], queue);
    return r;
  }

  /**
   * qorder ID1 ID2: the two jobs swap their places (and queues); refusals name both
   * (`Unknown Job Id 5.server or 6.server`), as PBS's qorder prints them.
   */
  order(first: string, second: string, who: Requester): Result<void> {
    const both = `${idOf(first, this.d.server).id ?? first} or ${idOf(second, this.d.server).id ?? second}`;
    const refusal = (e: Refusal): Result<void> =>
      e.code === 'JOB_FINISHED' ? { ok: false, error: e } : refuse(e.code, `${e.message} ${both}`);
    // as PBS checks them: each job found, not finished, the requester's; then neither a subjob
    // (nor an array: its subjobs keep their own places, their internal seqs); then both waiting
    const found: Found[] = [];
    for (const operand of [first, second]) {
      const f = this.find(operand);
      if (!f.ok) return refusal({ code: 'UNKNOWN_JOB', message: 'Unknown Job Id' });
      const r = named(f.value, who);
      if (!r.ok) return refusal(r.error);
      found.push(f.value);
    }
    for (const f of found) {
      const r = f.job.kind === 'array' ? refuse('INVALID_REQUEST', 'Invalid request') : whole(f);
      if (!r.ok) return refusal(r.error);
    }
    for (const { job } of found) {
      const r = waiting(job);
      if (!r.ok) return refusal(r.error);
    }
    const jobs = found.map((f) => f.job);
    const [a, b] = jobs as [StoredJob, StoredJob];
    // across queues each must fit the other's walltime limits and be let in by the features (a
    // reservation's users and size); PBS does not ask a queue across which two jobs swap to be
    // enabled
    const into = (job: StoredJob, other: StoredJob) => {
      const limits = other.queue === job.queue ? undefined : this.d.store.queues.get(other.queue);
      if (!limits) return ok(job.row.resources);
      const fit = applyQueueWalltime(job.row.resources, limits);
      if (!fit.ok) return fit;
      const entered = entering(this.d.store, { ...job.spec, queue: other.queue, resources: fit.value });
      return entered.ok ? fit : entered;
    };
    const fitA = into(a, b);
    if (!fitA.ok) return refusal(fitA.error);
    const fitB = into(b, a);
    if (!fitB.ok) return refusal(fitB.error);
    this.swap([a, fitA.value], [b, fitB.value], byOf(who));
    this.d.dispatcher.poke();
    return ok(undefined);
  }

  private swap(
    [a, resourcesA]: [StoredJob, StoredJob['row']['resources']],
    [b, resourcesB]: [StoredJob, StoredJob['row']['resources']],
    by: string,
  ): void {
    const { store } = this.d;
    store.transaction(() => {
      const rankA = store.jobs.rank(a.seq) ?? a.seq;
      const rankB = store.jobs.rank(b.seq) ?? b.seq;
      store.jobs.setRank(a.seq, rankB);
      store.jobs.setRank(b.seq, rankA);
      if (a.queue === b.queue) return;
      for (const r of [this.relocate(a, b.queue, by, resourcesA), this.relocate(b, a.queue, by, resourcesB)])
        if (!r.ok) throw new Error(`qorder: ${r.error.message}`);
    });
  }
}
