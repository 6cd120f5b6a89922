// SQL of the fences table: attempts taken away from a node, to be killed there on sight.
import type { FencedAttempt } from '../../core/protocol/agent-protocol.js';
import type { Db } from './connection.js';

export function fencesSql(db: Db) {
  const add = db.prepare('INSERT OR IGNORE INTO fences (node, job_id, attempt, at) VALUES (?, ?, ?, ?)');
  const forNode = db.prepare('SELECT job_id AS jobId, attempt FROM fences WHERE node = ? ORDER BY at');
  const clear = db.prepare('DELETE FROM fences WHERE node = ? AND at <= ?');
  return {
    add(node: string, jobId: string, attempt: number, at: number): void {
      add.run(node, jobId, attempt, at);
    },
    forNode(node: string): FencedAttempt[] {
      return forNode.all(node) as FencedAttempt[];
    },
    /** The node's agent answered a hello that named the fences made up to `at`: they are done. */
    clear(node: string, at: number): void {
      clear.run(node, at);
    },
  };
}
