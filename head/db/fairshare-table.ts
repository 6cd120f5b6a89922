// SQL of the fairshare_usage table: one decayed usage number per user (core/scheduling/fairshare.ts).
import type { UsageEntry } from '../../core/scheduling/fairshare.js';
import type { Db } from './connection.js';

export function fairshareSql(db: Db) {
  const get = db.prepare('SELECT usage, at FROM fairshare_usage WHERE user = ?');
  const all = db.prepare('SELECT user, usage, at FROM fairshare_usage');
  const put = db.prepare(
    'INSERT INTO fairshare_usage (user, usage, at) VALUES (?, ?, ?) ON CONFLICT (user) DO UPDATE SET usage = excluded.usage, at = excluded.at',
  );
  return {
    get(user: string): UsageEntry | undefined {
      return get.get(user) as UsageEntry | undefined;
    },
    all(): Map<string, UsageEntry> {
      const rows = all.all() as ({ user: string } & UsageEntry)[];
      return new Map(rows.map((r) => [r.user, { usage: r.usage, at: r.at }]));
    },
    put(user: string, entry: UsageEntry): void {
      put.run(user, entry.usage, entry.at);
    },
  };
}
