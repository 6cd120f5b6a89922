// SQL of the jobs table for the scheduler and admission: the queue, counts, the notes a pass
// leaves on jobs (comment, estimated start) and usage reports.
import type { JobState } from '../../core/lifecycle/states.js';
import type { ResourceUsage } from '../../core/record-types.js';
import type { Db } from './connection.js';
import type { PendingRow } from './jobs-table.js';

/** The queue and counts of jobs. */
export function jobQueueSql(db: Db) {
  // one covering index, read in order (migrations 0008 and 0017)
  const pending = db
    .prepare(
      `SELECT seq, id, priority, queue, owner, array_parent AS arrayParent, resources, coalesce(qrank, seq)
      FROM jobs INDEXED BY jobs_pending WHERE state = 'Q' AND kind != 'array' ORDER BY priority DESC, seq`,
    )
    .raw();
  const pendingOne = db
    .prepare(
      `SELECT seq, id, priority, queue, owner, array_parent AS arrayParent, resources, coalesce(qrank, seq)
      FROM jobs WHERE seq = ? AND state = 'Q' AND kind != 'array'`,
    )
    .raw();
  const runningCounts = db.prepare(
    `SELECT queue, substr(owner, 1, instr(owner, '@') - 1) AS user, count(*) AS n FROM jobs WHERE state IN ('R', 'E') GROUP BY queue, user`,
  );
  // max_queued: unfinished jobs, an array counted by its subjobs
  const unfinished = db
    .prepare("SELECT count(*) FROM jobs WHERE state NOT IN ('F', 'X') AND kind != 'array'")
    .pluck();
  const unfinishedOf = db
    .prepare(
      "SELECT count(*) FROM jobs WHERE state NOT IN ('F', 'X') AND kind != 'array' AND owner LIKE ? ESCAPE '\\'",
    )
    .pluck();
  // an array counts as its subjobs
  const countByState = db.prepare(
    "SELECT queue, state, count(*) AS n FROM jobs WHERE kind != 'array' GROUP BY queue, state",
  );

  return {
    /** Queued jobs that may run (not arrays' parents), highest priority first, as stored rows. */
    pendingRows(): PendingRow[] {
      return pending.all() as PendingRow[];
    },
    /** One job's row as pendingRows() gives it, when it is queued. */
    pendingRow(seq: number): PendingRow | undefined {
      return pendingOne.get(seq) as PendingRow | undefined;
    },
    /** Running (and exiting) jobs per queue and user, for the queue limits. */
    runningCounts(): { queue: string; user: string; n: number }[] {
      return runningCounts.all() as { queue: string; user: string; n: number }[];
    },
    /** Unfinished jobs (subjobs count, their arrays do not), of everybody or of one user. */
    unfinishedCount(user?: string): number {
      if (user === undefined) return unfinished.get() as number;
      return unfinishedOf.get(`${user.replace(/[\\%_]/g, '\\$&')}@%`) as number;
    },
    counts(): { queue: string; state: JobState; n: number }[] {
      return countByState.all() as { queue: string; state: JobState; n: number }[];
    },
  };
}

/** What a pass or a usage report notes on a job. */
export function jobNotesSql(db: Db) {
  const setComment = db.prepare('UPDATE jobs SET sched_comment = ? WHERE seq = ?');
  const setEstimate = db.prepare('UPDATE jobs SET est_start = ? WHERE seq = ?');
  const clearEstimates = db.prepare(
    'UPDATE jobs SET est_start = NULL WHERE est_start IS NOT NULL AND seq != ?',
  );
  const setUsage = db.prepare("UPDATE jobs SET usage = ? WHERE seq = ? AND state = 'R'");
  return {
    /** The one job with an estimated start (the top job), or none. */
    setEstimate(seq: number | undefined, start: number | undefined): void {
      clearEstimates.run(seq ?? -1);
      if (seq !== undefined) setEstimate.run(start ?? null, seq);
    },
    setSchedComment(seq: number, comment: string | null): void {
      setComment.run(comment, seq);
    },
    setUsage(seq: number, usage: ResourceUsage): void {
      setUsage.run(JSON.stringify(usage), seq);
    },
  };
}
