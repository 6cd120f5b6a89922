// Render farms at the head: a farm is an array job whose subjobs are its chunks
// (tasks). Here: the farm's frames at submission, its tasks' progress, logs and frame
// thumbnails, the retry of a failed task on another node, the nodes blocklisted for a farm,
// re-rendering frames, and the post job (`--then`) once every frame is done.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Result } from '../../core/errors.js';
import { ok, refuse } from '../../core/errors.js';
import { farmChunks, MISSING_FRAMES_STATUS, postScript, taskScript } from '../../core/farm/farm-script.js';
import { checkPlaceholders } from '../../core/farm/frames.js';
import { type ProgressUpdate, trackFrames } from '../../core/farm/progress.js';
import type { JobSpec, ResourceRequest } from '../../core/job-spec-types.js';
import type { AgentMessage } from '../../core/protocol/agent-protocol.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';
import { transition } from '../jobs/transitions.js';
import { taskOf } from './farm-tasks.js';
import { keepThumbnail } from './farm-thumbnails.js';

/** Lines of a failed attempt's log kept with the failure. */
const TAIL_LINES = 5;

/**
 * Check a farm's spec at the head and derive its array and task script from it. Types and
 * bounds are the API schema's (head/api/farm-schemas.ts); what it cannot say is checked here.
 */
export function prepareFarm(spec: JobSpec): Result<JobSpec> {
  const farm = spec.farm;
  if (!farm) return ok(spec);
  const bad = (why: string) => refuse<JobSpec>('USAGE', `render-farm: ${why}`);
  if (new Set(farm.frames).size !== farm.frames.length) return bad('frames must be distinct');
  const placeholder = checkPlaceholders(farm.command);
  if (placeholder) return bad(placeholder);
  const tasks = farmChunks(farm).length;
  return ok({
    ...spec,
    script: taskScript(farm),
    // PBS's -J needs two indices at least; a one-task farm is a Torque-style array of one
    array: tasks > 1 ? { submitted: `1-${tasks}`, style: 'pbs' } : { submitted: '1', style: 'torque' },
  });
}

export interface FarmDeps {
  store: Store;
  /** where task logs are kept: `<dir>/<farm seq>/<task>.<attempt>.log` */
  logsDir: string;
  /** submit a job (the post job), inside the caller's transaction */
  submit: (spec: JobSpec) => Result<{ id: string; seq: number }>;
  clock?: () => number;
  /** what went wrong that changes no job (a thumbnail refused) */
  warn?: (message: string) => void;
}

export class Farms {
  /** log text recorded in a transaction that has not committed yet: log path → text */
  private readonly unwritten = new Map<string, string>();

  constructor(private readonly d: FarmDeps) {}

  private get store(): Store {
    return this.d.store;
  }

  logPath(farm: number, task: number | 'post', attempt: number): string {
    return join(this.d.logsDir, String(farm), `${task}.${attempt}.log`);
  }

  /** The last lines of an attempt's log ('' when it wrote none). */
  tail(farm: number, task: number | 'post', attempt: number, lines = TAIL_LINES): string {
    const path = this.logPath(farm, task, attempt);
    try {
      const text = (existsSync(path) ? readFileSync(path, 'utf8') : '') + (this.unwritten.get(path) ?? '');
      return text
        .split(/\r\n|\r|\n/)
        .filter((l) => l.trim() !== '')
        .slice(-lines)
        .join('\n');
    } catch {
      return '';
    }
  }

  /**
   * A task's or post job's new output and what it said; a stale attempt's is ignored. The frames
   * are recorded now (in the caller's transaction); the returned function appends the text to
   * the attempt's log once that has committed.
   */
  progress(
    job: StoredJob,
    attempt: number,
    updates: ProgressUpdate[],
    text: string,
  ): (() => void) | undefined {
    const where = taskOf(job);
    if (!where || job.row.attempt !== attempt || job.row.state !== 'R') return undefined;
    if (where.task === 'post') {
      const missing = updates.flatMap((u) => (u.k === 'missing' ? [u.frame] : []));
      if (missing.length) {
        const post = this.store.farms.post(where.farm);
        this.store.farms.setPost(where.farm, job.seq, [...(post?.missing ?? []), ...missing]);
      }
    } else {
      const frames = this.store.farms.taskFrames(where.farm, where.task);
      this.store.farms.putFrames(where.farm, trackFrames(frames, updates));
    }
    if (text === '') return undefined;
    const path = this.logPath(where.farm, where.task, attempt);
    this.unwritten.set(path, (this.unwritten.get(path) ?? '') + text);
    return () => {
      const pending = this.unwritten.get(path);
      if (pending === undefined) return;
      this.unwritten.delete(path);
      mkdirSync(dirname(path), { recursive: true });
      appendFileSync(path, pending);
    };
  }

  /** A frame's thumbnail from the task's node, kept (head/farm/farm-thumbnails.ts); a refusal is logged. */
  thumbnail(job: StoredJob, m: Extract<AgentMessage, { t: 'thumbnail' }>): (() => void) | undefined {
    const why = keepThumbnail(this.store, job, m);
    const warn = this.d.warn;
    return why && warn ? () => warn(`thumbnail of frame ${m.frame} of ${job.id} refused: ${why}`) : undefined;
  }

  /**
   * A task's attempt exited with `status` ≠ 0: record the failure; when retries are left,
   * requeue it (to run on another node) and return true. Inside the fact's transaction.
   */
  retryFailed(job: StoredJob, node: string, status: number, reason: string | undefined, at: number): boolean {
    const where = taskOf(job);
    const farm = job.spec.farm;
    if (!where || where.task === 'post' || !farm || job.row.deleteRequestedBy) return false;
    const attempt = job.row.attempt;
    this.store.farms.addFailure(where.farm, {
      task: where.task,
      attempt,
      node,
      status,
      ...(reason ? { reason } : {}),
      at: Math.floor(at / 1000),
      tail: this.tail(where.farm, where.task, attempt),
    });
    const failed = this.store.farms.failures(where.farm).filter((f) => f.task === where.task).length;
    if (failed > farm.retries) return false;
    const why = `attempt ${attempt} failed on ${node} (${reason ?? `exit ${status}`}); retry ${failed} of ${farm.retries} on another node`;
    const r = transition(this.store, job.seq, { type: 'requeued', attempt, reason: why }, at);
    return r.ok;
  }

  /**
   * After a farm task or post job finished (inside that transaction): a farm whose frames are
   * all done gets its post job; a post job that found frames missing has them rendered again.
   */
  afterFinish(job: StoredJob): void {
    const where = taskOf(job);
    if (!where) return;
    const parent = this.store.jobs.get(where.farm);
    const spec = parent?.spec.farm;
    if (!parent || !spec) return;
    if (where.task === 'post') {
      const post = this.store.farms.post(where.farm);
      const finished = this.store.jobs.get(job.seq);
      if (finished?.row.exitStatus === MISSING_FRAMES_STATUS && post?.missing.length) {
        this.rerender(parent, post.missing, 'output file missing at the post job');
      }
      return;
    }
    if (parent.row.state !== 'F' || parent.row.exitStatus !== 0 || spec.thenCommand === undefined) return;
    if (this.store.farms.post(where.farm)?.job != null) return;
    const outputs = this.store.farms.frames(where.farm);
    if (outputs.some((f) => f.state !== 'done')) return;
    const post: JobSpec = {
      ...parent.spec,
      name: `${parent.spec.name}.then`.slice(0, 236),
      script: postScript(spec.thenCommand, outputs),
      farmPost: where.farm,
      // what a task asks for, without the tasks' --timeout: assembling may take longer
      resources: postResources(parent.spec.resources),
    };
    delete post.farm;
    delete post.array;
    delete post.depend;
    const r = this.d.submit(post);
    if (r.ok) this.store.farms.setPost(where.farm, r.value.seq);
  }

  /**
   * Render frames again: the tasks that hold them, when finished, are queued again (their
   * array reopened); queued ones forget their failures. Refused while one of them runs.
   */
  rerender(parent: StoredJob, frames: number[], reason: string): Result<{ tasks: number[] }> {
    const all = this.store.farms.frames(parent.seq);
    const wanted = new Set(frames);
    const unknown = frames.filter((f) => !all.some((x) => x.frame === f));
    if (unknown.length) return refuse('USAGE', `frame ${unknown[0]} is not in the farm`);
    const tasks = [...new Set(all.filter((f) => wanted.has(f.frame)).map((f) => f.task))].sort(
      (a, b) => a - b,
    );
    const subjobs = new Map(this.store.jobs.subjobs(parent.seq).map((j) => [j.arrayIndex!, j]));
    const running = tasks.find((t) => ['R', 'E'].includes(subjobs.get(t)?.row.state ?? ''));
    if (running !== undefined)
      return refuse('BAD_STATE', `task ${running} is rendering now; retry it once it ends`);
    const at = (this.d.clock ?? Date.now)();
    // the post job runs again once these frames are done
    this.store.farms.setPost(parent.seq, null);
    for (const t of tasks) {
      const sub = subjobs.get(t)!;
      this.store.farms.redoTask(parent.seq, t);
      if (sub.row.state === 'F') {
        const r = transition(
          this.store,
          sub.seq,
          { type: 'resubmitted', reason: `Job requeued: ${reason}` },
          at,
        );
        if (!r.ok) return r;
      }
    }
    return ok({ tasks });
  }
}

function postResources(tasks: ResourceRequest): ResourceRequest {
  const { walltime: _walltime, ...list } = tasks.list;
  const post: ResourceRequest = { ...tasks, list };
  delete post.walltime;
  return post;
}
