// SQL of the web view's job lists: one page of jobs, filtered and sorted in SQLite (so that a
// history of 100,000 jobs stays fast), the counts the overview shows, and the jobs ended per minute.
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
  name: "json_extract(CASE WHEN j.kind = 'subjob' THEN p.spec ELSE j.spec END, '$.name')",
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
  } else parts.push("j.kind != 'subjob'");
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
  if (q.name !== undefined) {
    parts.push(`instr(${SORT_SQL.name}, ?) > 0`);
    args.push(q.name);
  }
  return { sql: parts.join(' AND '), args };
}

export function jobWebSql(db: Db) {
  const byStateQueue = db.prepare(
    "SELECT state, queue, count(*) AS n FROM jobs WHERE kind != 'subjob' GROUP BY state, queue",
  );
  const endedSince = db.prepare(
    "SELECT (at / 60000) * 60000 AS minute, count(*) AS n FROM job_events WHERE type = 'finished' AND at >= ? GROUP BY minute",
  );
  const idsOf = db.prepare('SELECT id FROM jobs WHERE seq IN (SELECT value FROM json_each(?))');
  return {
    /** One page of jobs and how many match in all. */
    page(q: JobPageQuery): { total: number; jobs: StoredJob[] } {
      const w = where(q);
      const total = (
        db.prepare(`SELECT count(*) AS n ${FROM} WHERE ${w.sql}`).get(...w.args) as { n: number }
      ).n;
      const order = `${SORT_SQL[q.sort]} ${q.desc ? 'DESC' : 'ASC'}, j.seq ${q.desc ? 'DESC' : 'ASC'}`;
      const rows = db
        .prepare(`SELECT ${COLUMNS} ${FROM} WHERE ${w.sql} ORDER BY ${order} LIMIT ? OFFSET ?`)
        .all(...w.args, q.limit, q.offset) as RawJob[];
      return { total, jobs: rows.map(decode) };
    },
    /** Top-level jobs (arrays count once) by state and queue. */
    countsByStateAndQueue(): { state: string; queue: string; n: number }[] {
      return byStateQueue.all() as { state: string; queue: string; n: number }[];
    },
    /** Jobs that finished at or after `since` (epoch ms), per minute (epoch ms of its start). */
    endedPerMinute(since: number): Map<number, number> {
      const rows = endedSince.all(since) as { minute: number; n: number }[];
      return new Map(rows.map((r) => [r.minute, r.n]));
    },
    /** The ids of jobs by seq (a seq no longer stored is left out). */
    idsOf(seqs: number[]): string[] {
      return (idsOf.all(JSON.stringify(seqs)) as { id: string }[]).map((r) => r.id);
    },
  };
}
