// Recurring jobs at the head: `qsub --cron` stores a template; every tick submits an ordinary
// job from it (with PBS_CRON_ID). The next tick is always computed from the present, so ticks
// missed while the head was down run once, not once each.

import { ok, type Result, refuse } from '../../core/errors.js';
import type { JobSpec } from '../../core/job-spec-types.js';
import { cronId, nextTick } from '../../core/pbs/cron-schedule.js';
import type { Store } from '../db/store.js';
import { type SubmitContext, submitJob } from './submit-job.js';

const seconds = (ms: number) => Math.floor(ms / 1000);

/** Store the template of a --cron submission; its first tick is the next one from now. */
export function submitCron(ctx: SubmitContext, spec: JobSpec): Result<{ id: string; seq: number }> {
  const { store } = ctx;
  const schedule = spec.cron!;
  const now = seconds(ctx.now ?? Date.now());
  const next = nextTick(schedule, now);
  if (!next.ok) return next;
  const queue = store.queues.get(spec.queue ?? store.meta.get('default_queue') ?? '');
  if (!queue) return refuse('UNKNOWN_QUEUE', 'Unknown queue');
  const owner = ctx.owner ?? `${spec.user}@${spec.submitHost}`;
  const admitted = ctx.admit?.(owner, spec, 0);
  if (admitted && !admitted.ok) return admitted;
  const { cron: _, ...template } = spec;
  return ok(
    store.transaction(() => {
      const seq = store.meta.nextSeq();
      const id = cronId(seq, ctx.server);
      store.crons.insert({
        seq,
        id,
        owner,
        name: spec.name,
        schedule,
        spec: template,
        nextAt: next.value,
        created: now,
      });
      return { id, seq };
    }),
  );
}

/** Submit a job for every template whose tick has come; returns how many were submitted. */
export function fireDueCrons(ctx: SubmitContext, onRefusal: (id: string, message: string) => void): number {
  const { store } = ctx;
  const now = seconds(ctx.now ?? Date.now());
  let submitted = 0;
  for (const cron of store.crons.due(now)) {
    const spec = {
      ...cron.spec,
      variables: [...cron.spec.variables.filter(([k]) => k !== 'PBS_CRON_ID'), ['PBS_CRON_ID', cron.id]],
    } as JobSpec;
    const r = submitJob({ ...ctx, owner: cron.owner }, spec);
    if (!r.ok) onRefusal(cron.id, r.error.message);
    else submitted += 1;
    const next = nextTick(cron.schedule, now);
    store.crons.ticked(
      cron.seq,
      next.ok ? next.value : Number.MAX_SAFE_INTEGER,
      now,
      r.ok ? r.value.id : undefined,
    );
  }
  return submitted;
}

/** `qdel C12`: the template goes; jobs it already submitted stay. */
export function deleteCron(store: Store, seq: number, server: string): Result<void> {
  if (!store.crons.get(seq)) return refuse('UNKNOWN_JOB', `Unknown Job Id ${cronId(seq, server)}`);
  store.crons.remove(seq);
  return ok(undefined);
}
