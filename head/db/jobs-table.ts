// SQL of the jobs and job_scripts tables: one named function per statement. The statements are
// grouped by use in jobs-table-*.ts; head/db/store.ts puts the groups together as `store.jobs`.

import type { JobSpec } from '../../core/job-spec-types.js';
import type { JobRow } from '../../core/lifecycle/job-events.js';
import type { JobState } from '../../core/lifecycle/states.js';
import type { ResourceUsage } from '../../core/record-types.js';
import type { Db } from './connection.js';

/** A plain job, an array's parent, or one of its subjobs. */
export type JobKind = 'job' | 'array' | 'subjob';

export interface StoredJob {
  seq: number;
  id: string;
  kind: JobKind;
  /** subjobs: the parent's seq, the index, and the parent's state (X shows while it lives) */
  arrayParent?: number;
  arrayIndex?: number;
  parentState?: JobState;
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

export interface RawJob {
  seq: number;
  id: string;
  kind: JobKind;
  arrayParent: number | null;
  arrayIndex: number | null;
  parentState: JobState | null;
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

/** A job as stored, before anything is decoded. */
export interface RawRecord {
  seq: number;
  id: string;
  owner: string;
  kind: JobKind;
  arrayParent: number | null;
  state: string;
  row: string;
  spec: string;
}

/** Every query reads jobs as `j`; a subjob takes its spec from its parent `p`. */
export const COLUMNS = `j.seq, j.id, j.kind, j.array_parent AS arrayParent, j.array_index AS arrayIndex,
  p.state AS parentState, j.owner, j.queue, CASE WHEN j.kind = 'subjob' THEN p.spec ELSE j.spec END AS spec,
  j.output_path AS outputPath, j.error_path AS errorPath, j.ctime, j.row, j.sched_comment AS schedComment,
  j.est_start AS estimatedStart, j.usage`;
export const FROM = 'FROM jobs j LEFT JOIN jobs p ON p.seq = j.array_parent';

export function decode(r: RawJob): StoredJob {
  const row = JSON.parse(r.row) as JobRow;
  const spec = JSON.parse(r.spec) as JobSpec;
  const job: StoredJob = {
    seq: r.seq,
    id: r.id,
    kind: r.kind,
    owner: r.owner,
    queue: r.queue,
    // what qalter changed lies over the submitted spec and paths
    spec: row.specChanges ? { ...spec, ...row.specChanges } : spec,
    outputPath: row.outputPath ?? r.outputPath,
    errorPath: row.errorPath ?? r.errorPath,
    ctime: r.ctime,
    row,
  };
  if (r.arrayParent !== null) job.arrayParent = r.arrayParent;
  if (r.arrayIndex !== null) job.arrayIndex = r.arrayIndex;
  if (r.parentState !== null) job.parentState = r.parentState;
  if (r.schedComment) job.schedComment = r.schedComment;
  if (r.estimatedStart !== null) job.estimatedStart = r.estimatedStart;
  if (r.usage) job.usage = JSON.parse(r.usage);
  return job;
}

/** seq, id, priority, queue, owner, array parent, resources (JSON), rank (the seq unless qorder moved it) */
export type PendingRow = [number, string, number, string, string, number | null, string, number];

/** A job's row as the INSERT names its columns. */
function insertParams(job: StoredJob) {
  return {
    seq: job.seq,
    id: job.id,
    kind: job.kind,
    arrayParent: job.arrayParent ?? null,
    arrayIndex: job.arrayIndex ?? null,
    owner: job.owner,
    queue: job.queue,
    spec: job.kind === 'subjob' ? '' : JSON.stringify(job.spec),
    outputPath: job.outputPath,
    errorPath: job.errorPath,
    ctime: job.ctime,
    state: job.row.state,
    priority: job.row.priority,
    row: JSON.stringify(job.row),
    resources: JSON.stringify(job.row.resources),
  };
}

/** Writing jobs; whoever keeps a copy of them (head/scheduling/pending-queue.ts) is told. */
export function jobWritesSql(db: Db) {
  const insert =
    db.prepare(`INSERT INTO jobs (seq, id, kind, array_parent, array_index, owner, queue, spec, output_path, error_path, ctime, state, priority, row, resources)
    VALUES (@seq, @id, @kind, @arrayParent, @arrayIndex, @owner, @queue, @spec, @outputPath, @errorPath, @ctime, @state, @priority, @row, @resources)`);
  const insertScript = db.prepare('INSERT INTO job_scripts (seq, script) VALUES (?, ?)');
  const update = db.prepare(
    'UPDATE jobs SET row = ?, state = ?, priority = ?, node = ?, attempt = ?, resources = ?, usage = NULL WHERE seq = ? AND state = ?',
  );
  const updateKeepUsage = db.prepare(
    'UPDATE jobs SET row = ?, state = ?, priority = ?, node = ?, attempt = ?, resources = ? WHERE seq = ? AND state = ?',
  );
  const repair = db.prepare("UPDATE jobs SET row = ?, spec = coalesce(?, spec), state = 'F' WHERE seq = ?");
  /** told the seq of every job written (a superset of what changed: a rolled-back write too) */
  const listeners: ((seq: number) => void)[] = [];
  const written = (seq: number) => {
    for (const l of listeners) l(seq);
  };
  return {
    insert(job: StoredJob, script: string | undefined): void {
      insert.run(insertParams(job));
      written(job.seq);
      if (script !== undefined) insertScript.run(job.seq, script);
    },
    /** Store a new row if the job is still in `expected`; false when someone else changed it. */
    updateRow(seq: number, expected: JobState, row: JobRow): boolean {
      const stmt = row.state === 'R' || row.state === 'E' ? updateKeepUsage : update;
      written(seq);
      return (
        stmt.run(
          JSON.stringify(row),
          row.state,
          row.priority,
          row.node ?? null,
          row.attempt,
          JSON.stringify(row.resources),
          seq,
          expected,
        ).changes === 1
      );
    },
    /** End a damaged job: a row written afresh, and a spec replaced when it could not be read. */
    repair(seq: number, row: JobRow, spec?: JobSpec): void {
      repair.run(JSON.stringify(row), spec ? JSON.stringify(spec) : null, seq);
      written(seq);
    },
    /** Tell the listeners of a write made by another group's statement (jobs-table-order.ts). */
    written,
    /** Call `listener` with the seq of every job written from now on. */
    onWrite(listener: (seq: number) => void): void {
      listeners.push(listener);
    },
  };
}

/** One job by its seq or id, and its script. */
export function jobLookupsSql(db: Db) {
  const bySeq = db.prepare(`SELECT ${COLUMNS} ${FROM} WHERE j.seq = ?`);
  const byId = db.prepare(`SELECT ${COLUMNS} ${FROM} WHERE j.id = ?`);
  // a subjob runs its array's script
  const script = db
    .prepare(
      'SELECT script FROM job_scripts WHERE seq = coalesce((SELECT array_parent FROM jobs WHERE seq = @seq), @seq)',
    )
    .pluck();
  return {
    get(seq: number): StoredJob | undefined {
      const r = bySeq.get(seq) as RawJob | undefined;
      return r ? decode(r) : undefined;
    },
    byId(id: string): StoredJob | undefined {
      const r = byId.get(id) as RawJob | undefined;
      return r ? decode(r) : undefined;
    },
    script(seq: number): string | undefined {
      return script.get({ seq }) as string | undefined;
    },
  };
}
