// SQL of the jobs table for qmove and qorder: a job's queue, and its place among the jobs of its
// priority (the qrank column, migration 0017: its seq until qorder swaps it with another's).
// Every write is told to the listeners of head/db/jobs-table.ts (the scheduler's pending queue).
import type { Db } from './connection.js';

export function jobOrderSql(db: Db, written: (seq: number) => void) {
  const setQueue = db.prepare('UPDATE jobs SET queue = ? WHERE seq = ?');
  const setRank = db.prepare('UPDATE jobs SET qrank = ? WHERE seq = ?');
  const rank = db.prepare('SELECT coalesce(qrank, seq) FROM jobs WHERE seq = ?').pluck();
  return {
    /** Put jobs (an array and its subjobs) in another queue. */
    setQueue(seqs: number[], queue: string): void {
      for (const seq of seqs) {
        setQueue.run(queue, seq);
        written(seq);
      }
    },
    /** A job's place among the jobs of its priority: its seq unless qorder moved it. */
    rank(seq: number): number | undefined {
      return rank.get(seq) as number | undefined;
    },
    setRank(seq: number, place: number): void {
      setRank.run(place, seq);
      written(seq);
    },
  };
}
