// qhold, qrls, qdel, qrerun and qalter: each acts on the operands' jobs that the requester may
// touch, and answers per operand with PBS's words.
import { ok, type Result, refuse } from '../../core/errors.js';
import { cronId, cronSeq } from '../../core/pbs/cron-schedule.js';
import { mayControl, mayHold, type Requester } from '../../core/policy/permissions.js';
import type { StoredJob } from '../db/jobs-table.js';
import { type Alteration, alterJob } from './alter-job.js';
import { selectSubjobs } from './arrays.js';
import { deleteCron } from './cron-jobs.js';
import { purgeJob } from './job-history.js';
import { byOf, type Found, idOf, JobOperands, type OperandResult } from './job-operands.js';
import { requestRerun } from './job-stops.js';
import { transition } from './transitions.js';

type JobEventInput = Parameters<typeof transition>[2];

const SUBJOB_FINISHED = refuse('SUBJOB_FINISHED', 'Request invalid for finished array subjob');

export class JobControl extends JobOperands {
  /** qhold, qrls and qalter take a job or a whole array, not a subjob or a range. */
  private whole(found: Found): Result<StoredJob> {
    if (found.job.kind === 'subjob' || found.array?.kind === 'range')
      return refuse('INVALID_REQUEST', 'Invalid request');
    return ok(found.job);
  }

  /** Act on each operand's job that `allowed` lets the requester touch; PBS's answer for the others. */
  private each(
    operands: string[],
    allowed: (job: StoredJob) => boolean,
    act: (found: Found) => Result<unknown>,
  ): OperandResult[] {
    const results = operands.map((operand): OperandResult => {
      const found = this.find(operand);
      if (!found.ok) return { operand, ...idOf(operand, this.d.server), error: found.error };
      const r = allowed(found.value.job) ? act(found.value) : this.denied();
      return r.ok ? { operand, id: found.value.id } : { operand, id: found.value.id, error: r.error };
    });
    this.d.dispatcher.poke();
    return results;
  }

  private apply(job: StoredJob, event: JobEventInput): Result<unknown> {
    if (job.row.state === 'F') return refuse('JOB_FINISHED', 'Job has finished');
    return transition(this.d.store, job.seq, event, this.now());
  }

  hold(operands: string[], types: string, who: Requester): OperandResult[] {
    return this.holds('held', operands, types, who);
  }

  release(operands: string[], types: string, who: Requester): OperandResult[] {
    return this.holds('released', operands, types, who);
  }

  /** qhold and qrls: a whole job or array, by whoever PBS's hold rules allow. */
  private holds(type: 'held' | 'released', operands: string[], types: string, who: Requester) {
    const by = byOf(who);
    return this.each(
      operands,
      (job) => mayHold(who, job.owner, types),
      (found) => {
        const job = this.whole(found);
        if (!job.ok) return job;
        const r = this.apply(job.value, { type, types, by });
        if (r.ok && type === 'held') this.checkpointAndStop(job.value, by);
        return r;
      },
    );
  }

  /**
   * qdel: jobs, and recurring templates named by their C ids. `history` (qdel -x): the jobs'
   * records go too, at once for a finished job, once it has ended for another
   * (head/jobs/job-history.ts).
   */
  delete(operands: string[], who: Requester, history = false): OperandResult[] {
    return operands.flatMap((operand) => {
      const cron = cronSeq(operand);
      if (cron === undefined) return this.deleteJobs([operand], who, history);
      const id = cronId(cron, this.d.server);
      const template = this.d.store.crons.get(cron);
      if (template && !mayControl(who, template.owner)) return [{ operand, id, error: this.denied().error }];
      const r = deleteCron(this.d.store, cron, this.d.server);
      return [r.ok ? { operand, id } : { operand, id, error: r.error }];
    });
  }

  private deleteJobs(operands: string[], who: Requester, history: boolean): OperandResult[] {
    const by = byOf(who);
    return this.each(
      operands,
      (job) => mayControl(who, job.owner),
      ({ job, array }) => {
        // a subjob's history is its array's: PBS deletes none alone (PBSE_NOHISTARRAYSUBJOB)
        if (job.kind === 'subjob' && job.row.state === 'F') return SUBJOB_FINISHED;
        if (job.kind !== 'array') return this.deleteOne(job, by, history && job.kind === 'job');
        // the array (or a range of it): every subjob not yet finished; the parent ends with the last
        const selector = array ?? { kind: 'parent' as const };
        const whole = history && selector.kind === 'parent';
        if (job.row.state === 'F') {
          if (whole) return this.purge(job);
          return history ? SUBJOB_FINISHED : refuse('JOB_FINISHED', 'Job has finished');
        }
        const picked = selectSubjobs(this.d.store, job, selector);
        if (picked.length === 0) return refuse('UNKNOWN_JOB', 'Unknown Job Id');
        return this.d.store.transaction(() => {
          // its record goes once its last subjob has ended
          if (whole) {
            const marked = this.apply(job, { type: 'purge_requested', by });
            if (!marked.ok) return marked;
          }
          for (const subjob of picked) {
            if (subjob.row.state === 'F') continue;
            const r = this.deleteOne(this.d.store.jobs.get(subjob.seq)!, by, false);
            if (!r.ok && r.error.code !== 'BAD_STATE') return r;
          }
          return ok(undefined);
        });
      },
    );
  }

  /** One job or subjob; `purge`: a job whose record goes as well (qdel -x). */
  private deleteOne(job: StoredJob, by: string, purge: boolean): Result<unknown> {
    if (!purge) return this.deleteNow(job, by);
    if (job.row.state === 'F') return this.purge(job);
    return this.d.store.transaction(() => {
      const r = this.deleteNow(job, by);
      if (!r.ok) return r;
      const now = this.d.store.jobs.get(job.seq)!;
      // a job that was waiting has ended: its record goes in the same transaction
      if (now.row.state === 'F') return this.purge(now);
      return this.apply(now, { type: 'purge_requested', by });
    });
  }

  private deleteNow(job: StoredJob, by: string): Result<unknown> {
    const state = job.row.state;
    if (state === 'F') return refuse('JOB_FINISHED', 'Job has finished');
    if (state === 'E') return refuse('BAD_STATE', 'Request invalid for state of job');
    if (state !== 'R') return this.apply(job, { type: 'deleted', by });
    if (job.row.deleteRequestedBy) return ok(undefined);
    const r = this.apply(job, { type: 'delete_requested', by });
    if (r.ok) {
      this.d.cluster.send(job.row.node!, {
        t: 'signal',
        jobId: job.id,
        attempt: job.row.attempt,
        signal: 'SIGTERM',
        reason: 'delete',
      });
    }
    return r;
  }

  /** A finished job's (or array's) record goes. */
  private purge(job: StoredJob): Result<unknown> {
    purgeJob(this.d.store, job);
    return ok(undefined);
  }

  /**
   * qrerun: a running job is killed (SIGTERM, then SIGKILL) and its exit puts it back in the
   * queue; on a node that is down, fencing does the same.
   */
  rerun(operands: string[], who: Requester): OperandResult[] {
    const by = byOf(who);
    return this.each(
      operands,
      (job) => mayControl(who, job.owner),
      ({ job }) => {
        if (job.kind === 'array') return refuse('INVALID_REQUEST', 'Invalid request');
        if (job.row.state === 'F') return refuse('JOB_FINISHED', 'Job has finished');
        if (job.row.state !== 'R') return refuse('BAD_STATE', 'Request invalid for state of job');
        if (!job.spec.rerunable) return refuse('BAD_STATE', 'Job is not rerunnable');
        if (job.row.rerunRequestedBy) return ok(undefined);
        const r = requestRerun(this.d.store, job, by, this.now());
        if (r.ok) this.d.cluster.send(r.value.node, r.value.message);
        return r;
      },
    );
  }

  alter(operands: string[], alteration: Alteration, who: Requester): OperandResult[] {
    const by = byOf(who);
    // a hold set or released by qalter -h follows qhold's rules
    const holds = alteration.hold === undefined || alteration.hold === 'n' ? 'u' : alteration.hold;
    return this.each(
      operands,
      (job) => mayControl(who, job.owner) && mayHold(who, job.owner, holds),
      (found) => {
        const job = this.whole(found);
        return job.ok ? this.alterOne(job.value, alteration, by) : job;
      },
    );
  }

  private alterOne(job: StoredJob, a: Alteration, by: string): Result<unknown> {
    const ctx = {
      store: this.d.store,
      server: this.d.server,
      nodes: () => this.d.cluster.schedNodes(),
      now: this.now(),
      apply: (j: StoredJob, e: JobEventInput) => this.apply(j, e),
    };
    return alterJob(ctx, job, a, by);
  }
}
