// What the job lifecycle works on: a job's row (the fields its events decide), the events of its
// log, and the changes qalter may make. The reducer over them is lifecycle.ts.
import type { JobSpec } from '../job-spec-types.js';
import type { ResourceUsage } from '../record-types.js';
import type { PreemptMethod } from '../scheduling/preempt-order.js';
import type { JobState } from './states.js';

/** Fields of a job that its events decide. Times are epoch seconds. */
export interface JobRow {
  state: JobState;
  substate: number;
  holdTypes: string;
  name: string;
  priority: number;
  executionTime?: number;
  resources: JobSpec['resources'];
  qtime: number;
  mtime: number;
  etime?: number;
  stime?: number;
  obittime?: number;
  node?: string;
  attempt: number;
  runCount: number;
  execHost?: string;
  execVnode?: string;
  sessionId?: number;
  exitStatus?: number;
  comment?: string;
  /** who asked for a running job to be deleted (`user@host`) */
  deleteRequestedBy?: string;
  /** who asked for a running job to be rerun (qrerun): its exit requeues it */
  rerunRequestedBy?: string;
  /** how the scheduler last preempted the job, and for which job: its comment says so until it
   * runs again (or, suspended, is resumed) */
  preempted?: { method: PreemptMethod; for: string };
  /** suspended since (epoch s): the job shows S, its processes are stopped, its resources free */
  suspendedAt?: number;
  /** seconds this attempt spent suspended before (its walltime ends that much later) */
  suspendedFor?: number;
  /** who asked for the job's history to go (qdel -x): its record is deleted once it is F */
  purgeRequestedBy?: string;
  /** the system hold is the dependencies' (released when the last one is met) */
  dependHold?: boolean;
  /** the newest checkpoint the head keeps: its number, when it was taken (epoch s), its bytes */
  checkpoint?: { count: number; at: number; size: number };
  /** what qalter changed of the submitted spec, laid over it when the job is read */
  specChanges?: SpecChanges;
  /** `host:/path` of stdout and stderr when qalter changed them */
  outputPath?: string;
  errorPath?: string;
  /** an array's parent: never runs itself; B once a subjob has begun */
  isArray?: boolean;
  arrayBegun?: boolean;
  usage?: ResourceUsage;
}

/** Attributes of the submitted spec that `qalter` may change (-A -c -e -j -k -m -M -o -P -r -S -u -W depend). */
export type SpecChanges = Partial<
  Pick<
    JobSpec,
    | 'account'
    | 'checkpoint'
    | 'errorPath'
    | 'join'
    | 'keepFiles'
    | 'mailPoints'
    | 'mailUsers'
    | 'outputPath'
    | 'project'
    | 'rerunable'
    | 'shell'
    | 'userList'
    | 'depend'
  >
>;

/** The changes `qalter` may make to a queued job. */
export interface JobChanges {
  name?: string;
  priority?: number;
  executionTime?: number | null;
  resources?: JobSpec['resources'];
  spec?: SpecChanges;
  /** resolved `host:/path` of stdout and stderr after -o / -e */
  outputPath?: string;
  errorPath?: string;
}

export type JobEvent =
  | {
      type: 'queued';
      hold: boolean;
      name: string;
      priority: number;
      executionTime?: number;
      resources: JobSpec['resources'];
      /** the parent of an array */
      array?: boolean;
    }
  | { type: 'held'; types: string; by: string }
  | { type: 'released'; types: string; by: string }
  | { type: 'eligible' }
  | { type: 'altered'; changes: JobChanges; by: string }
  /** qmove (and qorder across queues): the job is in queue `to` now, with `resources` when the
   * queue's default walltime filled them in */
  | { type: 'moved'; from: string; to: string; by: string; resources?: JobSpec['resources'] }
  | {
      type: 'run';
      node: string;
      attempt: number;
      execHost: string;
      execVnode: string;
      /** the checkpoint the attempt restarts from */
      restore?: number;
    }
  /** the head keeps checkpoint `count` of the running attempt (written and synced); `note`: the agent's */
  | { type: 'checkpointed'; attempt: number; count: number; size: number; note?: string }
  | { type: 'started'; attempt: number; sessionId: number }
  | { type: 'requeued'; attempt: number; reason: string }
  | { type: 'delete_requested'; by: string }
  /** qsig of a real signal to a running job (as typed, e.g. `USR1`) */
  | { type: 'signalled'; signal: string; by: string }
  /** the running attempt is stopped (SIGSTOP) and its resources released; `scheduler`: the
   * scheduler resumes it once they are free again (else it waits for a resume) */
  | { type: 'suspended'; attempt: number; by: string; reason?: string; scheduler?: boolean }
  /** qsig -s resume of a job whose resources are taken: it resumes once they are free */
  | { type: 'resume_requested'; by: string }
  /** the suspended attempt has its resources again and goes on (SIGCONT) */
  | { type: 'resumed'; attempt: number }
  /** qrerun of a running job: it is killed, and its exit requeues it */
  | { type: 'rerun_requested'; by: string }
  /** the scheduler preempts the running attempt to make room for job `for` (an express queue's) */
  | { type: 'preempted'; attempt: number; method: PreemptMethod; for: string }
  /** qdel -x of a job that has not finished: its record goes once it is F (head/jobs/job-history.ts) */
  | { type: 'purge_requested'; by: string }
  /** the attempt's node was fenced: software (its agent kills the attempt on sight) and the
   * admin's fence command when one is set */
  | { type: 'fenced'; node: string; attempt: number; how: 'software' | 'command'; reason: string }
  /** `aborted`: the server ended it because a dependency can never be met; it ends finished (92)
   * where a deletion ends terminated (91), as OpenPBS ends a job it aborts */
  | { type: 'deleted'; by: string; reason?: string; aborted?: boolean }
  /** one dependency of the job settled, as OpenPBS's server log says it on the job: the job it
   * waits for released it, or (at submission) had finished and met it or could not, or the job
   * its before* named could no longer wait for it */
  | { type: 'depend_settled'; on: string; how: DependOutcome }
  /** the job waits for other jobs (-W depend=): a system hold */
  | { type: 'depend_hold'; on: string[] }
  /** every dependency is met: the system hold goes */
  | { type: 'depend_released' }
  | { type: 'exited'; attempt: number; status: number; usage?: ResourceUsage; reason?: string }
  /** an array's first subjob started: the parent is B */
  | { type: 'array_begun' }
  /** an array's last subjob ended: the parent is F with the worst outcome */
  | { type: 'array_ended'; status?: number; substate: number }
  | { type: 'finished'; attempt: number }
  /** the head could not dispatch the job, or found its record damaged: it ends at once */
  | { type: 'failed'; status: number; reason: string }
  /** a finished render task (or its array) queued again to re-render frames */
  | { type: 'resubmitted'; reason: string }
  /** a standby head took over (head/ha/): the job's state is unchanged, its history says so */
  | { type: 'head_takeover'; epoch: number; head: string };

/** How one dependency settled (core/lifecycle/event-text.ts has OpenPBS's line for each). */
export type DependOutcome = 'released' | 'satisfied' | 'unsatisfied' | 'rejected';

/** An event with the time it happened (epoch milliseconds). */
export type TimedEvent = JobEvent & { at: number };
