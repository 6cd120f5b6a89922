// SQL of the job_dependencies table: the edges still waiting, by child and by parent.
import type { AfterType, DependencyEdge } from '../../core/pbs/depend-list.js';
import type { Db } from './connection.js';

export function dependenciesSql(db: Db) {
  const insert = db.prepare('INSERT OR IGNORE INTO job_dependencies (child, parent, type) VALUES (?, ?, ?)');
  const remove = db.prepare('DELETE FROM job_dependencies WHERE child = ? AND parent = ? AND type = ?');
  const removeChild = db.prepare('DELETE FROM job_dependencies WHERE child = ?');
  const byParent = db.prepare('SELECT child, parent, type FROM job_dependencies WHERE parent = ?');
  const byChild = db.prepare('SELECT child, parent, type FROM job_dependencies WHERE child = ?');
  const parentsOf = db.prepare('SELECT parent FROM job_dependencies WHERE child = ?').pluck();
  return {
    add(edge: DependencyEdge): void {
      insert.run(edge.child, edge.parent, edge.type);
    },
    remove(edge: DependencyEdge): void {
      remove.run(edge.child, edge.parent, edge.type);
    },
    /** A job that ended waits for nothing any more. */
    removeChild(child: number): void {
      removeChild.run(child);
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
  };
}
