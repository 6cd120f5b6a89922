// Interactive jobs (`qsub -I`) as a lifecycle feature: a submission that is also an array, a
// recurring template, a farm or a service is refused, none is rerunnable or checkpointed, and the qsub waiting on a job hears of its
// end (its attempt exited, or it was deleted or failed before that) once the end is committed
// (head/agent-link/terminals.ts).
import { ok, refuse } from '../../core/errors.js';
import type { JobHooks } from './lifecycle-hooks.js';

/** Who is told that an interactive job ended, with its Exit_status when its attempt exited. */
export interface InteractiveEnds {
  ended(jobId: string, status?: number): void;
}

export function interactiveFeature(ends: InteractiveEnds): JobHooks {
  return {
    name: 'interactive',
    // as PBS, an interactive job is never run again (its terminal is qsub's): not rerunnable and
    // not checkpointed, whatever the request said, so neither qhold nor preemption requeues it
    prepare(spec) {
      if (!spec.interactive) return ok(spec);
      return ok({ ...spec, rerunable: false, checkpoint: 'n' });
    },
    plan(_store, spec) {
      if (!spec.interactive) return ok(undefined);
      if (spec.array) return refuse('USAGE', 'interactive and array job submission cannot be used together');
      if (spec.cron !== undefined) return refuse('USAGE', 'an interactive job cannot be recurring (--cron)');
      if (spec.farm || spec.service)
        return refuse('USAGE', 'an interactive job runs a shell, not frames or a service');
      return ok(undefined);
    },
    transitioned(store, job, event) {
      if (!job.spec.interactive) return;
      if (event.type === 'exited') store.afterCommit(() => ends.ended(job.id, event.status));
      else if (event.type === 'deleted' || event.type === 'failed')
        store.afterCommit(() => ends.ended(job.id));
    },
  };
}
