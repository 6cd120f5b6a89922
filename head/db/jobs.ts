// SQL of the jobs and job_scripts tables: one named function per statement.
import type { JobRow } from '../../core/lifecycle.js';
import type { SchedJob } from '../../core/scheduler.js';
import type { JobState } from '../../core/states.js';
import type { JobSpec, ResourceRequest, ResourceUsage } from '../../core/types.js';
import type { Db } from './connection.js';

export interface StoredJob {
  seq: number;
  id: string;
  owner: string;
  queue: string;
  spec: JobSpec;
  outputPath: string;
  errorPath: string;
  ctime: number;
  row: JobRow;
  schedComment?: string;
  /** epoch seconds */
  estimatedStart?: number;
  usage?: ResourceUsage;
}

interface RawJob {
  seq: number;
  id: string;
  owner: string;
  queue: string;
  spec: string;
  outputPath: string;
  errorPath: string;
  ctime: number;
  row: string;
  schedComment: string | null;
  estimatedStart: number | null;
  usage: string | null;
}

const COLUMNS = `seq, id, owner, queue, spec, output_path AS outputPath, error_path AS errorPath, ctime, row,
  sched_comment AS schedComment, est_start AS estimatedStart, usage`;

function decode(r: RawJob): StoredJob {
  const job: StoredJob = {
    seq: r.seq,
    id: r.id,
    owner: r.owner,
    queue: r.queue,
    spec: JSON.parse(r.spec),
    outputPath: r.outputPath,
    errorPath: r.errorPath,
    ctime: r.ctime,
    row: JSON.parse(r.row),
  };
  if (r.schedComment) job.schedComment = r.schedComment;
  if (r.estimatedStart !== null) job.estimatedStart = r.estimatedStart;
  if (r.usage) job.usage = JSON.parse(r.usage);
  return job;
}

export function jobsSql(db: Db) {
  const insert =
    db.prepare(`INSERT INTO jobs (seq, id, owner, queue, spec, output_path, error_path, ctime, state, priority, row)
    VALUES (@seq, @id, @owner, @queue, @spec, @outputPath, @errorPath, @ctime, @state, @priority, @row)`);
  const insertScript = db.prepare('INSERT INTO job_scripts (seq, script) VALUES (?, ?)');
  const bySeq = db.prepare(`SELECT ${COLUMNS} FROM jobs WHERE seq = ?`);
  const script = db.prepare('SELECT script FROM job_scripts WHERE seq = ?').pluck();
  const update = db.prepare(
    'UPDATE jobs SET row = ?, state = ?, priority = ?, node = ?, attempt = ?, usage = NULL WHERE seq = ? AND state = ?',
  );
  const updateKeepUsage = db.prepare(
    'UPDATE jobs SET row = ?, state = ?, priority = ?, node = ?, attempt = ? WHERE seq = ? AND state = ?',
  );
  const all = db.prepare(`SELECT ${COLUMNS} FROM jobs ORDER BY seq`);
  const active = db.prepare(`SELECT ${COLUMNS} FROM jobs WHERE state != 'F' ORDER BY seq`);
  const pending = db.prepare(
    `SELECT seq, id, priority, queue, owner, json_extract(row, '$.resources') AS resources FROM jobs WHERE state = 'Q' ORDER BY priority DESC, seq`,
  );
  const runningCounts = db.prepare(
    `SELECT queue, substr(owner, 1, instr(owner, '@') - 1) AS user, count(*) AS n FROM jobs WHERE state IN ('R', 'E') GROUP BY queue, user`,
  );
  const inState = db.prepare(`SELECT ${COLUMNS} FROM jobs WHERE state = ? ORDER BY seq`);
  const onNode = db.prepare(
    `SELECT ${COLUMNS} FROM jobs WHERE node = ? AND state IN ('R', 'E') ORDER BY seq`,
  );
  const finishedSince = db.prepare(
    `SELECT ${COLUMNS} FROM jobs WHERE state = 'F' AND json_extract(row, '$.obittime') >= ? ORDER BY seq`,
  );
  const setComment = db.prepare('UPDATE jobs SET sched_comment = ? WHERE seq = ?');
  const setEstimate = db.prepare('UPDATE jobs SET est_start = ? WHERE seq = ?');
  const clearEstimates = db.prepare(
    'UPDATE jobs SET est_start = NULL WHERE est_start IS NOT NULL AND seq != ?',
  );
  const setUsage = db.prepare("UPDATE jobs SET usage = ? WHERE seq = ? AND state = 'R'");
  const parsed = new Map<string, ResourceRequest>();
  const countByState = db.prepare('SELECT queue, state, count(*) AS n FROM jobs GROUP BY queue, state');

  return {
    insert(job: StoredJob, script: string | undefined): void {
      insert.run({
        seq: job.seq,
        id: job.id,
        owner: job.owner,
        queue: job.queue,
        spec: JSON.stringify(job.spec),
        outputPath: job.outputPath,
        errorPath: job.errorPath,
        ctime: job.ctime,
        state: job.row.state,
        priority: job.row.priority,
        row: JSON.stringify(job.row),
      });
      if (script !== undefined) insertScript.run(job.seq, script);
    },
    get(seq: number): StoredJob | undefined {
      const r = bySeq.get(seq) as RawJob | undefined;
      return r ? decode(r) : undefined;
    },
    script(seq: number): string | undefined {
      return script.get(seq) as string | undefined;
    },
    /** Store a new row if the job is still in `expected`; false when someone else changed it. */
    updateRow(seq: number, expected: JobState, row: JobRow): boolean {
      const stmt = row.state === 'R' || row.state === 'E' ? updateKeepUsage : update;
      return (
        stmt.run(JSON.stringify(row), row.state, row.priority, row.node ?? null, row.attempt, seq, expected)
          .changes === 1
      );
    },
    list(history: boolean): StoredJob[] {
      return ((history ? all : active).all() as RawJob[]).map(decode);
    },
    /** Finished jobs that ended at or after `since` (epoch seconds), for Torque's C jobs. */
    finishedSince(since: number): StoredJob[] {
      return (finishedSince.all(since) as RawJob[]).map(decode);
    },
    inState(state: JobState): StoredJob[] {
      return (inState.all(state) as RawJob[]).map(decode);
    },
    onNode(node: string): StoredJob[] {
      return (onNode.all(node) as RawJob[]).map(decode);
    },
    /** Queued jobs in scheduling order; identical resource texts are parsed once. */
    pending(): SchedJob[] {
      if (parsed.size > 10_000) parsed.clear();
      const rows = pending.all() as {
        seq: number;
        id: string;
        priority: number;
        queue: string;
        owner: string;
        resources: string;
      }[];
      return rows.map(({ owner, ...r }) => {
        let resources = parsed.get(r.resources);
        if (!resources) {
          resources = JSON.parse(r.resources) as ResourceRequest;
          parsed.set(r.resources, resources);
        }
        return { ...r, user: owner.slice(0, owner.indexOf('@')), resources };
      });
    },
    /** Running (and exiting) jobs per queue and user, for the queue limits. */
    runningCounts(): { queue: string; user: string; n: number }[] {
      return runningCounts.all() as { queue: string; user: string; n: number }[];
    },
    /** The one job with an estimated start (the top job), or none. */
    setEstimate(seq: number | undefined, start: number | undefined): void {
      clearEstimates.run(seq ?? -1);
      if (seq !== undefined) setEstimate.run(start ?? null, seq);
    },
    setSchedComment(seq: number, comment: string | null): void {
      setComment.run(comment, seq);
    },
    setUsage(seq: number, usage: ResourceUsage): void {
      setUsage.run(JSON.stringify(usage), seq);
    },
    counts(): { queue: string; state: JobState; n: number }[] {
      return countByState.all() as { queue: string; state: JobState; n: number }[];
    },
  };
}

export type JobsSql = ReturnType<typeof jobsSql>;
