// Submission: a job or a recurring template (qsub --cron) owned by the requester, the jobs of the
// templates whose tick has come, and the templates as qstat --cron lists them.
import { ok, type Result } from '../../core/errors.js';
import type { JobSpec } from '../../core/job-spec-types.js';
import { mayQuery, type Requester } from '../../core/policy/permissions.js';
import type { CronRecord } from '../../core/record-types.js';
import { admit } from './admission.js';
import { fireDueCrons, submitCron } from './cron-jobs.js';
import { JobOperands } from './job-operands.js';
import { submitJob } from './submit-job.js';

export class Submissions extends JobOperands {
  private submitContext() {
    return {
      store: this.d.store,
      server: this.d.server,
      nodes: () => this.d.cluster.schedNodes(),
      now: this.now(),
    };
  }

  /**
   * Store a job (or a --cron template) owned by the requester, whatever user the body names; with
   * a group commit, resolves once it is durable. With a request id, a submission the same user
   * already made under that id answers its job, and a new one records the id in its transaction
   * (keyed by the user's name: two heads may name the host of one client differently).
   */
  async submit(asked: JobSpec, who: Requester, requestId?: string): Promise<Result<{ id: string }>> {
    const spec = { ...asked, user: who.user };
    const ctx = {
      ...this.submitContext(),
      owner: `${who.user}@${who.host}`,
      admit: (owner: string, s: JobSpec, jobs: number) => admit(this.d.store, owner, s, jobs, who.uid),
    };
    const { store } = this.d;
    const work = (): Result<{ id: string }> =>
      store.transaction(() => {
        const seen = requestId === undefined ? undefined : store.requests.find(who.user, requestId);
        if (seen !== undefined) return ok({ id: seen });
        const r = (spec.cron ? submitCron : submitJob)(ctx, spec);
        if (r.ok && requestId !== undefined) store.requests.record(who.user, requestId, r.value.id, ctx.now);
        return r;
      });
    const r = this.d.group ? await this.d.group.run(work) : work();
    if (r.ok) this.d.dispatcher.poke();
    return r;
  }

  /** Submit the jobs of the recurring templates whose tick has come (the head's 1 s timer). */
  fireCrons(onRefusal: (id: string, message: string) => void): void {
    const ctx = {
      ...this.submitContext(),
      admit: (owner: string, s: JobSpec, jobs: number) => admit(this.d.store, owner, s, jobs),
    };
    const n = this.d.store.transaction(() => fireDueCrons(ctx, onRefusal));
    if (n > 0) this.d.dispatcher.poke();
  }

  crons(who: Requester): CronRecord[] {
    const settings = this.d.store.meta.settings();
    return this.d.store.crons
      .all()
      .filter((c) => mayQuery(who, c.owner, settings))
      .map(({ seq: _, spec: __, ...record }) => record);
  }
}
