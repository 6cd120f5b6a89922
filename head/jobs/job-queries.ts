// qstat, qselect and tracejob: jobs as records, by operand or all of them, the ids of those that
// pass qselect's tests, and a job's history; what each requester may see follows query_other_jobs.
import { ok, type Result, refuse } from '../../core/errors.js';
import type { TimedEvent } from '../../core/lifecycle/job-events.js';
import { compileTests, type SelectTest } from '../../core/pbs/select-criteria.js';
import { mayQuery, type Requester, UNAUTHORIZED } from '../../core/policy/permissions.js';
import type { JobRecord } from '../../core/record-types.js';
import type { StoredJob } from '../db/jobs-table.js';
import { arraySummary, selectSubjobs } from './arrays.js';
import { dependOf } from './dependencies.js';
import { idOf, JobOperands, type OperandResult } from './job-operands.js';
import { toJobRecord } from './job-records.js';

const unknown = (id: string) => ({ code: 'UNKNOWN_JOB' as const, message: `Unknown Job Id ${id}` });

export class JobQueries extends JobOperands {
  private record(job: StoredJob, brief: boolean): JobRecord {
    const summary = job.kind === 'array' ? arraySummary(this.d.store, job) : undefined;
    const record = toJobRecord(job, this.d.server, brief, summary);
    // the depend attribute is the job's edges as they are now, both ways (tables do not show it)
    const depend = brief ? undefined : dependOf(this.d.store, job, this.d.server);
    if (depend === undefined) delete record.spec.depend;
    else record.spec.depend = depend;
    return record;
  }

  /** The Torque compatibility mode, when the head runs in it (qstat's output follows). */
  compat(): { torque?: { keepCompleted: number } } {
    if (this.d.store.meta.get('compat') !== 'torque') return {};
    return { torque: { keepCompleted: Number(this.d.store.meta.get('keep_completed') ?? 300) } };
  }

  /**
   * Jobs by operand, or all of them; `brief` leaves out Variable_List (tables do not show it).
   * Subjobs are listed only with `subjobs` (qstat -t): after their array, or for a range.
   */
  query(
    who: Requester,
    operands: string[] | undefined,
    history: boolean,
    brief = false,
    subjobs = false,
  ): { jobs: JobRecord[]; results: OperandResult[]; torque?: { keepCompleted: number } } {
    const visible = this.visibleTo(who);
    if (!operands) return this.all(visible, history, brief, subjobs);
    const jobs: JobRecord[] = [];
    const results = operands.map((operand): OperandResult => {
      const found = this.find(operand);
      if (!found.ok) return { operand, ...idOf(operand, this.d.server), error: found.error };
      const { job, array } = found.value;
      if (!visible(job)) return { operand, id: found.value.id, error: this.denied().error };
      if (array?.kind === 'range') {
        const picked = selectSubjobs(this.d.store, job, array);
        if (picked.length === 0) return { operand, id: found.value.id, error: unknown(found.value.id) };
        jobs.push(...picked.map((j) => this.record(j, brief)));
        return { operand, id: found.value.id, ids: picked.map((j) => j.id) };
      }
      jobs.push(this.record(job, brief));
      if (!subjobs || job.kind !== 'array') return { operand, id: found.value.id };
      const under = this.d.store.jobs.subjobs(job.seq);
      jobs.push(...under.map((j) => this.record(j, brief)));
      return { operand, id: found.value.id, ids: [job.id, ...under.map((j) => j.id)] };
    });
    return { ...this.compat(), jobs, results };
  }

  private visibleTo(who: Requester): (j: StoredJob) => boolean {
    const settings = this.d.store.meta.settings();
    return (j) => mayQuery(who, j.owner, settings);
  }

  /**
   * qselect: the ids of the jobs the requester may see that pass every test, finished ones only
   * with `history`. With `subjobs` an array stands for its subjobs: the state tests pass or fail
   * each subjob, the others the array (PBS).
   */
  select(who: Requester, tests: SelectTest[], history: boolean, subjobs: boolean): Result<string[]> {
    const isState = (t: SelectTest) => t.attr === 'state';
    const own = compileTests(subjobs ? tests.filter((t) => !isState(t)) : tests);
    const states = compileTests(subjobs ? tests.filter(isState) : []);
    if (!own.ok) return own;
    if (!states.ok) return states;
    const queue = tests.find((t) => t.attr === 'queue');
    if (queue && !this.d.store.queues.get(queue.value)) return refuse('UNKNOWN_QUEUE', 'Unknown queue queue');
    const passes = (j: StoredJob, test: (r: JobRecord) => boolean) =>
      test(toJobRecord(j, this.d.server, true));
    const ids: string[] = [];
    for (const job of this.d.store.jobs.list(history).filter(this.visibleTo(who))) {
      if (!passes(job, own.value)) continue;
      const each = subjobs && job.kind === 'array' ? this.d.store.jobs.subjobs(job.seq) : [job];
      for (const j of each) if (passes(j, states.value)) ids.push(j.id);
    }
    return ok(ids);
  }

  /** Every job the requester may see (in Torque mode, recently finished ones too). */
  private all(visible: (j: StoredJob) => boolean, history: boolean, brief: boolean, subjobs: boolean) {
    const mode = this.compat();
    const listed = this.d.store.jobs.list(history, subjobs).filter(visible);
    if (mode.torque && !history) {
      const since = Math.floor(this.now() / 1000) - mode.torque.keepCompleted;
      listed.push(...this.d.store.jobs.finishedSince(since));
    }
    // subjobs (internal seqs) follow their array
    const order = (j: StoredJob) => [j.arrayParent ?? j.seq, j.arrayIndex ?? -1] as const;
    listed.sort((a, b) => order(a)[0] - order(b)[0] || order(a)[1] - order(b)[1]);
    return { ...mode, jobs: listed.map((j) => this.record(j, brief)), results: [] };
  }

  trace(operand: string, who: Requester): Result<{ job: JobRecord; events: TimedEvent[] }> {
    const found = this.find(operand);
    if (!found.ok) return found;
    if (!mayQuery(who, found.value.job.owner, this.d.store.meta.settings()))
      return refuse('UNAUTHORIZED', `${UNAUTHORIZED} ${found.value.id}`);
    return ok({
      job: this.record(found.value.job, false),
      events: this.d.store.events.forJob(found.value.job.seq),
    });
  }
}
