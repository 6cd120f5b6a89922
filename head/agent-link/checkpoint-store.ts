// The head's checkpoint store: `<home>/checkpoints/<job id>/<count>/`, the newest
// complete checkpoint of each job. A checkpoint is written to `<count>.partial`, each file
// synced, then renamed into place and the directory synced; only then is the older one removed
// and the agent told it is safe. A transfer cut in the middle never arrives as a message, so it
// never replaces a good checkpoint.
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { type CheckpointFile, safeCheckpointPath } from '../../core/protocol/agent-protocol.js';
// one reader of checkpoint directories, the agent's
import { readCheckpoint } from '../../platform/checkpoint-files.js';

export class Checkpoints {
  /** running jobs held with qhold: stop them once their checkpoint is safe (job id → who) */
  readonly stops = new Map<string, string>();

  /** `changed`: told each job directory that changed on disk (a standby mirrors it) */
  constructor(
    readonly dir: string,
    private readonly changed: (path: string) => void = () => undefined,
  ) {}

  private jobDir(jobId: string): string {
    return join(this.dir, jobId);
  }

  /**
   * Store checkpoint `count` of a job durably; returns its size in bytes. The older one stays
   * until prune(): the head records the new count first, so a crash in between still finds the
   * checkpoint its record names.
   */
  save(jobId: string, count: number, files: CheckpointFile[]): number {
    const root = this.jobDir(jobId);
    const partial = join(root, `${count}.partial`);
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true, mode: 0o700 });
    let size = 0;
    for (const f of files) {
      if (!safeCheckpointPath(f.path)) continue;
      const p = join(partial, f.path);
      mkdirSync(dirname(p), { recursive: true, mode: 0o700 });
      const data = Buffer.from(f.data, 'base64');
      const fd = openSync(p, 'w', f.mode & 0o777);
      writeSync(fd, data);
      fsyncSync(fd);
      closeSync(fd);
      size += data.length;
    }
    const done = join(root, String(count));
    rmSync(done, { recursive: true, force: true });
    renameSync(partial, done);
    const fd = openSync(root, 'r');
    fsyncSync(fd);
    closeSync(fd);
    this.changed(root);
    return size;
  }

  /** Every checkpoint of a job but `count` goes (once `count` is recorded). */
  prune(jobId: string, count: number): void {
    const root = this.jobDir(jobId);
    if (!existsSync(root)) return;
    for (const name of readdirSync(root))
      if (name !== String(count)) rmSync(join(root, name), { recursive: true, force: true });
    this.changed(root);
  }

  /** The files of checkpoint `count`, or undefined when the store does not have it. */
  load(jobId: string, count: number): CheckpointFile[] | undefined {
    const dir = join(this.jobDir(jobId), String(count));
    const files = existsSync(dir) ? readCheckpoint(dir) : undefined;
    return typeof files === 'string' ? undefined : files;
  }

  /** The job is over: its checkpoints go. */
  remove(jobId: string): void {
    this.stops.delete(jobId);
    rmSync(this.jobDir(jobId), { recursive: true, force: true });
    this.changed(this.jobDir(jobId));
  }
}
