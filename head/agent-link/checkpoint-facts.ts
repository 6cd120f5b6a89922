// A running attempt's checkpoint arriving from its agent: its files are stored durably as the
// job's next checkpoint before any transaction (no file is written inside one); the record
// follows in the batch's transaction; the agent is told it is safe, and the older checkpoint
// removed, only after the commit. A job held with qhold is stopped once its checkpoint is safe.
import type { CheckpointFile, HeadMessage } from '../../core/protocol/agent-protocol.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';
import { transition } from '../jobs/transitions.js';
import type { Checkpoints } from './checkpoint-store.js';

export interface CheckpointArrival {
  jobId: string;
  attempt: number;
  files: CheckpointFile[];
  /** what the agent says of it (e.g. that the job was not signalled), kept for tracejob */
  note?: string;
}

/** The checkpoint's number once its files are stored, or why they were not. */
export type Saved = { count: number; size: number } | string;

/** Store the files (outside any transaction). */
export function saveCheckpoint(
  job: StoredJob | undefined,
  m: CheckpointArrival,
  checkpoints: Checkpoints | undefined,
): Saved {
  if (!checkpoints) return 'this head keeps no checkpoints';
  if (job?.row.state !== 'R') return `attempt ${m.attempt} of ${m.jobId} is not running`;
  const count = (job.row.checkpoint?.count ?? 0) + 1;
  try {
    return { count, size: checkpoints.save(m.jobId, count, m.files) };
  } catch (e) {
    return `the head could not store the checkpoint: ${(e as Error).message}`;
  }
}

/**
 * Record a stored checkpoint (inside the transaction): the reply to the agent and what to do
 * once it has committed.
 */
export function recordCheckpoint(
  store: Store,
  checkpoints: Checkpoints | undefined,
  job: StoredJob | undefined,
  m: CheckpointArrival,
  saved: Saved,
): { reply: HeadMessage; after?: () => void } {
  const { jobId, attempt } = m;
  const refused = (reason: string) => ({
    reply: { t: 'checkpoint-refused', jobId, attempt, reason } as const,
  });
  if (typeof saved === 'string') return refused(saved);
  const { count, size } = saved;
  if (!checkpoints || job?.row.state !== 'R' || (job.row.checkpoint?.count ?? 0) + 1 !== count)
    return refused(`attempt ${attempt} of ${jobId} changed while its checkpoint was stored`);
  const said = m.note ? { note: m.note.slice(0, 1000) } : {};
  transition(store, job.seq, { type: 'checkpointed', attempt, count, size, ...said });
  const by = checkpoints.stops.get(jobId);
  if (by !== undefined) {
    checkpoints.stops.delete(jobId);
    transition(store, job.seq, { type: 'rerun_requested', by });
  }
  return {
    reply: { t: 'checkpoint-saved', jobId, attempt, count },
    after: () => checkpoints.prune(jobId, count),
  };
}
