// SQL of the queues table.

import type { QueueChanges, QueueLimitsRow } from '../../core/record-types.js';
import type { Db } from './connection.js';

export interface StoredQueue extends QueueLimitsRow {
  name: string;
  enabled: boolean;
  started: boolean;
  priority: number;
  fairshare: boolean;
}

interface RawQueue {
  name: string;
  enabled: number;
  started: number;
  priority: number;
  fairshare: number;
  maxRun: number | null;
  maxRunPerUser: number | null;
  maxWalltime: number | null;
  defaultWalltime: number | null;
}

const COLUMNS = `name, enabled, started, priority, fairshare, max_run AS maxRun, max_run_per_user AS maxRunPerUser,
  max_walltime AS maxWalltime, default_walltime AS defaultWalltime`;

const SET_COLUMNS: Record<keyof QueueChanges, string> = {
  enabled: 'enabled',
  started: 'started',
  priority: 'priority',
  fairshare: 'fairshare',
  maxRun: 'max_run',
  maxRunPerUser: 'max_run_per_user',
  maxWalltime: 'max_walltime',
  defaultWalltime: 'default_walltime',
};

function decode(r: RawQueue): StoredQueue {
  const q: StoredQueue = {
    name: r.name,
    enabled: r.enabled === 1,
    started: r.started === 1,
    priority: r.priority,
    fairshare: r.fairshare === 1,
  };
  for (const key of ['maxRun', 'maxRunPerUser', 'maxWalltime', 'defaultWalltime'] as const) {
    if (r[key] !== null) q[key] = r[key];
  }
  return q;
}

const sqlValue = (v: unknown) => (typeof v === 'boolean' ? (v ? 1 : 0) : (v ?? null));

export function queuesSql(db: Db) {
  const all = db.prepare(`SELECT ${COLUMNS} FROM queues ORDER BY name`);
  const byName = db.prepare(`SELECT ${COLUMNS} FROM queues WHERE name = ?`);
  const insert = db.prepare('INSERT INTO queues (name) VALUES (?)');
  const remove = db.prepare('DELETE FROM queues WHERE name = ?');
  const updates = new Map(
    Object.entries(SET_COLUMNS).map(([k, col]) => [
      k,
      db.prepare(`UPDATE queues SET ${col} = ? WHERE name = ?`),
    ]),
  );
  return {
    all(): StoredQueue[] {
      return (all.all() as RawQueue[]).map(decode);
    },
    get(name: string): StoredQueue | undefined {
      const r = byName.get(name) as RawQueue | undefined;
      return r ? decode(r) : undefined;
    },
    create(name: string): void {
      insert.run(name);
    },
    update(name: string, changes: QueueChanges): void {
      for (const [key, value] of Object.entries(changes)) {
        if (value !== undefined) updates.get(key)!.run(sqlValue(value), name);
      }
    },
    remove(name: string): void {
      remove.run(name);
    },
  };
}
