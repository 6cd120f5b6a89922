// Preemption in each scheduling pass, after the placements (inside the pass's transaction): the
// first job of each express queue that did not fit (head/scheduling/preemptors.ts) takes the
// resources of running jobs of the other queues, as OpenPBS's scheduler does with
// `preemptive_sched: true ALL`. core/scheduling/preemption.ts chooses the victims; here each one
// is preempted with the first method of preempt_order that applies to it:
// - C: checkpointed, then stopped and requeued once its checkpoint is safe (as qhold does it,
//   head/jobs/job-operands.ts); it resumes from the checkpoint when it runs again;
// - R: killed and requeued (as qrerun does it, head/jobs/job-control.ts);
// - S: suspended (as qsig -s suspend does it, head/jobs/suspension.ts): its resources are free at
//   once; it waits, stopped, until its preemptor has left the queue, then resumes (at once if its
//   slots are free, else before any other job takes them once they are: substate 45;
//   head/scheduling/suspended-victims.ts).
// The victims' resources go to the preemptor: it is considered first in the pass that follows
// their release. A checkpoint that does not come within CHECKPOINT_WAIT_MS gives way to the
// job's next method. The messages to the nodes go out after the pass's commit (`send`).
import type { Logger } from 'pino';
import { checkpointPolicy } from '../../core/lifecycle/checkpoint-policy.js';
import type { ServerSettings } from '../../core/policy/server-settings.js';
import type { HeadMessage } from '../../core/protocol/agent-protocol.js';
import { isExclusive } from '../../core/scheduling/placement.js';
import { type PreemptMethod, parsePreemptOrder } from '../../core/scheduling/preempt-order.js';
import { choosePreemptions, type RunningJob, type Victim } from '../../core/scheduling/preemption.js';
import type { SchedQueue } from '../../core/scheduling/queue-limits.js';
import type { SchedJob } from '../../core/scheduling/scheduler.js';
import type { Checkpoints } from '../agent-link/checkpoint-store.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';
import { checkpointStop, requestRerun } from '../jobs/job-stops.js';
import { suspendJob } from '../jobs/suspension.js';
import { transition } from '../jobs/transitions.js';
import type { Cluster } from '../nodes/cluster.js';
import { expressPreemptors } from './preemptors.js';
import { BY, SuspendedVictims } from './suspended-victims.js';

/** How long a checkpoint may take before the job's next method is tried. */
export const CHECKPOINT_WAIT_MS = 60_000;

/** A victim whose preemption is under way. */
interface Underway {
  attempt: number;
  method: PreemptMethod;
  /** the methods left to try if this one fails */
  rest: PreemptMethod[];
  /** for whom (job id) */
  for: string;
  at: number;
}

export class Preemptions {
  private readonly underway = new Map<number, Underway>();
  /** attempts none of whose methods worked: not preempted again (seq → attempt) */
  private readonly spared = new Map<number, number>();
  private readonly suspended: SuspendedVictims;

  constructor(
    private readonly store: Store,
    private readonly cluster: Cluster,
    private readonly log: Logger,
    private readonly checkpoints?: Checkpoints,
    /** ask for another pass (a suspension frees resources at once) */
    private readonly poke: () => void = () => undefined,
  ) {
    this.suspended = new SuspendedVictims(store, cluster, log);
  }

  /** At the start of a pass: suspended victims whose preemptor has left the queue resume. */
  resumeFreed(now: number, send: (node: string, m: HeadMessage) => void): void {
    this.suspended.resumeFreed(now, send);
  }

  /**
   * After a pass's placements: `jobs` the pass read, `waiting` those it could not place, in the
   * order it considered them, `queues` with what runs now (read only when needed).
   */
  pass(
    now: number,
    jobs: SchedJob[],
    waiting: { seq: number }[],
    queues: () => SchedQueue[],
    send: (node: string, m: HeadMessage) => void,
  ): void {
    try {
      if (this.underway.size > 0) this.follow(now, send);
      const settings = this.store.meta.settings();
      if (settings.preemptiveSched && waiting.length > 0)
        this.preemptFor(settings, now, jobs, waiting, queues(), send);
    } catch (e) {
      // a preemption that cannot be recorded must not cost the pass its placements
      this.log.error({ err: e }, 'preemption failed');
    }
  }

  private preemptFor(
    settings: ServerSettings,
    now: number,
    jobs: SchedJob[],
    waiting: { seq: number }[],
    queues: SchedQueue[],
    send: (node: string, m: HeadMessage) => void,
  ): void {
    const preemptors = expressPreemptors(
      this.store,
      Math.floor(now / 1000),
      jobs,
      waiting,
      queues,
      settings.preemptQueuePrio,
    );
    if (preemptors.length === 0) return;
    const order = parsePreemptOrder(settings.preemptOrder);
    if (!order.ok) return;
    const priority = new Map(queues.map((q) => [q.name, q.priority]));
    const running = this.store.jobs.inState('R');
    const byId = new Map(running.map((j) => [j.seq, j]));
    for (const seq of this.spared.keys()) if (!byId.has(seq)) this.spared.delete(seq);
    const decisions = choosePreemptions({
      now: Math.floor(now / 1000),
      nodes: this.cluster.schedNodes(),
      running: running.flatMap((j) => this.runningJob(j, priority)),
      preemptors,
      order: order.value,
      expressPriority: settings.preemptQueuePrio,
      canSuspend: true,
    });
    for (const d of decisions) {
      if (d.kind !== 'preempt') continue;
      const p = preemptors.find((x) => x.seq === d.seq)!;
      for (const v of d.victims) this.preempt(byId.get(v.seq)!, v, p.id, now, send);
    }
  }

  /** A running job as the choice sees it; none for one that has not started yet. */
  private runningJob(job: StoredJob, priority: Map<string, number>): RunningJob[] {
    // a suspended job's resources are free already
    if (job.row.sessionId === undefined || job.row.node === undefined || job.row.suspendedAt !== undefined)
      return [];
    const spared = this.spared.get(job.seq);
    if (spared !== undefined && spared !== job.row.attempt) this.spared.delete(job.seq);
    else if (spared !== undefined) return [];
    const leaving =
      job.row.deleteRequestedBy !== undefined ||
      job.row.rerunRequestedBy !== undefined ||
      this.underway.has(job.seq) ||
      (this.checkpoints?.stops.has(job.id) ?? false);
    const walltime = job.row.resources.walltime;
    return [
      {
        seq: job.seq,
        id: job.id,
        slots: this.store.allocations.ofJob(job.seq),
        exclusive: isExclusive(job.row.resources),
        queuePriority: priority.get(job.queue) ?? 0,
        checkpointable:
          !job.spec.interactive &&
          this.checkpoints !== undefined &&
          checkpointPolicy(job.spec.checkpoint) !== undefined,
        rerunnable: job.spec.rerunable && !job.spec.interactive,
        ...(job.row.stime !== undefined ? { stime: job.row.stime } : {}),
        ...(walltime !== undefined ? { walltime } : {}),
        ...(leaving ? { leaving } : {}),
      },
    ];
  }

  /** Preempt one victim with the first of its methods that can be started. */
  private preempt(
    job: StoredJob,
    v: Victim,
    preemptor: string,
    now: number,
    send: (node: string, m: HeadMessage) => void,
  ): void {
    const methods = [...v.methods];
    for (let method = methods.shift(); method !== undefined; method = methods.shift()) {
      if (this.start(job, method, preemptor, now, send)) {
        this.log.info({ job: job.id, for: preemptor, method }, 'job preempted');
        if (method === 'S') return;
        this.underway.set(job.seq, {
          attempt: job.row.attempt,
          method,
          rest: methods,
          for: preemptor,
          at: now,
        });
        return;
      }
    }
    this.spared.set(job.seq, job.row.attempt);
  }

  /** Record the preemption and start it; false when the method cannot be used on the job. */
  private start(
    job: StoredJob,
    method: PreemptMethod,
    preemptor: string,
    now: number,
    send: (node: string, m: HeadMessage) => void,
  ): boolean {
    const current = this.store.jobs.get(job.seq);
    if (current?.row.state !== 'R' || current.row.attempt !== job.row.attempt) return false;
    if (method === 'C' && !(this.checkpoints && checkpointPolicy(current.spec.checkpoint))) return false;
    if (method === 'R' && !current.spec.rerunable) return false;
    if (method === 'S') return this.suspend(current, preemptor, now, send);
    const event = { type: 'preempted' as const, attempt: current.row.attempt, method, for: preemptor };
    if (!transition(this.store, job.seq, event, now).ok) return false;
    if (method === 'C') {
      send(current.row.node!, checkpointStop(this.checkpoints, current, BY)!);
      return true;
    }
    const r = requestRerun(this.store, current, BY, now);
    if (r.ok) send(r.value.node, r.value.message);
    return r.ok;
  }

  /** S: the job stopped and its resources free now; another pass gives them to the preemptor. */
  private suspend(
    job: StoredJob,
    preemptor: string,
    now: number,
    send: (node: string, m: HeadMessage) => void,
  ): boolean {
    const how = { by: BY, reason: `to make room for ${preemptor}` };
    const r = suspendJob({ store: this.store, cluster: this.cluster, send }, job.id, how, now);
    if (!r.ok) return false;
    const event = {
      type: 'preempted' as const,
      attempt: job.row.attempt,
      method: 'S' as const,
      for: preemptor,
    };
    transition(this.store, job.seq, event, now);
    this.suspended.add(job.seq, preemptor);
    this.poke();
    return true;
  }

  /**
   * Follow the preemptions under way: done once the attempt has ended; a checkpoint that has
   * not come in time gives way to the job's next method.
   */
  private follow(now: number, send: (node: string, m: HeadMessage) => void): void {
    for (const [seq, u] of this.underway) {
      const job = this.store.jobs.get(seq);
      if (job?.row.state !== 'R' || job.row.attempt !== u.attempt) {
        this.underway.delete(seq);
        continue;
      }
      // the pass that started it did not commit: it never happened
      if (job.row.preempted?.method !== u.method || (u.method === 'R' && !job.row.rerunRequestedBy)) {
        this.underway.delete(seq);
        if (u.method === 'C') this.checkpoints?.stops.delete(job.id);
        continue;
      }
      if (u.method !== 'C' || job.row.rerunRequestedBy !== undefined || now - u.at < CHECKPOINT_WAIT_MS)
        continue;
      this.underway.delete(seq);
      this.checkpoints?.stops.delete(job.id);
      this.log.warn({ job: job.id, for: u.for }, 'no checkpoint in time for the preemption');
      this.preempt(job, { seq, id: job.id, methods: u.rest }, u.for, now, send);
    }
  }
}
