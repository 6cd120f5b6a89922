// SQL of the jobs table: lists of jobs (qstat, a node's jobs, Torque's completed jobs).
import type { JobState } from '../../core/lifecycle/states.js';
import type { Db } from './connection.js';
import { COLUMNS, decode, FROM, type RawJob, type StoredJob } from './jobs-table.js';

/** Jobs listed, decoded. */
export function jobListsSql(db: Db) {
  // without subjobs unless asked; a finished subjob of a live array is listed (it shows as X)
  const listed = (history: boolean, subjobs: boolean) =>
    db.prepare(
      `SELECT ${COLUMNS} ${FROM} WHERE ${subjobs ? '1' : "j.kind != 'subjob'"}
      ${history ? '' : "AND (j.state != 'F' OR (j.kind = 'subjob' AND p.state != 'F'))"} ORDER BY j.seq`,
    );
  const lists = [
    [listed(false, false), listed(false, true)],
    [listed(true, false), listed(true, true)],
  ];
  const inState = db.prepare(`SELECT ${COLUMNS} ${FROM} WHERE j.state = ? ORDER BY j.seq`);
  const onNode = db.prepare(
    `SELECT ${COLUMNS} ${FROM} WHERE j.node = ? AND j.state IN ('R', 'E') ORDER BY j.seq`,
  );
  // live jobs only (the history is counted as it ends); an array's parent is counted in its subjobs
  const counts = db.prepare(
    `SELECT queue, state, count(*) AS n FROM jobs
     WHERE state IN ('Q', 'H', 'W', 'R', 'E', 'S', 'T', 'M') AND kind != 'array' GROUP BY queue, state`,
  );
  const finishedSince = db.prepare(
    `SELECT ${COLUMNS} ${FROM} WHERE j.state = 'F' AND j.kind != 'subjob' AND json_extract(j.row, '$.obittime') >= ? ORDER BY j.seq`,
  );
  return {
    list(history: boolean, subjobs = false): StoredJob[] {
      return (lists[history ? 1 : 0]![subjobs ? 1 : 0]!.all() as RawJob[]).map(decode);
    },
    /** Finished jobs that ended at or after `since` (epoch seconds), for Torque's C jobs. */
    finishedSince(since: number): StoredJob[] {
      return (finishedSince.all(since) as RawJob[]).map(decode);
    },
    inState(state: JobState): StoredJob[] {
      return (inState.all(state) as RawJob[]).map(decode);
    },
    /** How many live jobs (not finished, not array parents) each queue has in each state. */
    countsByQueueState(): { queue: string; state: JobState; n: number }[] {
      return counts.all() as { queue: string; state: JobState; n: number }[];
    },
    onNode(node: string): StoredJob[] {
      return (onNode.all(node) as RawJob[]).map(decode);
    },
  };
}
