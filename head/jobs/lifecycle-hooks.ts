// The job lifecycle's extension points. The generic path (submission, transitions, the pending
// queue, agent facts) knows no feature: arrays, dependencies and the render farm register hooks
// here once, at start-up (head/features.ts), the way a job manager takes plugins. A hook runs
// inside the transaction of the work that called it; a hook that throws rolls that work back.

import type { Result } from '../../core/errors.js';
import type { JobSpec } from '../../core/job-spec-types.js';
import type { JobEvent, JobRow, TimedEvent } from '../../core/lifecycle/job-events.js';
import type { AgentMessage } from '../../core/protocol/agent-protocol.js';
import type { SchedJob } from '../../core/scheduling/scheduler.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';

/** A job just stored by a submission (its spec as stored, without the script). */
export interface NewJob {
  seq: number;
  id: string;
  owner: string;
  queue: string;
  spec: JobSpec;
}

/** What one feature makes of a submission it has checked. */
export interface SubmitPlan {
  /** the submission is an array: its id ends in `[]` and it counts as `jobs` for max_queued */
  array?: { jobs: number };
  /** how the feature's part of the spec is stored (e.g. a dependency list with full ids) */
  stored?: Partial<JobSpec>;
  /** inside the submission's transaction, after the job's row and `queued` event */
  record?: (job: NewJob, at: number) => void;
}

/** Changes another job from inside a hook (the one way a job changes, head/jobs/transitions.ts). */
export type Apply = (seq: number, event: JobEvent, at: number) => void;

/** An attempt of a running job that ended with a status. */
export interface AttemptEnd {
  node: string;
  status: number;
  reason?: string;
  at: number;
}

export interface JobHooks {
  name: string;
  /** the spec as submitted → the spec the head checks and stores (before anything else) */
  prepare?(spec: JobSpec): Result<JobSpec>;
  /** may a job of `spec` enter `spec.queue` (a submission, or a qmove into it) */
  entering?(store: Store, spec: JobSpec): Result<unknown>;
  /** check a submission against the store; what to record once it is admitted */
  plan?(store: Store, spec: JobSpec, server: string): Result<SubmitPlan | undefined>;
  /** after every transition of a job, its event stored and its new row written */
  transitioned?(store: Store, job: StoredJob, event: TimedEvent, row: JobRow, apply: Apply): void;
  /** a running attempt exited: true when the feature took the job over (e.g. requeued it) */
  exited?(store: Store, job: StoredJob, end: AttemptEnd): boolean;
  /** the job finished (its output delivered) */
  finished?(store: Store, job: StoredJob): void;
  /** the finished job's history is deleted (qdel -x): forget the feature's own rows of it */
  purged?(store: Store, job: StoredJob): void;
  /** jobs of an array that are not alike: how many more of each the pending queue reads */
  unalike?(store: Store): Map<number, number>;
  /** the queued jobs the scheduler sees, narrowed or annotated (hooks run in order) */
  pending?(store: Store, jobs: SchedJob[], freeCpus: number): SchedJob[];
  /** per array, how many more of its jobs may start now */
  room?(store: Store, jobs: SchedJob[]): Map<number, number>;
  /** an agent message that only this feature understands, about a running attempt; what it
   * returns runs once the transaction has committed (file writes never run inside one) */
  message?(store: Store, job: StoredJob, message: AgentMessage): (() => void) | undefined;
}

const registry = new WeakMap<Store, readonly JobHooks[]>();

/** The features of a store's head, in the order their hooks run. */
export function registerHooks(store: Store, hooks: readonly JobHooks[]): void {
  registry.set(store, hooks);
}

export function hooksOf(store: Store): readonly JobHooks[] {
  return registry.get(store) ?? [];
}
