// SQL of the jobs and job_scripts tables: one named function per statement.

import type { JobSpec, ResourceRequest } from '../../core/job-spec-types.js';
import type { JobRow } from '../../core/lifecycle/job-events.js';
import type { JobState } from '../../core/lifecycle/states.js';
import type { ResourceUsage } from '../../core/record-types.js';
import type { SchedJob } from '../../core/scheduling/scheduler.js';
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
const COLUMNS = `j.seq, j.id, j.kind, j.array_parent AS arrayParent, j.array_index AS arrayIndex,
  p.state AS parentState, j.owner, j.queue, CASE WHEN j.kind = 'subjob' THEN p.spec ELSE j.spec END AS spec,
  j.output_path AS outputPath, j.error_path AS errorPath, j.ctime, j.row, j.sched_comment AS schedComment,
  j.est_start AS estimatedStart, j.usage`;
const FROM = 'FROM jobs j LEFT JOIN jobs p ON p.seq = j.array_parent';

function decode(r: RawJob): StoredJob {
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

const cpusOf = (r: ResourceRequest) =>
  Math.max(
    1,
    r.chunks.reduce((n, c) => n + c.count * c.ncpus, 0),
  );

export function jobsSql(db: Db) {
  const insert =
    db.prepare(`INSERT INTO jobs (seq, id, kind, array_parent, array_index, owner, queue, spec, output_path, error_path, ctime, state, priority, row, resources)
    VALUES (@seq, @id, @kind, @arrayParent, @arrayIndex, @owner, @queue, @spec, @outputPath, @errorPath, @ctime, @state, @priority, @row, @resources)`);
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
    'UPDATE jobs SET row = ?, state = ?, priority = ?, node = ?, attempt = ?, resources = ?, usage = NULL WHERE seq = ? AND state = ?',
  );
  const updateKeepUsage = db.prepare(
    'UPDATE jobs SET row = ?, state = ?, priority = ?, node = ?, attempt = ?, resources = ? WHERE seq = ? AND state = ?',
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
  const parsed = new Map<string, ResourceRequest>();
  // one covering index, read in order (migration 0008)
  const pending = db
    .prepare(
      `SELECT seq, id, priority, queue, owner, array_parent AS arrayParent, resources
      FROM jobs INDEXED BY jobs_pending WHERE state = 'Q' AND kind != 'array' ORDER BY priority DESC, seq`,
    )
    .raw();
  const pendingOne = db
    .prepare(
      `SELECT seq, id, priority, queue, owner, array_parent AS arrayParent, resources
      FROM jobs WHERE seq = ? AND state = 'Q' AND kind != 'array'`,
    )
    .raw();
  /**
   * The queue as the scheduler reads it, kept between passes: loaded once, then only the jobs
   * written since (`dirty`, a superset of what changed: a rolled-back write is simply read
   * again) are read back. Reading 50,000 rows costs a pass well over 100 ms on a small VM.
   */
  let queue: Map<number, SchedJob> | undefined;
  const dirty = new Set<number>();
  type PendingRow = [number, string, number, string, string, number | null, string];
  const toSchedJob = (r: PendingRow): SchedJob => {
    const [seq, id, priority, queueName, owner, arrayParent, text] = r;
    let resources = parsed.get(text);
    if (!resources) {
      if (parsed.size > 10_000) parsed.clear();
      resources = JSON.parse(text) as ResourceRequest;
      parsed.set(text, resources);
    }
    const user = owner.slice(0, owner.indexOf('@'));
    const job: SchedJob = { seq, id, priority, queue: queueName, user, resources };
    if (arrayParent !== null) job.array = arrayParent;
    return job;
  };
  const refreshQueue = (): Map<number, SchedJob> => {
    if (!queue) {
      queue = new Map((pending.all() as PendingRow[]).map((r) => [r[0], toSchedJob(r)]));
      dirty.clear();
      return queue;
    }
    for (const seq of dirty) {
      const r = pendingOne.get(seq) as PendingRow | undefined;
      if (r) queue.set(seq, toSchedJob(r));
      else queue.delete(seq);
    }
    dirty.clear();
    return queue;
  };
  const stalledArrays = db
    .prepare("SELECT seq FROM jobs WHERE kind = 'array' AND state IN ('H', 'W')")
    .pluck();
  const runningCounts = db.prepare(
    `SELECT queue, substr(owner, 1, instr(owner, '@') - 1) AS user, count(*) AS n FROM jobs WHERE state IN ('R', 'E') GROUP BY queue, user`,
  );
  // max_queued: unfinished jobs, an array counted by its subjobs
  const unfinished = db
    .prepare("SELECT count(*) FROM jobs WHERE state NOT IN ('F', 'X') AND kind != 'array'")
    .pluck();
  const unfinishedOf = db
    .prepare(
      "SELECT count(*) FROM jobs WHERE state NOT IN ('F', 'X') AND kind != 'array' AND owner LIKE ? ESCAPE '\\'",
    )
    .pluck();
  // start-up check of stored records (head/damaged.ts): raw text, nothing decoded
  const RAW = 'SELECT seq, id, owner, kind, array_parent AS arrayParent, state, row, spec FROM jobs';
  const rawUnfinished = db.prepare(`${RAW} WHERE state != 'F'`);
  const rawUnreadable = db.prepare(
    `${RAW} WHERE NOT json_valid(row) OR (kind != 'subjob' AND NOT json_valid(spec))`,
  );
  const rawSubjobs = db.prepare(`${RAW} WHERE array_parent = ? AND state != 'F'`);
  const repair = db.prepare("UPDATE jobs SET row = ?, spec = coalesce(?, spec), state = 'F' WHERE seq = ?");
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
        resources: JSON.stringify(job.row.resources),
      });
      dirty.add(job.seq);
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
      dirty.add(seq);
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
    /**
     * Queued jobs (the scheduler orders them); identical resource texts are parsed once. Subjobs
     * of a held or waiting array are left out, and of each array only as many as `freeCpus`
     * could hold (its subjobs are alike: more would only be refused one by one), at least one,
     * plus `unlike` of it (render tasks that avoid the nodes they failed on are not alike).
     */
    pending(freeCpus = Number.POSITIVE_INFINITY, unlike?: Map<number, number>): SchedJob[] {
      const stalled = new Set(stalledArrays.all() as number[]);
      const left = new Map<number, number>();
      const jobs: SchedJob[] = [];
      for (const job of refreshQueue().values()) {
        if (job.array !== undefined) {
          if (stalled.has(job.array)) continue;
          const n =
            left.get(job.array) ??
            Math.max(1, Math.floor(freeCpus / cpusOf(job.resources))) + (unlike?.get(job.array) ?? 0);
          if (n <= 0) continue;
          left.set(job.array, n - 1);
        }
        jobs.push(job);
      }
      return jobs;
    },
    /** Running (and exiting) jobs per queue and user, for the queue limits. */
    runningCounts(): { queue: string; user: string; n: number }[] {
      return runningCounts.all() as { queue: string; user: string; n: number }[];
    },
    /** Every unfinished job's record as stored (for the start-up check). */
    rawUnfinished(): RawRecord[] {
      return rawUnfinished.all() as RawRecord[];
    },
    /** Records of any state whose row or spec is not JSON. */
    rawUnreadable(): RawRecord[] {
      return rawUnreadable.all() as RawRecord[];
    },
    rawSubjobs(parent: number): RawRecord[] {
      return rawSubjobs.all(parent) as RawRecord[];
    },
    /** End a damaged job: a row written afresh, and a spec replaced when it could not be read. */
    repair(seq: number, row: JobRow, spec?: JobSpec): void {
      repair.run(JSON.stringify(row), spec ? JSON.stringify(spec) : null, seq);
      dirty.add(seq);
    },
    /** Unfinished jobs (subjobs count, their arrays do not), of everybody or of one user. */
    unfinishedCount(user?: string): number {
      if (user === undefined) return unfinished.get() as number;
      return unfinishedOf.get(`${user.replace(/[\\%_]/g, '\\$&')}@%`) as number;
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
