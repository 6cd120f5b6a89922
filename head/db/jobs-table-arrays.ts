// SQL of the jobs table about arrays: an array's subjobs and how they stand.
import type { JobState } from '../../core/lifecycle/states.js';
import type { Db } from './connection.js';
import { COLUMNS, decode, FROM, type RawJob, type StoredJob } from './jobs-table.js';

/** Subjobs as rows, and arrays that hold their subjobs back. */
export function subjobRowsSql(db: Db) {
  const subjobsOf = db.prepare(`SELECT ${COLUMNS} ${FROM} WHERE j.array_parent = ? ORDER BY j.array_index`);
  const stalledArrays = db
    .prepare("SELECT seq FROM jobs WHERE kind = 'array' AND state IN ('H', 'W')")
    .pluck();
  return {
    /** An array's subjobs in index order. */
    subjobs(parent: number): StoredJob[] {
      return (subjobsOf.all(parent) as RawJob[]).map(decode);
    },
    /** Arrays that are held or wait for their start time. */
    stalledArrays(): number[] {
      return stalledArrays.all() as number[];
    },
  };
}

/** How the subjobs of arrays stand. */
export function subjobCountsSql(db: Db) {
  const subjobStates = db.prepare(
    'SELECT state, count(*) AS n FROM jobs WHERE array_parent = ? GROUP BY state',
  );
  const queuedIndices = db
    .prepare(
      "SELECT array_index FROM jobs WHERE array_parent = ? AND state IN ('Q', 'H', 'W') ORDER BY array_index",
    )
    .pluck();
  const unfinishedSubjob = db
    .prepare(
      "SELECT EXISTS (SELECT 1 FROM jobs WHERE array_parent = ? AND state IN ('Q', 'H', 'W', 'R', 'E'))",
    )
    .pluck();
  const subjobOutcomes = db.prepare(
    `SELECT json_extract(row, '$.exitStatus') AS status, json_extract(row, '$.runCount') AS runs,
      json_extract(row, '$.deleteRequestedBy') AS killedBy, json_extract(row, '$.substate') AS substate
    FROM jobs WHERE array_parent = ?`,
  );
  const runningSubjobs = db.prepare(
    "SELECT array_parent AS parent, count(*) AS n FROM jobs WHERE array_parent IS NOT NULL AND state IN ('R', 'E') GROUP BY array_parent",
  );
  return {
    /** How many subjobs of an array are in each state. */
    subjobStates(parent: number): { state: JobState; n: number }[] {
      return subjobStates.all(parent) as { state: JobState; n: number }[];
    },
    /** Indices of the subjobs that have not started (array_indices_remaining). */
    queuedIndices(parent: number): number[] {
      return queuedIndices.all(parent) as number[];
    },
    hasUnfinishedSubjob(parent: number): boolean {
      return unfinishedSubjob.get(parent) === 1;
    },
    /** How each subjob of an array ended (for the parent's Exit_status and substate). */
    subjobOutcomes(
      parent: number,
    ): { status: number | null; runs: number; killedBy: string | null; substate: number }[] {
      return subjobOutcomes.all(parent) as {
        status: number | null;
        runs: number;
        killedBy: string | null;
        substate: number;
      }[];
    },
    /** Running (and exiting) subjobs per array, for `%N`. */
    runningSubjobs(): Map<number, number> {
      return new Map((runningSubjobs.all() as { parent: number; n: number }[]).map((r) => [r.parent, r.n]));
    },
  };
}
