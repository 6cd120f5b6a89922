// SQL of the job_dependencies table: one row per edge, waiting until it is met or its child ends;
// settled edges stay, for the `depend` attribute both jobs show (core/pbs/depend-attribute.ts).
import type { ShownEdge } from '../../core/pbs/depend-attribute.js';
import type { AfterType, DependencyEdge } from '../../core/pbs/depend-list.js';
import type { Db } from './connection.js';

type EdgeShown = ShownEdge['shown'];
type EdgeState = ShownEdge['state'];

export function dependenciesSql(db: Db) {
  const insert = db.prepare(
    'INSERT OR IGNORE INTO job_dependencies (child, parent, type, state, shown) VALUES (?, ?, ?, ?, ?)',
  );
  const met = db.prepare(
    "UPDATE job_dependencies SET state = 'met' WHERE child = ? AND parent = ? AND type = ? AND state = 'waiting'",
  );
  const close = db.prepare(
    "UPDATE job_dependencies SET state = 'closed' WHERE child = ? AND state = 'waiting'",
  );
  const removeWaiting = db.prepare("DELETE FROM job_dependencies WHERE child = ? AND state = 'waiting'");
  const byParent = db.prepare(
    "SELECT child, parent, type FROM job_dependencies WHERE parent = ? AND state = 'waiting'",
  );
  const byChild = db.prepare(
    "SELECT child, parent, type FROM job_dependencies WHERE child = ? AND state = 'waiting'",
  );
  const parentsOf = db
    .prepare("SELECT parent FROM job_dependencies WHERE child = ? AND state = 'waiting'")
    .pluck();
  const touching = db.prepare(
    'SELECT child, parent, type, state, shown FROM job_dependencies WHERE child = ? OR parent = ? ORDER BY rowid',
  );
  return {
    add(edge: DependencyEdge, shown: EdgeShown = 'both', state: EdgeState = 'waiting'): void {
      insert.run(edge.child, edge.parent, edge.type, state, shown);
    },
    /** The edge is met: its child no longer waits on it. */
    met(edge: DependencyEdge): void {
      met.run(edge.child, edge.parent, edge.type);
    },
    /** A job that ended waits for nothing any more; its edges stay, closed. */
    closeChild(child: number): void {
      close.run(child);
    },
    /** qalter -W depend= replaces what the job still waits for. */
    removeWaiting(child: number): void {
      removeWaiting.run(child);
    },
    waitingOn(parent: number): DependencyEdge[] {
      return byParent.all(parent) as { child: number; parent: number; type: AfterType }[];
    },
    of(child: number): DependencyEdge[] {
      return byChild.all(child) as { child: number; parent: number; type: AfterType }[];
    },
    parentsOf(child: number): number[] {
      return parentsOf.all(child) as number[];
    },
    /** Every edge of the job, as child or parent, in the order they were recorded. */
    touching(seq: number): ShownEdge[] {
      return touching.all(seq, seq) as ShownEdge[];
    },
  };
}
