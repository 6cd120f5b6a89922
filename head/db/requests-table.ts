// SQL of the requests table: the request ids of submissions and the job each created, so that a
// repeated submission answers its job instead of making another (migrations/0012_requests.sql).
import type { Db } from './connection.js';

/** How long a request id is remembered: a retry comes within seconds. */
export const REQUEST_ID_TTL_MS = 24 * 3600 * 1000;
/** Prune the old ids with the first new one, then once every this many (one indexed DELETE). */
const PRUNE_EVERY = 256;

export function requestsSql(db: Db) {
  const find = db.prepare('SELECT job_id FROM requests WHERE user = ? AND request_id = ?').pluck();
  const add = db.prepare('INSERT INTO requests (user, request_id, job_id, at) VALUES (?, ?, ?, ?)');
  const prune = db.prepare('DELETE FROM requests WHERE at < ?');
  let added = 0;
  return {
    /** The job a request of `user` with this id created, if it is remembered. */
    find(user: string, requestId: string): string | undefined {
      return find.get(user, requestId) as string | undefined;
    },
    /** Remember the job this request created (call inside the transaction that stores the job). */
    record(user: string, requestId: string, jobId: string, at: number): void {
      add.run(user, requestId, jobId, at);
      if (added++ % PRUNE_EVERY === 0) prune.run(at - REQUEST_ID_TTL_MS);
    },
    /** Forget the ids recorded before `at` (ms); returns how many went. */
    pruneBefore(at: number): number {
      return prune.run(at).changes;
    },
  };
}
