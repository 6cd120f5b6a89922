// SQL of the jobs and job_scripts tables: one named function per statement.
import type { JobRow } from '../../core/lifecycle.js';
import type { SchedJob } from '../../core/scheduler.js';
import type { JobState } from '../../core/states.js';
import type { JobSpec, ResourceRequest, ResourceUsage } from '../../core/types.js';
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

interface RawJob {
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

/** Every query reads jobs as `j`; a subjob takes its spec from its parent `p`. */
const COLUMNS = `j.seq, j.id, j.kind, j.array_parent AS arrayParent, j.array_index AS arrayIndex,
  p.state AS parentState, j.owner, j.queue, CASE WHEN j.kind = 'subjob' THEN p.spec ELSE j.spec END AS spec,
  j.output_path AS outputPath, j.error_path AS errorPath, j.ctime, j.row, j.sched_comment AS schedComment,
  j.est_start AS estimatedStart, j.usage`;
const FROM = 'FROM jobs j LEFT JOIN jobs p ON p.seq = j.array_parent';

function decode(r: RawJob): StoredJob {
  const job: StoredJob = {
    seq: r.seq,
    id: r.id,
    kind: r.kind,
    owner: r.owner,
    queue: r.queue,
    spec: JSON.parse(r.spec),
    outputPath: r.outputPath,
    errorPath: r.errorPath,
    ctime: r.ctime,
    row: JSON.parse(r.row),
  };
  if (r.arrayParent !== null) job.arrayParent = r.arrayParent;
  if (r.arrayIndex !== null) job.arrayIndex = r.arrayIndex;
  if (r.parentState !== null) job.parentState = r.parentState;
  if (r.schedComment) job.schedComment = r.schedComment;
  if (r.estimatedStart !== null) job.estimatedStart = r.estimatedStart;
  if (r.usage) job.usage = JSON.parse(r.usage);
  return job;
}

export function jobsSql(db: Db) {
  const insert =
    db.prepare(`INSERT INTO jobs (seq, id, kind, array_parent, array_index, owner, queue, spec, output_path, error_path, ctime, state, priority, row)
    VALUES (@seq, @id, @kind, @arrayParent, @arrayIndex, @owner, @queue, @spec, @outputPath, @errorPath, @ctime, @state, @priority, @row)`);
  const insertScript = db.prepare('INSERT INTO job_scripts (seq, script) VALUES (?, ?)');
  const bySeq = db.prepare(`SELECT ${COLUMNS} ${FROM} WHERE j.seq = ?`);
  const byId = db.prepare(`SELECT ${COLUMNS} ${FROM} WHERE j.id = ?`);
  // a subjob runs its array's script
  const script = db
    .prepare(
      'SELECT script FROM job_scripts WHERE seq = coalesce((SELECT array_parent FROM jobs WHERE seq = @seq), @seq)',
    )
    .pluck();
  const update = db.prepare(
    'UPDATE jobs SET row = ?, state = ?, priority = ?, node = ?, attempt = ?, usage = NULL WHERE seq = ? AND state = ?',
  );
  const updateKeepUsage = db.prepare(
    'UPDATE jobs SET row = ?, state = ?, priority = ?, node = ?, attempt = ? WHERE seq = ? AND state = ?',
  );
  // without subjobs unless asked; a finished subjob of a live array is listed (it shows as X)
  const listed = (history: boolean, subjobs: boolean) =>
    db.prepare(
      `SELECT ${COLUMNS} ${FROM} WHERE ${subjobs ? '1' : "j.kind != 'subjob'"}
      ${history ? '' : "AND (j.state != 'F' OR (j.kind = 'subjob' AND p.state != 'F'))"} ORDER BY j.seq`,
    );
  const lists = [
    [listed(false, false), listed(false, true)],
    [listed(true, false), listed(true, true)],
  ];
  const subjobsOf = db.prepare(`SELECT ${COLUMNS} ${FROM} WHERE j.array_parent = ? ORDER BY j.array_index`);
  // subjobs of a held or waiting array are not started
  const pending = db.prepare(
    `SELECT j.seq, j.id, j.priority, j.queue, j.owner, j.array_parent AS arrayParent,
      json_extract(j.row, '$.resources') AS resources ${FROM}
    WHERE j.state = 'Q' AND j.kind != 'array' AND (j.array_parent IS NULL OR p.state IN ('Q', 'B'))
    ORDER BY j.priority DESC, j.seq`,
  );
  const runningCounts = db.prepare(
    `SELECT queue, substr(owner, 1, instr(owner, '@') - 1) AS user, count(*) AS n FROM jobs WHERE state IN ('R', 'E') GROUP BY queue, user`,
  );
  const runningSubjobs = db.prepare(
    "SELECT array_parent AS parent, count(*) AS n FROM jobs WHERE array_parent IS NOT NULL AND state IN ('R', 'E') GROUP BY array_parent",
  );
  const subjobStates = db.prepare(
    'SELECT state, count(*) AS n FROM jobs WHERE array_parent = ? GROUP BY state',
  );
  const queuedIndices = db
    .prepare(
      "SELECT array_index FROM jobs WHERE array_parent = ? AND state IN ('Q', 'H', 'W') ORDER BY array_index",
    )
    .pluck();
  const unfinishedSubjob = db
    .prepare(
      "SELECT EXISTS (SELECT 1 FROM jobs WHERE array_parent = ? AND state IN ('Q', 'H', 'W', 'R', 'E'))",
    )
    .pluck();
  const subjobOutcomes = db.prepare(
    `SELECT json_extract(row, '$.exitStatus') AS status, json_extract(row, '$.runCount') AS runs,
      json_extract(row, '$.deleteRequestedBy') AS killedBy, json_extract(row, '$.substate') AS substate
    FROM jobs WHERE array_parent = ?`,
  );
  const inState = db.prepare(`SELECT ${COLUMNS} ${FROM} WHERE j.state = ? ORDER BY j.seq`);
  const onNode = db.prepare(
    `SELECT ${COLUMNS} ${FROM} WHERE j.node = ? AND j.state IN ('R', 'E') ORDER BY j.seq`,
  );
  const finishedSince = db.prepare(
    `SELECT ${COLUMNS} ${FROM} WHERE j.state = 'F' AND j.kind != 'subjob' AND json_extract(j.row, '$.obittime') >= ? ORDER BY j.seq`,
  );
  const setComment = db.prepare('UPDATE jobs SET sched_comment = ? WHERE seq = ?');
  const setEstimate = db.prepare('UPDATE jobs SET est_start = ? WHERE seq = ?');
  const clearEstimates = db.prepare(
    'UPDATE jobs SET est_start = NULL WHERE est_start IS NOT NULL AND seq != ?',
  );
  const setUsage = db.prepare("UPDATE jobs SET usage = ? WHERE seq = ? AND state = 'R'");
  const parsed = new Map<string, ResourceRequest>();
  // an array counts as its subjobs
  const countByState = db.prepare(
    "SELECT queue, state, count(*) AS n FROM jobs WHERE kind != 'array' GROUP BY queue, state",
  );

  return {
    insert(job: StoredJob, script: string | undefined): void {
      insert.run({
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
      });
      if (script !== undefined) insertScript.run(job.seq, script);
    },
    get(seq: number): StoredJob | undefined {
      const r = bySeq.get(seq) as RawJob | undefined;
      return r ? decode(r) : undefined;
    },
    byId(id: string): StoredJob | undefined {
      const r = byId.get(id) as RawJob | undefined;
      return r ? decode(r) : undefined;
    },
    /** An array's subjobs in index order. */
    subjobs(parent: number): StoredJob[] {
      return (subjobsOf.all(parent) as RawJob[]).map(decode);
    },
    /** How many subjobs of an array are in each state. */
    subjobStates(parent: number): { state: JobState; n: number }[] {
      return subjobStates.all(parent) as { state: JobState; n: number }[];
    },
    /** Indices of the subjobs that have not started (array_indices_remaining). */
    queuedIndices(parent: number): number[] {
      return queuedIndices.all(parent) as number[];
    },
    hasUnfinishedSubjob(parent: number): boolean {
      return unfinishedSubjob.get(parent) === 1;
    },
    /** How each subjob of an array ended (for the parent's Exit_status and substate). */
    subjobOutcomes(
      parent: number,
    ): { status: number | null; runs: number; killedBy: string | null; substate: number }[] {
      return subjobOutcomes.all(parent) as {
        status: number | null;
        runs: number;
        killedBy: string | null;
        substate: number;
      }[];
    },
    /** Running (and exiting) subjobs per array, for `%N`. */
    runningSubjobs(): Map<number, number> {
      return new Map((runningSubjobs.all() as { parent: number; n: number }[]).map((r) => [r.parent, r.n]));
    },
    script(seq: number): string | undefined {
      return script.get({ seq }) as string | undefined;
    },
    /** Store a new row if the job is still in `expected`; false when someone else changed it. */
    updateRow(seq: number, expected: JobState, row: JobRow): boolean {
      const stmt = row.state === 'R' || row.state === 'E' ? updateKeepUsage : update;
      return (
        stmt.run(JSON.stringify(row), row.state, row.priority, row.node ?? null, row.attempt, seq, expected)
          .changes === 1
      );
    },
    list(history: boolean, subjobs = false): StoredJob[] {
      return (lists[history ? 1 : 0]![subjobs ? 1 : 0]!.all() as RawJob[]).map(decode);
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
        arrayParent: number | null;
        resources: string;
      }[];
      return rows.map(({ owner, arrayParent, ...r }) => {
        let resources = parsed.get(r.resources);
        if (!resources) {
          resources = JSON.parse(r.resources) as ResourceRequest;
          parsed.set(r.resources, resources);
        }
        const job: SchedJob = { ...r, user: owner.slice(0, owner.indexOf('@')), resources };
        if (arrayParent !== null) job.array = arrayParent;
        return job;
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
