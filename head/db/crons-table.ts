// SQL of the cron_jobs table: recurring templates and when each ticks next.

import type { JobSpec } from '../../core/job-spec-types.js';
import type { CronRecord } from '../../core/record-types.js';
import type { Db } from './connection.js';

export interface StoredCron extends CronRecord {
  seq: number;
  spec: JobSpec;
}

interface RawCron {
  seq: number;
  id: string;
  owner: string;
  name: string;
  schedule: string;
  spec: string;
  nextAt: number;
  lastAt: number | null;
  lastJob: string | null;
  runs: number;
  created: number;
}

const COLUMNS = `seq, id, owner, name, schedule, spec, next_at AS nextAt, last_at AS lastAt,
  last_job AS lastJob, runs, created`;

function decode(r: RawCron): StoredCron {
  const { spec, lastAt, lastJob, ...rest } = r;
  return {
    ...rest,
    spec: JSON.parse(spec) as JobSpec,
    ...(lastAt !== null ? { lastAt } : {}),
    ...(lastJob !== null ? { lastJob } : {}),
  };
}

export function cronsSql(db: Db) {
  const insert = db.prepare(
    'INSERT INTO cron_jobs (seq, id, owner, name, schedule, spec, next_at, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const all = db.prepare(`SELECT ${COLUMNS} FROM cron_jobs ORDER BY seq`);
  const due = db.prepare(`SELECT ${COLUMNS} FROM cron_jobs WHERE next_at <= ? ORDER BY next_at, seq`);
  const bySeq = db.prepare(`SELECT ${COLUMNS} FROM cron_jobs WHERE seq = ?`);
  const ticked = db.prepare(
    'UPDATE cron_jobs SET next_at = ?, last_at = ?, last_job = coalesce(?, last_job), runs = runs + ? WHERE seq = ?',
  );
  const remove = db.prepare('DELETE FROM cron_jobs WHERE seq = ?');
  return {
    insert(c: Omit<StoredCron, 'runs' | 'lastAt' | 'lastJob'>): void {
      insert.run(c.seq, c.id, c.owner, c.name, c.schedule, JSON.stringify(c.spec), c.nextAt, c.created);
    },
    all(): StoredCron[] {
      return (all.all() as RawCron[]).map(decode);
    },
    due(now: number): StoredCron[] {
      return (due.all(now) as RawCron[]).map(decode);
    },
    get(seq: number): StoredCron | undefined {
      const r = bySeq.get(seq) as RawCron | undefined;
      return r ? decode(r) : undefined;
    },
    /** A tick happened at `at`: the next one is `nextAt`; `job` is what it submitted, if any. */
    ticked(seq: number, nextAt: number, at: number, job: string | undefined): void {
      ticked.run(nextAt, at, job ?? null, job ? 1 : 0, seq);
    },
    remove(seq: number): void {
      remove.run(seq);
    },
  };
}
