// SQL that deletes a job's history (qdel -x): the one place a job's records leave the database.
// Every row that names the job goes, an array's subjobs with it, in one transaction (a savepoint
// inside the caller's), so a crash leaves the whole record or none of it; the statement log
// (head/db/statement-log.ts) hands the deletes to a standby like any other write.
import type { Db } from './connection.js';

/** The job and, for an array's parent, its subjobs. */
const FAMILY = 'SELECT seq FROM jobs WHERE seq = @seq OR array_parent = @seq';

export function jobPurgeSql(db: Db) {
  // rows that refer to jobs first (foreign keys), the subjobs before their parent
  const deletes = [
    `DELETE FROM allocations WHERE seq IN (${FAMILY})`,
    `DELETE FROM job_events WHERE seq IN (${FAMILY})`,
    `DELETE FROM job_scripts WHERE seq IN (${FAMILY})`,
    `DELETE FROM job_dependencies WHERE child IN (${FAMILY}) OR parent IN (${FAMILY})`,
    'DELETE FROM jobs WHERE array_parent = @seq',
    'DELETE FROM jobs WHERE seq = @seq',
  ].map((sql) => db.prepare(sql));
  const purge = db.transaction((seq: number) => {
    for (const stmt of deletes) stmt.run({ seq });
  });
  const flagged = db
    .prepare(
      "SELECT seq FROM jobs WHERE state = 'F' AND kind != 'subjob' AND json_extract(row, '$.purgeRequestedBy') IS NOT NULL",
    )
    .pluck();
  return {
    /** Delete job `seq` (an array with its subjobs) and everything recorded of it. */
    purge(seq: number): void {
      purge(seq);
    },
    /** Finished jobs whose history was asked to go (qdel -x) but is still here. */
    purgeRequested(): number[] {
      return flagged.all() as number[];
    },
  };
}
