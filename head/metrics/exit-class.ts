// The small fixed label sets of the head's metrics and the pure mappings onto them: how a job
// ended, what state a node is in, what an instance of a service is doing. Bounded by design:
// no label ever carries a job id, a user or a node name.
import type { JobEvent, JobRow } from '../../core/lifecycle/job-events.js';
import { EXIT, type JobState } from '../../core/lifecycle/states.js';

/**
 * How a job ended (or an attempt went back to the queue):
 * - `ok`: exit status 0;
 * - `failed`: the script exited 1–255;
 * - `killed`: a signal ended it (status above 256) without a qdel;
 * - `limit`: the head killed it for a resource limit (walltime −29, cput −28, mem −27);
 * - `system`: the head could not run it or lost it (−1 start failed, −20 node lost, other
 *   negative codes, or no status at all);
 * - `deleted`: qdel, while it waited or while it ran;
 * - `requeued`: the attempt went back to the queue (its node fenced, qrerun): not a job's end.
 */
export const EXIT_CLASSES = ['ok', 'failed', 'killed', 'limit', 'system', 'deleted', 'requeued'] as const;
export type ExitClass = (typeof EXIT_CLASSES)[number];

const LIMITS: readonly number[] = [EXIT.walltime, EXIT.cput, EXIT.mem];

/** The class of a job that just became F through `event`, from its new row. */
export function exitClass(
  event: JobEvent['type'],
  row: Pick<JobRow, 'exitStatus' | 'deleteRequestedBy'>,
): ExitClass {
  if (event === 'deleted' || row.deleteRequestedBy) return 'deleted';
  const status = row.exitStatus;
  if (status === undefined) return 'system';
  if (status === 0) return 'ok';
  if (status > EXIT.signalBase) return 'killed';
  if (status > 0 && status < EXIT.signalBase) return 'failed';
  return LIMITS.includes(status) ? 'limit' : 'system';
}

/** Node states as pbsnodes words them; a node counts once, in its first word. */
export const NODE_STATES = ['free', 'job-busy', 'job-exclusive', 'offline', 'down'] as const;
export type NodeStateLabel = (typeof NODE_STATES)[number];

/** `down,offline` → `down`: the first word of a node's state (down before offline before busy). */
export function nodeStateLabel(words: string): NodeStateLabel {
  const first = words.split(',')[0] as NodeStateLabel;
  return NODE_STATES.includes(first) ? first : 'down';
}

/** What an instance of a service is doing: answering calls, starting (its job runs, no address
 * yet), waiting (its job is queued or held), or ended (its job finished). */
export const INSTANCE_STATES = ['up', 'starting', 'waiting', 'ended'] as const;
export type InstanceStateLabel = (typeof INSTANCE_STATES)[number];

export function instanceStateLabel(jobState: JobState, answering: boolean): InstanceStateLabel {
  if (answering) return 'up';
  if (jobState === 'R' || jobState === 'E') return 'starting';
  if (jobState === 'F' || jobState === 'X') return 'ended';
  return 'waiting';
}
