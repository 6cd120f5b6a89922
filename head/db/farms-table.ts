// SQL of the render farm tables: frames of each farm, failed task attempts, post jobs, the
// thumbnails of finished frames.
import type { FarmFrame, TaskFailure } from '../../core/farm/farm-status.js';
import type { FrameProgress } from '../../core/farm/progress.js';
import type { Db } from './connection.js';

export type StoredFrame = FarmFrame;

interface FrameRow {
  frame: number;
  task: number;
  state: FrameProgress['state'];
  percent: number;
  node: string | null;
  attempts: number;
  output: string | null;
}

const toFrame = (r: FrameRow): StoredFrame => ({
  frame: r.frame,
  task: r.task,
  state: r.state,
  percent: r.percent,
  attempts: r.attempts,
  ...(r.node !== null ? { node: r.node } : {}),
  ...(r.output !== null ? { output: r.output } : {}),
});

const FRAME_COLUMNS = 'frame, task, state, percent, node, attempts, output';

export function farmsSql(db: Db) {
  return {
    ...frameStatements(db),
    ...taskStatements(db),
    ...failureStatements(db),
    ...postStatements(db),
    ...thumbnailStatements(db),
    ...forgetStatements(db),
  };
}

/** A farm whose history is deleted (qdel -x, head/jobs/job-history.ts): all its rows go. */
function forgetStatements(db: Db) {
  const deletes = ['farm_frames', 'farm_failures', 'farm_posts', 'farm_thumbnails'].map((table) =>
    db.prepare(`DELETE FROM ${table} WHERE farm = ?`),
  );
  return {
    forget(farm: number): void {
      for (const stmt of deletes) stmt.run(farm);
    },
  };
}

/** A farm's frames: created, read, their progress written. */
function frameStatements(db: Db) {
  const insertFrame = db.prepare('INSERT INTO farm_frames (farm, frame, position, task) VALUES (?, ?, ?, ?)');
  const frames = db.prepare(`SELECT ${FRAME_COLUMNS} FROM farm_frames WHERE farm = ? ORDER BY position`);
  const taskFrames = db.prepare(
    `SELECT ${FRAME_COLUMNS} FROM farm_frames WHERE farm = ? AND task = ? ORDER BY position`,
  );
  const putFrame = db.prepare(
    'UPDATE farm_frames SET state = ?, percent = ?, output = ? WHERE farm = ? AND frame = ?',
  );
  return {
    /** The frames of a new farm: each frame's position in the list and the task of its chunk. */
    create(farm: number, chunks: number[][]): void {
      let position = 0;
      chunks.forEach((chunk, i) => {
        for (const frame of chunk) insertFrame.run(farm, frame, position++, i + 1);
      });
    },
    frames(farm: number): StoredFrame[] {
      return (frames.all(farm) as FrameRow[]).map(toFrame);
    },
    taskFrames(farm: number, task: number): StoredFrame[] {
      return (taskFrames.all(farm, task) as FrameRow[]).map(toFrame);
    },
    putFrames(farm: number, changed: FrameProgress[]): void {
      for (const f of changed) putFrame.run(f.state, f.percent, f.output ?? null, farm, f.frame);
    },
  };
}

/** A task's frames as its attempts start, end and are redone. */
function taskStatements(db: Db) {
  const startTask = db.prepare(
    `UPDATE farm_frames SET node = ?, attempts = attempts + 1,
       state = CASE WHEN state = 'done' THEN state ELSE 'queued' END,
       percent = CASE WHEN state = 'done' THEN percent ELSE 0 END
     WHERE farm = ? AND task = ?`,
  );
  const firstRunning = db.prepare(
    `UPDATE farm_frames SET state = 'running' WHERE farm = ? AND task = ? AND position =
       (SELECT min(position) FROM farm_frames WHERE farm = ? AND task = ? AND state != 'done')`,
  );
  const endTask = db.prepare(
    `UPDATE farm_frames SET state = ?, percent = CASE WHEN ? = 'done' THEN 100 ELSE percent END
     WHERE farm = ? AND task = ? AND state != 'done'`,
  );
  const redo = db.prepare(
    "UPDATE farm_frames SET state = 'queued', percent = 0, output = NULL WHERE farm = ? AND task = ?",
  );
  const forgetTask = db.prepare('DELETE FROM farm_failures WHERE farm = ? AND task = ?');
  const forgetThumbnails = db.prepare(
    'DELETE FROM farm_thumbnails WHERE farm = ? AND frame IN (SELECT frame FROM farm_frames WHERE farm = ? AND task = ?)',
  );
  return {
    /** A task's attempt started on `node`: its first frame not yet done runs, the others wait at 0 %. */
    startTask(farm: number, task: number, node: string): void {
      startTask.run(node, farm, task);
      firstRunning.run(farm, task, farm, task);
    },
    /** A task ended: its frames not done become `state` (done at 100 %, failed or queued). */
    endTask(farm: number, task: number, state: FrameProgress['state']): void {
      endTask.run(state, state, farm, task);
    },
    /** A task to render again: all its frames are queued, its failures and thumbnails forgotten. */
    redoTask(farm: number, task: number): void {
      redo.run(farm, task);
      forgetTask.run(farm, task);
      forgetThumbnails.run(farm, farm, task);
    },
  };
}

/** Failed task attempts, and the node blocklist they make. */
function failureStatements(db: Db) {
  const addFailure = db.prepare(
    `INSERT OR REPLACE INTO farm_failures (farm, task, attempt, node, status, reason, at, tail)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const failures = db.prepare(
    'SELECT task, attempt, node, status, reason, at, tail FROM farm_failures WHERE farm = ? ORDER BY at, task, attempt',
  );
  const failedNodes = db.prepare(
    'SELECT DISTINCT task, node FROM farm_failures WHERE farm = ? AND counted = 1',
  );
  const nodeCounts = db.prepare(
    'SELECT node, count(*) AS n FROM farm_failures WHERE farm = ? AND counted = 1 GROUP BY node',
  );
  const clearNode = db.prepare('UPDATE farm_failures SET counted = 0 WHERE farm = ? AND node = ?');
  const clearAll = db.prepare('UPDATE farm_failures SET counted = 0 WHERE farm = ?');
  const failingTasks = db.prepare(
    `SELECT f.farm AS farm, count(DISTINCT f.task) AS n FROM farm_failures f JOIN jobs j ON j.seq = f.farm
     WHERE j.state != 'F' AND f.counted = 1 GROUP BY f.farm`,
  );
  return {
    addFailure(farm: number, f: TaskFailure): void {
      addFailure.run(farm, f.task, f.attempt, f.node, f.status, f.reason ?? null, f.at, f.tail);
    },
    failures(farm: number): TaskFailure[] {
      return (failures.all(farm) as (TaskFailure & { reason: string | null })[]).map(({ reason, ...f }) => ({
        ...f,
        ...(reason !== null ? { reason } : {}),
      }));
    },
    /** Per live farm, how many of its tasks have failures that count (they avoid nodes). */
    failingTasks(): Map<number, number> {
      const rows = failingTasks.all() as { farm: number; n: number }[];
      return new Map(rows.map((r) => [r.farm, r.n]));
    },
    /** Per task, the nodes it has failed on (failures that still count). */
    failedNodesByTask(farm: number): Map<number, string[]> {
      const by = new Map<number, string[]>();
      for (const r of failedNodes.all(farm) as { task: number; node: string }[])
        by.set(r.task, [...(by.get(r.task) ?? []), r.node]);
      return by;
    },
    /** Per node, its failures that count towards the blocklist. */
    nodeFailureCounts(farm: number): Map<string, number> {
      const rows = nodeCounts.all(farm) as { node: string; n: number }[];
      return new Map(rows.map((r) => [r.node, r.n]));
    },
    /** Clear one node's blocklisting (or every node's): its failures no longer count. */
    clearBlocks(farm: number, node?: string): void {
      if (node === undefined) clearAll.run(farm);
      else clearNode.run(farm, node);
    },
  };
}

/** Each farm's post job (`--then`), and the list of farms. */
function postStatements(db: Db) {
  const post = db.prepare('SELECT job, missing FROM farm_posts WHERE farm = ?');
  const putPost = db.prepare(
    `INSERT INTO farm_posts (farm, job, missing) VALUES (?, ?, ?)
     ON CONFLICT (farm) DO UPDATE SET job = excluded.job, missing = excluded.missing`,
  );
  const farmOfPost = db.prepare('SELECT farm FROM farm_posts WHERE job = ?');
  const all = db.prepare('SELECT farm FROM farm_posts ORDER BY farm');
  const frameCounts = db.prepare(
    `SELECT f.state AS state, count(*) AS n FROM farm_frames f JOIN jobs j ON j.seq = f.farm
     WHERE j.state != 'F' GROUP BY f.state`,
  );
  return {
    /** The frames of the farms not finished yet, counted by state. */
    liveFrameCounts(): { state: StoredFrame['state']; n: number }[] {
      return frameCounts.all() as { state: StoredFrame['state']; n: number }[];
    },
    /** Every farm's seq, oldest first. */
    all(): number[] {
      return (all.all() as { farm: number }[]).map((r) => r.farm);
    },
    post(farm: number): { job: number | null; missing: number[] } | undefined {
      const r = post.get(farm) as { job: number | null; missing: string | null } | undefined;
      return r && { job: r.job, missing: r.missing ? (JSON.parse(r.missing) as number[]) : [] };
    },
    setPost(farm: number, job: number | null, missing: number[] = []): void {
      putPost.run(farm, job, missing.length ? JSON.stringify(missing) : null);
    },
    farmOfPost(job: number): number | undefined {
      return (farmOfPost.get(job) as { farm: number } | undefined)?.farm;
    },
  };
}

/** A stored thumbnail of a frame: its type, bytes and the task attempt that made it. */
export interface StoredThumbnail {
  type: string;
  data: Buffer;
  attempt: number;
}

/** The thumbnails of finished frames, one per frame (a later attempt's replaces it). */
function thumbnailStatements(db: Db) {
  const put = db.prepare(
    `INSERT INTO farm_thumbnails (farm, frame, attempt, type, data) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (farm, frame) DO UPDATE SET attempt = excluded.attempt, type = excluded.type, data = excluded.data`,
  );
  const get = db.prepare('SELECT type, data, attempt FROM farm_thumbnails WHERE farm = ? AND frame = ?');
  const attempts = db.prepare('SELECT frame, attempt FROM farm_thumbnails WHERE farm = ?');
  return {
    putThumbnail(farm: number, frame: number, attempt: number, type: string, data: Buffer): void {
      put.run(farm, frame, attempt, type, data);
    },
    thumbnail(farm: number, frame: number): StoredThumbnail | undefined {
      return get.get(farm, frame) as StoredThumbnail | undefined;
    },
    /** Per frame that has a thumbnail, the attempt that made it. */
    thumbnailAttempts(farm: number): Map<number, number> {
      const rows = attempts.all(farm) as { frame: number; attempt: number }[];
      return new Map(rows.map((r) => [r.frame, r.attempt]));
    },
  };
}
