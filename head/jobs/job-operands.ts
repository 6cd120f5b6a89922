// What the operations behind the commands share: their dependencies, how a job-id operand as a
// user types it finds its job, and the answer given per operand, so that a command can print
// PBS's message for each one.
import { type ErrorCode, ok, type Refusal, type Result, refuse } from '../../core/errors.js';
import type { ArraySelector } from '../../core/pbs/array-indices.js';
import { parseJobId } from '../../core/pbs/jobid.js';
import { type Requester, UNAUTHORIZED } from '../../core/policy/permissions.js';
import type { Checkpoints } from '../agent-link/checkpoint-store.js';
import type { OutputTails } from '../agent-link/output-tails.js';
import type { GroupCommit } from '../db/group-commit.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';
import type { Cluster } from '../nodes/cluster.js';
import type { Dispatcher } from '../scheduling/dispatcher.js';
import { checkpointStop } from './job-stops.js';

export interface OperandResult {
  operand: string;
  id?: string;
  /** qstat: the records an operand stands for when not just `id` (a range, an array with -t) */
  ids?: string[];
  error?: { code: ErrorCode; message: string };
}

export interface OperationsDeps {
  store: Store;
  cluster: Cluster;
  dispatcher: Dispatcher;
  server: string;
  clock?: () => number;
  group?: GroupCommit;
  checkpoints?: Checkpoints;
  /** the agents' answers about running jobs' output (none: drover peek is refused) */
  tails?: OutputTails;
}

/** The job an operand names; for `[]` and ranges the array's parent, with the selector. */
export type Found = { job: StoredJob; id: string; array?: ArraySelector };

/** The base of the operations: the dependencies and the helpers they share. */
export class JobOperands {
  constructor(protected readonly d: OperationsDeps) {}

  protected now(): number {
    return (this.d.clock ?? Date.now)();
  }

  protected find(operand: string): Result<Found> {
    const ref = parseJobId(operand, this.d.server);
    if (!ref.ok) return ref;
    const { full, array, seq, server } = ref.value;
    const jobs = this.d.store.jobs;
    const parentId = `${seq}[].${server}`;
    // a plain `123` finds the array `123[]` too (PBS asks for the brackets; users forget them)
    const job =
      array === undefined
        ? (jobs.byId(full) ?? jobs.byId(parentId))
        : array.kind === 'index'
          ? jobs.byId(full)
          : jobs.byId(parentId);
    if (!job) return refuse('UNKNOWN_JOB', `Unknown Job Id ${full}`);
    const selector = array ?? (job.kind === 'array' ? { kind: 'parent' as const } : undefined);
    return ok({ job, id: array?.kind === 'range' ? full : job.id, ...(selector ? { array: selector } : {}) });
  }

  /** What a refusal for lack of permission looks like per operand. */
  protected denied(): { ok: false; error: Refusal } {
    return { ok: false, error: { code: 'UNAUTHORIZED', message: UNAUTHORIZED } };
  }

  /**
   * A held running job that can checkpoint is told to; once its checkpoint is safe at the head
   * it is stopped and waits in H (qrls restarts it from there). Others keep running (PBS).
   * `by` is who (or what) stops it, for the requeue comment.
   */
  protected checkpointAndStop(job: StoredJob, by: string): void {
    const m = checkpointStop(this.d.checkpoints, job, by);
    if (m) this.d.cluster.send(job.row.node!, m);
  }
}

/** `user@host`, as events and comments name who did something. */
export const byOf = (who: Requester) => `${who.user}@${who.host}`;

/** The expanded id of an operand, when it parses. */
export function idOf(operand: string, server: string): { id?: string } {
  const ref = parseJobId(operand, server);
  return ref.ok ? { id: ref.value.full } : {};
}
