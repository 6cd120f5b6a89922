// Checkpoints on a node: each checkpointable job has PBS_CHECKPOINT_DIR, a directory of its own
// that its user owns. The job is told to checkpoint by its signal (periodically, before walltime,
// or when the head asks before a qhold); it writes its state there and may run `drover
// checkpoint`, or the agent ships the directory after a short wait, read as the user. A restarted
// job finds the last checkpoint restored into a fresh directory before its script starts.
import {
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { AgentMessage } from '../core/protocol/agent-protocol.js';
import {
  type CheckpointFile,
  type HeadMessage,
  safeCheckpointPath,
  type TaskClientReply,
} from '../core/protocol/agent-protocol.js';

export function checkpointDir(stateDir: string, jobId: string): string {
  return join(stateDir, 'checkpoints', jobId);
}

/** Where a restored checkpoint waits for its attempt: the agent's own, out of the user's reach. */
export function stagingDir(stateDir: string, jobId: string): string {
  return join(stateDir, 'checkpoints', `.restore.${jobId}`);
}

/** `checkpoints/` is passable by every job user (each reaches only its own directory in it). */
export function checkpointsRoot(stateDir: string): string {
  const root = join(stateDir, 'checkpoints');
  mkdirSync(root, { recursive: true, mode: 0o711 });
  return root;
}

/**
 * A new attempt's PBS_CHECKPOINT_DIR: the checkpoint restored for it (written by the agent into
 * its staging directory, which no user can reach), or an empty directory; then given to the user.
 * Whatever an earlier attempt left there must already be out of the way (compute-agent/as-user.ts).
 */
export function readyCheckpointDir(stateDir: string, jobId: string, uid: number, gid: number): string {
  checkpointsRoot(stateDir);
  const dir = checkpointDir(stateDir, jobId);
  const staged = stagingDir(stateDir, jobId);
  if (existsSync(staged)) renameSync(staged, dir);
  else mkdirSync(dir, { mode: 0o700 });
  if (process.getuid?.() === 0) chownTree(dir, uid, gid);
  return dir;
}

/** Stage a checkpoint to restore: `files` in a fresh staging directory (unsafe paths skipped). */
export function stageCheckpoint(stateDir: string, jobId: string, files: CheckpointFile[]): void {
  checkpointsRoot(stateDir);
  const dir = stagingDir(stateDir, jobId);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { mode: 0o700 });
  for (const f of files) {
    if (!safeCheckpointPath(f.path)) continue;
    const p = join(dir, f.path);
    mkdirSync(dirname(p), { recursive: true, mode: 0o700 });
    writeFileSync(p, Buffer.from(f.data, 'base64'), { mode: f.mode & 0o777 });
  }
}

/** Give `dir` and everything in it (written by the agent, links never followed) to the user. */
function chownTree(dir: string, uid: number, gid: number): void {
  lchownSync(dir, uid, gid);
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (lstatSync(p).isDirectory()) chownTree(p, uid, gid);
    else lchownSync(p, uid, gid);
  }
}

interface Pending {
  attempt: number;
  /** `drover checkpoint` clients waiting for the head's answer */
  replies: ((r: TaskClientReply) => void)[];
  /** stop the job once the head has the checkpoint (qhold) */
  stop: boolean;
  /** after the signal: ship when the job has not asked by then */
  timer?: NodeJS.Timeout;
  /** shipped, waiting for checkpoint-saved */
  inFlight: boolean;
  /** why the job was not signalled (it does not catch its signal), recorded with the checkpoint */
  note?: string;
}

export interface CheckpointerHost {
  /** the job's checkpoint directory as its files, read as the job's user */
  read: (jobId: string) => Promise<CheckpointFile[] | string>;
  send: (m: AgentMessage) => boolean;
  /** the running attempt of a checkpointable job, if it runs here */
  live: (jobId: string) => { attempt: number } | undefined;
  /** give the job its checkpoint signal; returns why not when it would not catch it */
  signal: (jobId: string) => string | undefined;
  /** stop the attempt (SIGTERM, then SIGKILL) */
  stop: (jobId: string, attempt: number) => void;
  /** how long a signalled job has to checkpoint before the directory is shipped as it is */
  waitMs: number;
}

export class Checkpointer {
  private pending = new Map<string, Pending>();

  constructor(private readonly host: CheckpointerHost) {}

  /**
   * Tell the job to checkpoint (its signal); ship the directory when it asks, or after the wait.
   * A job that does not catch its signal is not sent it: its directory is shipped as it is now.
   */
  tell(jobId: string, attempt: number, stop: boolean): void {
    const live = this.host.live(jobId);
    if (!live || live.attempt !== attempt) return;
    const p = this.entry(jobId, attempt);
    p.stop ||= stop;
    if (p.timer || p.inFlight) return;
    const unsent = this.host.signal(jobId);
    if (unsent !== undefined) {
      p.note = `${unsent}; its checkpoint directory was taken as it was`;
      this.ship(jobId, attempt);
      return;
    }
    p.timer = setTimeout(() => this.ship(jobId, attempt), this.host.waitMs);
  }

  /** `drover checkpoint` from the job: ship now, answer once the head has it. */
  ask(jobId: string, attempt: number, reply: (r: TaskClientReply) => void): void {
    const p = this.entry(jobId, attempt);
    p.replies.push(reply);
    if (!p.inFlight) this.ship(jobId, attempt);
  }

  private entry(jobId: string, attempt: number): Pending {
    let p = this.pending.get(jobId);
    if (!p || p.attempt !== attempt) {
      p = { attempt, replies: [], stop: false, inFlight: false };
      this.pending.set(jobId, p);
    }
    return p;
  }

  private ship(jobId: string, attempt: number): void {
    const p = this.pending.get(jobId);
    if (!p || p.attempt !== attempt) return;
    clearTimeout(p.timer);
    delete p.timer;
    p.inFlight = true;
    void this.host.read(jobId).then((files) => {
      if (this.pending.get(jobId) !== p) return; // the attempt ended meanwhile
      if (typeof files === 'string') this.fail(jobId, files);
      else if (
        !this.host.send({ t: 'checkpoint', jobId, attempt, files, ...(p.note ? { note: p.note } : {}) })
      )
        this.fail(jobId, 'the head is not connected to this node; try again');
    });
  }

  /** The head's answer to a shipped checkpoint. */
  answer(m: Extract<HeadMessage, { t: 'checkpoint-saved' | 'checkpoint-refused' }>): void {
    const p = this.pending.get(m.jobId);
    if (!p || p.attempt !== m.attempt) return;
    if (m.t === 'checkpoint-refused') {
      this.fail(m.jobId, m.reason);
      return;
    }
    this.pending.delete(m.jobId);
    for (const reply of p.replies) reply({ t: 'checkpointed', count: m.count });
    if (p.stop) this.host.stop(m.jobId, m.attempt);
  }

  private fail(jobId: string, message: string): void {
    const p = this.pending.get(jobId);
    this.pending.delete(jobId);
    for (const reply of p?.replies ?? []) reply({ t: 'error', message });
  }

  /** The head's connection closed: what was shipped will never be answered. */
  headLost(): void {
    for (const [jobId, p] of this.pending) {
      if (p.inFlight)
        this.fail(jobId, 'the connection to the head was lost before the checkpoint was safe; try again');
    }
  }

  /** The attempt ended: nobody waits for its checkpoints any more. */
  forget(jobId: string): void {
    const p = this.pending.get(jobId);
    if (p) clearTimeout(p.timer);
    this.fail(jobId, 'the job ended before its checkpoint was safe');
  }
}
