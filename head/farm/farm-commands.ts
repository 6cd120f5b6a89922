// What `render-farm` asks the head: a farm's status (per frame, failures, blocklist, ETA), the
// list of farms, a frame's log and thumbnail, re-rendering frames, clearing a node's blocklisting.
// Pause, resume and kill are qhold, qrls and qdel of the farm's array job (or of some tasks).
import { existsSync, readFileSync } from 'node:fs';
import { ok, type Result, refuse } from '../../core/errors.js';
import type { FarmState, FarmStatus } from '../../core/farm/farm-status.js';
import { frameList } from '../../core/farm/frames.js';
import { parseJobId } from '../../core/pbs/jobid.js';
import {
  mayControl,
  mayQuery,
  type Requester,
  requireRole,
  UNAUTHORIZED,
} from '../../core/policy/permissions.js';
import type { StoredThumbnail } from '../db/farms-table.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';
import type { Farms } from './farm-jobs.js';
import { blocklist } from './farm-tasks.js';

export class FarmOps {
  constructor(
    private readonly store: Store,
    private readonly farms: Farms,
    private readonly server: string,
    private readonly poke: () => void,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * The array job of a farm named `123`, `123[]` or `123[].server`, when `who` may see it
   * (`control`: may change it, as its owner, an operator or a manager).
   */
  private find(operand: string, who: Requester, control = false): Result<StoredJob> {
    const ref = parseJobId(operand, this.server);
    if (!ref.ok) return ref;
    const job = this.store.jobs.byId(`${ref.value.seq}[].${ref.value.server}`);
    if (!job?.spec.farm) return refuse('UNKNOWN_JOB', `Unknown farm ${operand}`);
    const allowed = control
      ? mayControl(who, job.owner)
      : mayQuery(who, job.owner, this.store.meta.settings());
    return allowed ? ok(job) : refuse('UNAUTHORIZED', `${UNAUTHORIZED} ${job.id}`);
  }

  status(operand: string, who: Requester): Result<FarmStatus> {
    const job = this.find(operand, who);
    return job.ok ? ok(this.describe(job.value)) : job;
  }

  list(who: Requester): FarmStatus[] {
    const settings = this.store.meta.settings();
    return this.store.farms
      .all()
      .flatMap((seq) => {
        const job = this.store.jobs.get(seq);
        return job?.spec.farm && mayQuery(who, job.owner, settings) ? [this.describe(job)] : [];
      })
      .map(({ frames: _frames, failures: _failures, ...summary }) => ({
        ...summary,
        frames: [],
        failures: [],
      }));
  }

  private describe(job: StoredJob): FarmStatus {
    const farm = job.spec.farm!;
    const thumbnails = this.store.farms.thumbnailAttempts(job.seq);
    // a thumbnail shows only while its frame is done (a frame rendered again loses it)
    const frames = this.store.farms.frames(job.seq).map((f) => {
      const attempt = f.state === 'done' ? thumbnails.get(f.frame) : undefined;
      return attempt === undefined ? f : { ...f, thumbnail: attempt };
    });
    const counts = { queued: 0, running: 0, done: 0, failed: 0 };
    let sum = 0;
    for (const f of frames) {
      counts[f.state] += 1;
      sum += f.state === 'done' ? 100 : f.percent;
    }
    const percent = frames.length ? Math.round((sum / frames.length) * 10) / 10 : 0;
    const byTask = new Map<number, number[]>();
    for (const f of frames) byTask.set(f.task, [...(byTask.get(f.task) ?? []), f.frame]);
    const postRow = this.store.farms.post(job.seq);
    const postJob = postRow?.job != null ? this.store.jobs.get(postRow.job) : undefined;
    const subjobs = this.store.jobs.subjobs(job.seq);
    const message = subjobs.find(
      (s) => s.row.state === 'Q' && s.schedComment?.includes('no eligible node'),
    )?.schedComment;
    const status: FarmStatus = {
      id: job.id,
      name: job.row.name,
      owner: job.owner,
      state: this.stateOf(job, counts.done === frames.length, postJob),
      percent,
      counts,
      tasks: byTask.size,
      chunk: farm.chunk,
      frames,
      failures: this.store.farms.failures(job.seq).map((f) => ({
        ...f,
        frames: frameList(byTask.get(f.task) ?? []),
      })),
      blocklist: blocklist(this.store, job.seq, farm),
      ...(message ? { message } : {}),
      ...(job.row.stime !== undefined ? { started: job.row.stime } : {}),
    };
    if (postJob)
      status.post = {
        id: postJob.id,
        state: postJob.row.state,
        ...(postJob.row.exitStatus !== undefined ? { exitStatus: postJob.row.exitStatus } : {}),
      };
    const done = sum / 100;
    if (status.state === 'running' && job.row.stime !== undefined && done > 0) {
      const elapsed = Math.max(1, this.clock() / 1000 - job.row.stime);
      status.eta = Math.round(((frames.length - done) * elapsed) / done);
    }
    return status;
  }

  private stateOf(job: StoredJob, allDone: boolean, post: StoredJob | undefined): FarmState {
    const then = job.spec.farm!.thenCommand;
    if (job.row.state === 'F') {
      if (!allDone) return 'failed';
      if (then === undefined) return 'done';
      if (!post) return 'running';
      if (post.row.state !== 'F') return 'running';
      return post.row.exitStatus === 0 ? 'done' : 'failed';
    }
    if (job.row.holdTypes !== 'n') return 'paused';
    return job.row.arrayBegun ? 'running' : 'queued';
  }

  /** The log of the latest attempt (or `attempt`) of the task that renders `frame`. */
  log(
    operand: string,
    frame: number,
    attempt: number | undefined,
    who: Requester,
  ): Result<{ task: number; attempt: number; text: string }> {
    const job = this.find(operand, who);
    if (!job.ok) return job;
    const f = this.store.farms.frames(job.value.seq).find((x) => x.frame === frame);
    if (!f) return refuse('USAGE', `frame ${frame} is not in farm ${job.value.id}`);
    const which =
      attempt ?? this.store.jobs.byId(job.value.id.replace('[]', `[${f.task}]`))?.row.attempt ?? 0;
    const path = this.farms.logPath(job.value.seq, f.task, which);
    if (which === 0 || !existsSync(path))
      return refuse('USAGE', `frame ${frame} has no log${attempt ? ` for attempt ${attempt}` : ' yet'}`);
    return ok({ task: f.task, attempt: which, text: readFileSync(path, 'utf8') });
  }

  /** The thumbnail of a done frame, with the attempt that made it. */
  thumbnail(operand: string, frame: number, who: Requester): Result<StoredThumbnail> {
    const job = this.find(operand, who);
    if (!job.ok) return job;
    const f = this.store.farms.frames(job.value.seq).find((x) => x.frame === frame);
    if (!f) return refuse('NOT_FOUND', `frame ${frame} is not in farm ${job.value.id}`);
    const thumbnail = f.state === 'done' ? this.store.farms.thumbnail(job.value.seq, frame) : undefined;
    return thumbnail
      ? ok(thumbnail)
      : refuse('NOT_FOUND', `frame ${frame} of ${job.value.id} has no thumbnail`);
  }

  /**
   * What pause, resume and kill act on: the farm's array, or (kill of some frames) the tasks
   * that render `frames`. The job operations then apply qhold's, qrls's and qdel's permissions.
   */
  targets(operand: string, frames: number[] | undefined, who: Requester): Result<string[]> {
    const job = this.find(operand, who);
    if (!job.ok) return job;
    if (frames === undefined) return ok([job.value.id]);
    const all = this.store.farms.frames(job.value.seq);
    const missing = frames.find((f) => !all.some((x) => x.frame === f));
    if (missing !== undefined) return refuse('USAGE', `frame ${missing} is not in farm ${job.value.id}`);
    const wanted = new Set(frames);
    const tasks = [...new Set(all.filter((f) => wanted.has(f.frame)).map((f) => f.task))];
    return ok(tasks.map((t) => job.value.id.replace('[]', `[${t}]`)));
  }

  /** Render frames again: the given ones, or those that failed. */
  retry(
    operand: string,
    frames: number[] | undefined,
    failed: boolean,
    who: Requester,
  ): Result<{ tasks: number[]; frames: number[] }> {
    const job = this.find(operand, who, true);
    if (!job.ok) return job;
    const all = this.store.farms.frames(job.value.seq);
    const wanted = frames ?? (failed ? all.filter((f) => f.state === 'failed').map((f) => f.frame) : []);
    if (wanted.length === 0)
      return refuse('USAGE', failed ? 'no failed frames to retry' : 'no frames to retry');
    const r = this.store.transaction(() =>
      this.farms.rerender(job.value, wanted, 'frames retried by the user'),
    );
    if (!r.ok) return r;
    this.poke();
    return ok({ tasks: r.value.tasks, frames: wanted });
  }

  /** Clear a node's blocklisting for a farm (every node's without one): managers only. */
  unblock(operand: string, node: string | undefined, who: Requester): Result<{ blocklist: string[] }> {
    const allowed = requireRole(who, 'manager');
    if (!allowed.ok) return allowed;
    const job = this.find(operand, who);
    if (!job.ok) return job;
    this.store.farms.clearBlocks(job.value.seq, node);
    this.poke();
    return ok({ blocklist: blocklist(this.store, job.value.seq, job.value.spec.farm!) });
  }
}
