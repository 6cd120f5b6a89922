// SQL of the jobs table for the start-up check of stored records (head/jobs/damaged-records.ts):
// raw text, nothing decoded.
import type { Db } from './connection.js';
import type { RawRecord } from './jobs-table.js';

/** Records as stored. */
export function rawJobsSql(db: Db) {
  // start-up check of stored records (head/jobs/damaged-records.ts): raw text, nothing decoded
  const RAW = 'SELECT seq, id, owner, kind, array_parent AS arrayParent, state, row, spec FROM jobs';
  const rawUnfinished = db.prepare(`${RAW} WHERE state != 'F'`);
  const rawUnreadable = db.prepare(
    `${RAW} WHERE NOT json_valid(row) OR (kind != 'subjob' AND NOT json_valid(spec))`,
  );
  const rawSubjobs = db.prepare(`${RAW} WHERE array_parent = ? AND state != 'F'`);
  return {
    /** Every unfinished job's record as stored (for the start-up check). */
    rawUnfinished(): RawRecord[] {
      return rawUnfinished.all() as RawRecord[];
    },
    /** Records of any state whose row or spec is not JSON. */
    rawUnreadable(): RawRecord[] {
      return rawUnreadable.all() as RawRecord[];
    },
    rawSubjobs(parent: number): RawRecord[] {
      return rawSubjobs.all(parent) as RawRecord[];
    },
  };
}
