// SQL of the queues table.
import type { Db } from './connection.js';

export interface StoredQueue {
  name: string;
  enabled: boolean;
  started: boolean;
  priority: number;
}

export function queuesSql(db: Db) {
  const all = db.prepare('SELECT name, enabled, started, priority FROM queues ORDER BY name');
  const byName = db.prepare('SELECT name, enabled, started, priority FROM queues WHERE name = ?');
  const decode = (r: { name: string; enabled: number; started: number; priority: number }): StoredQueue => ({
    name: r.name,
    enabled: r.enabled === 1,
    started: r.started === 1,
    priority: r.priority,
  });
  return {
    all(): StoredQueue[] {
      return (all.all() as Parameters<typeof decode>[0][]).map(decode);
    },
    get(name: string): StoredQueue | undefined {
      const r = byName.get(name) as Parameters<typeof decode>[0] | undefined;
      return r ? decode(r) : undefined;
    },
  };
}
