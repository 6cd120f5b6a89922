// `qsub -W block=true` waits here for its job to end: one request holds until the job is F or a
// few seconds have passed (the command asks again), woken by a lifecycle hook once the transition
// to F has committed. Nothing is kept but the open requests, so a head that restarts loses
// nothing: the command asks the new one, which answers from the database. How the job ended is
// what PBS's server tells a blocking qsub (OpenPBS's check_block): a deletion's message, else
// the job's Exit_status.
import { ok, type Result, refuse } from '../../core/errors.js';
import { SUBSTATE } from '../../core/lifecycle/states.js';
import { mayQuery, type Requester, UNAUTHORIZED } from '../../core/policy/permissions.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';
import type { JobHooks } from './lifecycle-hooks.js';

/** What a waiting command hears: not yet, or how its job ended. */
export interface WaitAnswer {
  ended: boolean;
  exitStatus?: number;
  /** the job was deleted: why (PBS's qsub prints it and exits 3) */
  message?: string;
}

/** The longest a request may be held (seconds). */
export const MAX_HOLD = 60;

const deletedAtRequest = (by: string) => `Job to be deleted at request of ${by}`;

/** Who deleted a job, as PBS words it, or undefined when it was not deleted. */
function deletion(store: Store, job: StoredJob): string | undefined {
  if (job.kind === 'array') {
    if (job.row.substate !== SUBSTATE.terminated) return undefined;
    const first = store.jobs.subjobs(job.seq).find((s) => s.row.substate === SUBSTATE.terminated);
    return first ? deletion(store, first) : undefined;
  }
  if (job.row.deleteRequestedBy) return deletedAtRequest(job.row.deleteRequestedBy);
  const deleted = store.events
    .forJob(job.seq)
    .reverse()
    .find((e) => e.type === 'deleted');
  if (deleted?.type !== 'deleted') return undefined;
  return deleted.reason ?? deletedAtRequest(deleted.by);
}

function outcome(store: Store, job: StoredJob): WaitAnswer {
  if (job.row.state !== 'F') return { ended: false };
  const message = deletion(store, job);
  if (message) return { ended: true, message };
  return { ended: true, exitStatus: job.row.exitStatus ?? 0 };
}

export class JobWaits {
  /** the requests waiting for each job: how to wake them */
  private readonly waiters = new Map<number, Set<(answer?: WaitAnswer) => void>>();

  constructor(private readonly store: Store) {}

  /** The lifecycle hook: a job that became F wakes its waiters once that is committed. */
  feature(): JobHooks {
    return {
      name: 'waits',
      transitioned: (store, job, _event, row) => {
        if (row.state !== 'F' || !this.waiters.has(job.seq)) return;
        // the answer as the job ended, in case its record is gone by the time it is read (qdel -x)
        const ended = store.jobs.get(job.seq);
        const answer = ended ? outcome(store, ended) : undefined;
        store.afterCommit(() => this.wake(job.seq, answer));
      },
    };
  }

  /** Requests waiting now. */
  get waiting(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  /** How job `id` ended, once it has or after `holdMs` (or when `stop` aborts) at the latest. */
  async wait(id: string, who: Requester, holdMs: number, stop: AbortSignal): Promise<Result<WaitAnswer>> {
    const job = this.store.jobs.byId(id);
    if (!job) return refuse('UNKNOWN_JOB', `Unknown Job Id ${id}`);
    if (!mayQuery(who, job.owner, this.store.meta.settings()))
      return refuse('UNAUTHORIZED', `${UNAUTHORIZED} ${id}`);
    const woken =
      job.row.state !== 'F' && holdMs > 0 && !stop.aborted
        ? await this.until(job.seq, holdMs, stop)
        : undefined;
    const now = this.store.jobs.get(job.seq);
    if (now) return ok(outcome(this.store, now));
    return woken ? ok(woken) : refuse('UNKNOWN_JOB', `Unknown Job Id ${id}`);
  }

  /** Until the job ends (with the answer its end gave), `holdMs` pass or `stop` aborts. */
  private until(seq: number, holdMs: number, stop: AbortSignal): Promise<WaitAnswer | undefined> {
    return new Promise((resolve) => {
      const set = this.waiters.get(seq) ?? new Set<(answer?: WaitAnswer) => void>();
      this.waiters.set(seq, set);
      const done = (answer?: WaitAnswer) => {
        clearTimeout(timer);
        stop.removeEventListener('abort', aborted);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(seq) === set) this.waiters.delete(seq);
        resolve(answer);
      };
      const aborted = () => done();
      const timer = setTimeout(done, holdMs);
      stop.addEventListener('abort', aborted, { once: true });
      set.add(done);
    });
  }

  private wake(seq: number, answer?: WaitAnswer): void {
    for (const done of [...(this.waiters.get(seq) ?? [])]) done(answer);
  }
}
