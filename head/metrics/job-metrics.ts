// The job lifecycle's metrics, plugged in as a feature (head/features.ts): each transition
// increments a counter or observes a histogram once its transaction has committed
// (head/db/after-commit.ts). The hot path is a counter increment and a map entry per running
// attempt; nothing here reads the database.

import { Counter, Histogram, type Registry } from 'prom-client';
import { ok } from '../../core/errors.js';
import type { JobRow, TimedEvent } from '../../core/lifecycle/job-events.js';
import { PREEMPT_WORDS } from '../../core/scheduling/preempt-order.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';
import type { JobHooks } from '../jobs/lifecycle-hooks.js';
import { EXIT_CLASSES, exitClass } from './exit-class.js';

const MINUTE = 60;
const HOUR = 3600;
/** seconds: from one second to a week */
const LONG_BUCKETS = [
  1,
  5,
  15,
  MINUTE,
  5 * MINUTE,
  15 * MINUTE,
  HOUR,
  4 * HOUR,
  12 * HOUR,
  24 * HOUR,
  72 * HOUR,
  168 * HOUR,
];
/** seconds: a head's decision to an agent's answer */
const SHORT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** bytes: 1 kB to 100 GB */
const SIZE_BUCKETS = [1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11];

export class JobMetrics {
  readonly submitted: Counter<'queue'>;
  readonly started: Counter;
  readonly ended: Counter<'exit_class'>;
  readonly preempted: Counter<'method'>;
  readonly wait: Histogram;
  readonly run: Histogram;
  readonly dispatch: Histogram;
  readonly checkpointBytes: Histogram;
  /** running attempts: when the head decided to run them (performance.now()) */
  private readonly runAt = new Map<number, number>();
  /** started attempts: when their agent started them (its clock, epoch ms) */
  private readonly startedAt = new Map<number, number>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.submitted = new Counter({
      name: 'drover_jobs_submitted_total',
      help: 'Submissions stored (an array is one), by queue',
      labelNames: ['queue'],
      registers,
    });
    this.started = new Counter({
      name: 'drover_jobs_started_total',
      help: "Attempts started (the agent's started fact)",
      registers,
    });
    this.ended = new Counter({
      name: 'drover_jobs_ended_total',
      help: 'Jobs that ended (became F), by how; attempts sent back to the queue as requeued',
      labelNames: ['exit_class'],
      registers,
    });
    for (const c of EXIT_CLASSES) this.ended.inc({ exit_class: c }, 0);
    this.preempted = new Counter({
      name: 'drover_jobs_preempted_total',
      help: 'Running jobs the scheduler preempted for an express queue, by method (suspension, checkpointing, requeuing)',
      labelNames: ['method'],
      registers,
    });
    for (const m of Object.values(PREEMPT_WORDS)) this.preempted.inc({ method: m }, 0);
    this.wait = new Histogram({
      name: 'drover_job_wait_seconds',
      help: "From a job's qtime to the head's decision to run an attempt (whole-second qtime)",
      buckets: LONG_BUCKETS,
      registers,
    });
    this.run = new Histogram({
      name: 'drover_job_run_seconds',
      help: "From an attempt's start to its exit, by its agent's clock",
      buckets: LONG_BUCKETS,
      registers,
    });
    this.dispatch = new Histogram({
      name: 'drover_dispatch_latency_seconds',
      help: "From the head's decision to run an attempt to the head recording its agent's started fact",
      buckets: SHORT_BUCKETS,
      registers,
    });
    this.checkpointBytes = new Histogram({
      name: 'drover_checkpoint_bytes',
      help: 'Sizes of the checkpoints the head stored',
      buckets: SIZE_BUCKETS,
      registers,
    });
  }

  /** The lifecycle feature: submissions through `plan`, the rest through `transitioned`. */
  feature(): JobHooks {
    return {
      name: 'metrics',
      plan: (store) =>
        ok({ record: (job) => store.afterCommit(() => this.submitted.inc({ queue: job.queue })) }),
      transitioned: (store, job, event, row) => this.transitioned(store, job, event, row),
    };
  }

  private transitioned(store: Store, job: StoredJob, event: TimedEvent, row: JobRow): void {
    const seq = job.seq;
    const after = (fn: () => void) => store.afterCommit(fn);
    switch (event.type) {
      case 'run': {
        const decided = performance.now();
        const waited = (event.at - row.qtime * 1000) / 1000;
        after(() => {
          this.runAt.set(seq, decided);
          this.wait.observe(Math.max(0, waited));
        });
        break;
      }
      case 'started': {
        const recorded = performance.now();
        after(() => this.attemptStarted(seq, event.at, recorded));
        break;
      }
      case 'exited':
        after(() => this.attemptExited(seq, event.at, event.usage?.walltime));
        break;
      case 'checkpointed':
        after(() => this.checkpointBytes.observe(event.size));
        break;
      case 'requeued':
        after(() => this.attemptEnded(seq, 'requeued'));
        break;
      case 'preempted':
        after(() => this.preempted.inc({ method: PREEMPT_WORDS[event.method] }));
        break;
    }
    if (row.state === 'F' && job.row.state !== 'F' && !row.isArray) {
      const how = exitClass(event.type, row);
      after(() => this.attemptEnded(seq, how));
    }
  }

  private attemptStarted(seq: number, at: number, recorded: number): void {
    this.started.inc();
    this.startedAt.set(seq, at);
    const decided = this.runAt.get(seq);
    this.runAt.delete(seq);
    if (decided !== undefined) this.dispatch.observe((recorded - decided) / 1000);
  }

  /** `walltime`: the agent's own count, for an attempt started before this head did. */
  private attemptExited(seq: number, at: number, walltime: number | undefined): void {
    const started = this.startedAt.get(seq);
    this.startedAt.delete(seq);
    if (started !== undefined) this.run.observe(Math.max(0, (at - started) / 1000));
    else if (walltime !== undefined) this.run.observe(walltime);
  }

  private attemptEnded(seq: number, how: (typeof EXIT_CLASSES)[number]): void {
    this.ended.inc({ exit_class: how });
    this.runAt.delete(seq);
    this.startedAt.delete(seq);
  }

  /** How many attempts the maps follow (bounded by the running jobs). */
  followed(): number {
    return this.runAt.size + this.startedAt.size;
  }
}
