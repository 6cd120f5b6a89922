// SQL of the web view's job lists: one page of jobs, filtered and sorted in SQLite through the
// indexes of migrations/0014_web_view.sql (so that a history of 100,000 jobs stays fast), and the
// jobs ended per minute.
import type { Db } from './connection.js';
import { COLUMNS, decode, FROM, type RawJob, type StoredJob } from './jobs-table.js';

export const WEB_SORTS = ['id', 'name', 'owner', 'queue', 'state', 'ctime'] as const;
export type WebSort = (typeof WEB_SORTS)[number];

/** What a page of the jobs table asks for; every field is checked by the route's schema. */
export interface JobPageQuery {
  /** owner user name (without @host) */
  user?: string;
  /** only jobs of these users (query_other_jobs False for an ordinary user) */
  onlyUser?: string;
  states?: string[];
  queue?: string;
  /** a substring of the job name */
  name?: string;
  /** list this array's subjobs (its seq) instead of top-level jobs */
  arrayParent?: number;
  sort: WebSort;
  desc: boolean;
  limit: number;
  offset: number;
}

const SORT_SQL: Record<WebSort, string> = {
  id: 'j.seq',
  name: 'j.name',
  owner: 'j.owner',
  queue: 'j.queue',
  state: 'j.state',
  ctime: 'j.ctime',
};

/** `owner` is `user@host`: a user's jobs are the range from `user@` to just before `userA`. */
function ownerRange(user: string): [string, string] {
  return [`${user}@`, `${user}A`];
}

function where(q: JobPageQuery): { sql: string; args: (string | number)[] } {
  const parts: string[] = [];
  const args: (string | number)[] = [];
  if (q.arrayParent !== undefined) {
    parts.push('j.array_parent = ?');
    args.push(q.arrayParent);
  } else parts.push("j.kind IN ('job', 'array')");
  for (const u of [q.user, q.onlyUser]) {
    if (u === undefined) continue;
    parts.push('j.owner >= ? AND j.owner < ?');
    args.push(...ownerRange(u));
  }
  if (q.states && q.states.length > 0) {
    parts.push(`j.state IN (${q.states.map(() => '?').join(', ')})`);
    args.push(...q.states);
  }
  if (q.queue !== undefined) {
    parts.push('j.queue = ?');
    args.push(q.queue);
  }
  if (q.name !== undefined && q.arrayParent !== undefined) {
    // subjobs have the name of their array
    parts.push('instr((SELECT name FROM jobs WHERE seq = j.array_parent), ?) > 0');
    args.push(q.name);
  } else if (q.name !== undefined) {
    // scanning the name index is ~30 times faster than the rows (their JSON computes the name)
    parts.push('j.seq IN (SELECT seq FROM jobs INDEXED BY jobs_name WHERE instr(name, ?) > 0)');
    args.push(q.name);
  }
  return { sql: parts.join(' AND '), args };
}

export function jobWebSql(db: Db) {
  const endedSince = db.prepare(
    "SELECT (at / 60000) * 60000 AS minute, count(*) AS n FROM job_events WHERE type = 'finished' AND at >= ? GROUP BY minute",
  );
  const idsOf = db.prepare('SELECT id, owner FROM jobs WHERE seq IN (SELECT value FROM json_each(?))');
  return {
    /** One page of jobs and how many match in all. */
    page(q: JobPageQuery): { total: number; jobs: StoredJob[] } {
      const w = where(q);
      // every filter is on the job's own row: counting needs no join
      const count = db.prepare(`SELECT count(*) AS n FROM jobs j WHERE ${w.sql}`);
      const total = (count.get(...w.args) as { n: number }).n;
      const order = `${SORT_SQL[q.sort]} ${q.desc ? 'DESC' : 'ASC'}, j.seq ${q.desc ? 'DESC' : 'ASC'}`;
      const rows = db
        .prepare(`SELECT ${COLUMNS} ${FROM} WHERE ${w.sql} ORDER BY ${order} LIMIT ? OFFSET ?`)
        .all(...w.args, q.limit, q.offset) as RawJob[];
      return { total, jobs: rows.map(decode) };
    },
    /** Jobs that finished at or after `since` (epoch ms), per minute (epoch ms of its start). */
    endedPerMinute(since: number): Map<number, number> {
      const rows = endedSince.all(since) as { minute: number; n: number }[];
      return new Map(rows.map((r) => [r.minute, r.n]));
    },
    /** The ids and owners of jobs by seq (a seq no longer stored is left out). */
    idsOf(seqs: number[]): { id: string; owner: string }[] {
      return idsOf.all(JSON.stringify(seqs)) as { id: string; owner: string }[];
    },
  };
}
