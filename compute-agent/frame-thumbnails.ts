// Thumbnails of the frames a render task finishes, made on the node that rendered them. The
// task's frames are followed the way the head follows them (core/farm/progress.ts trackFrames:
// a new frame finishes the one before it, a clean exit finishes the rest); each finished frame
// whose renderer reported its output file gets one thumbnail, made by ffmpeg as the job's user
// (compute-agent/as-user.ts) and sent to the head. A frame whose image cannot be read has none
// (logged; the frame is not affected).
import { isAbsolute, join } from 'node:path';
import { type FrameProgress, type ProgressUpdate, trackFrames } from '../core/farm/progress.js';
import { THUMBNAIL_WIDTH, thumbnailProblem } from '../core/farm/thumbnail.js';
import { type AgentMessage, MAX_THUMBNAIL_BYTES, type RunRequest } from '../core/protocol/agent-protocol.js';
import type { Account } from '../native/native.js';

/** Make a thumbnail of the image file at `path` (absolute) as `account`: its bytes. */
export type MakeThumbnail = (account: Account, path: string) => Promise<Buffer>;

/**
 * ffmpeg's arguments for a JPEG on stdout at most THUMBNAIL_WIDTH wide, of the one image at
 * `path`: read through the `file:` protocol (never a URL) and without image2's `%d` patterns.
 */
export function thumbnailArgs(path: string): string[] {
  return [
    '-nostdin',
    '-v',
    'error',
    '-f',
    'image2',
    '-pattern_type',
    'none',
    '-i',
    `file:${path}`,
    '-vf',
    `scale='min(${THUMBNAIL_WIDTH},iw)':-1`,
    '-frames:v',
    '1',
    '-f',
    'image2pipe',
    '-c:v',
    'mjpeg',
    '-q:v',
    '5',
    'pipe:1',
  ];
}

interface Followed {
  attempt: number;
  account: Account;
  workdir: string;
  frames: FrameProgress[];
  made: Set<number>;
  /** the thumbnails being made, one after the other */
  work: Promise<void>;
}

export class FrameThumbnails {
  private followed = new Map<string, Followed>();

  constructor(
    private readonly make: MakeThumbnail,
    private readonly send: (m: AgentMessage) => void,
    private readonly warn: (message: string) => void,
  ) {}

  /** A render task's attempt started here: its frames are followed (other jobs are ignored). */
  start(req: RunRequest, account: Account | undefined): void {
    const frames = req.progress?.frames;
    if (!account || !frames?.length) return;
    const workdir = req.env.find(([k]) => k === 'PBS_O_WORKDIR')?.[1] ?? '/';
    this.followed.set(req.jobId, {
      attempt: req.attempt,
      account,
      workdir,
      frames: frames.map((frame) => ({ frame, state: 'queued', percent: 0 })),
      made: new Set(),
      work: Promise.resolve(),
    });
  }

  /** What the task's output said (in order): the frames it finished get their thumbnails. */
  progress(jobId: string, attempt: number, updates: ProgressUpdate[]): void {
    const f = this.followed.get(jobId);
    if (!f || f.attempt !== attempt || updates.length === 0) return;
    trackFrames(f.frames, updates);
    this.thumbnailDone(jobId, f);
  }

  /** The attempt exited (its last output already read): with status 0 its other frames are done. */
  ended(jobId: string, status: number): void {
    const f = this.followed.get(jobId);
    if (!f) return;
    if (status === 0) for (const x of f.frames) x.state = 'done';
    this.thumbnailDone(jobId, f);
    void f.work.then(() => {
      if (this.followed.get(jobId) === f) this.followed.delete(jobId);
    });
  }

  /** Resolves once the job's thumbnails are sent; undefined when none is being made. */
  settled(jobId: string): Promise<void> | undefined {
    return this.followed.get(jobId)?.work;
  }

  private thumbnailDone(jobId: string, f: Followed): void {
    for (const x of f.frames) {
      if (x.state !== 'done' || x.output === undefined || f.made.has(x.frame)) continue;
      f.made.add(x.frame);
      const path = isAbsolute(x.output) ? x.output : join(f.workdir, x.output);
      const frame = x.frame;
      f.work = f.work.then(() => this.one(jobId, f, frame, path));
    }
  }

  private async one(jobId: string, f: Followed, frame: number, path: string): Promise<void> {
    let problem: string | undefined;
    try {
      const bytes = await this.make(f.account, path);
      problem = thumbnailProblem(bytes, MAX_THUMBNAIL_BYTES);
      if (!problem)
        this.send({ t: 'thumbnail', jobId, attempt: f.attempt, frame, data: bytes.toString('base64') });
    } catch (e) {
      problem = (e as Error).message;
    }
    if (problem) this.warn(`no thumbnail of frame ${frame} of ${jobId} (${path}): ${problem}`);
  }
}
