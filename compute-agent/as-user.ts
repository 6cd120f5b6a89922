// File work on what a job's user controls (its TMPDIR, its checkpoint directory, a rendered frame
// made into a thumbnail) is done by a process running as that user, started through the
// drover-exec launcher, so that a link or a file the user planted there can never make the root
// agent read or remove what it should not.
// An agent that runs as the job's user (a head of one's own) does the same work itself.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstatSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CheckpointFile, MAX_THUMBNAIL_BYTES } from '../core/protocol/agent-protocol.js';
import type { Account } from '../native/native.js';
import { launchArgs, launcherPath } from '../native/native.js';
import { readCheckpoint } from '../platform/checkpoint-files.js';
import { checkpointDir } from './checkpointer.js';
import { thumbnailArgs } from './frame-thumbnails.js';

const READER = fileURLToPath(new URL('./read-checkpoint-main.js', import.meta.url));
const ENV = { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' };

/** This agent is the user (no change of identity needed). */
export function isAgentUser(account: Account): boolean {
  return account.uid === process.getuid?.();
}

/** A run's bounds: killed after `timeoutMs`, and once its stdout passes `maxBytes`. */
interface Limits {
  timeoutMs: number;
  maxBytes: number;
}

/**
 * Run `program args` as the user (directly when the agent is that user); resolves with its
 * stdout, or rejects with what went wrong.
 */
function runAs(account: Account, program: string, args: string[], limits?: Limits): Promise<Buffer> {
  const [file, argv] = isAgentUser(account)
    ? [program, args]
    : [launcherPath(), launchArgs({ uid: account.uid, gid: account.gid, cds: ['/'] }, program, args)];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: ENV, cwd: '/' });
    const out: Buffer[] = [];
    let size = 0;
    let err = '';
    let cut = '';
    const stop = (why: string) => {
      cut ||= why;
      child.kill('SIGKILL');
    };
    const timer =
      limits && setTimeout(() => stop(`no answer within ${limits.timeoutMs} ms`), limits.timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      size += d.length;
      if (limits && size > limits.maxBytes) stop(`more than ${limits.maxBytes} bytes`);
      else out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 4096) err += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && !cut) resolve(Buffer.concat(out));
      else reject(new Error(cut || err.trim() || `${program} ended with ${signal ?? `exit ${code}`}`));
    });
  });
}

/** A thumbnail of the image at `path`, made by ffmpeg as the user (compute-agent/frame-thumbnails.ts). */
export function thumbnailAsUser(account: Account, path: string): Promise<Buffer> {
  return runAs(account, 'ffmpeg', thumbnailArgs(path), {
    timeoutMs: 20_000,
    maxBytes: MAX_THUMBNAIL_BYTES,
  });
}

/** Remove the tree at `path` as its user; resolves with why not, when it could not. */
export async function removeAsUser(account: Account, path: string): Promise<string | undefined> {
  if (isAgentUser(account)) {
    rmSync(path, { recursive: true, force: true });
    return undefined;
  }
  try {
    await runAs(account, 'rm', ['-rf', '--', path]);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Take a job's directory out of the way at once (a later attempt may create the same name), then
 * remove it as the user. Renaming is safe as root: only the entry moves, to a name nobody can
 * guess; an empty directory is simply removed. What the user does not own there (something
 * another user planted in a shared directory) is not the job's, and is left alone.
 */
export function retire(account: Account, path: string, onError: (why: string) => void): void {
  try {
    if (lstatSync(path).uid !== account.uid) return;
  } catch {
    return; // nothing there
  }
  try {
    rmdirSync(path);
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOTDIR') {
      onError((e as Error).message);
      return;
    }
  }
  const gone = join(dirname(path), `.gone.${randomBytes(8).toString('hex')}`);
  try {
    renameSync(path, gone);
  } catch (e) {
    onError((e as Error).message);
    return;
  }
  void removeAsUser(account, gone).then((why) => why && onError(why));
}

/** The job's TMPDIR goes, removed as its user. */
export function retireTmpdir(
  account: Account,
  tmpRoot: string,
  jobId: string,
  warn?: (message: string) => void,
): void {
  retire(account, join(tmpRoot, `pbs.${jobId}`), (why) => warn?.(`TMPDIR of ${jobId} not removed: ${why}`));
}

/** An earlier attempt's PBS_CHECKPOINT_DIR (the user's) goes out of the way, removed as the user. */
export function retireCheckpointDir(
  account: Account,
  stateDir: string,
  jobId: string,
  warn?: (message: string) => void,
): void {
  retire(account, checkpointDir(stateDir, jobId), (why) =>
    warn?.(`checkpoint directory of ${jobId} not removed: ${why}`),
  );
}

/** The checkpoint directory's files, read as the user (symlinks and specials skipped). */
export async function readCheckpointAsUser(
  account: Account,
  dir: string,
): Promise<CheckpointFile[] | string> {
  if (isAgentUser(account)) return readCheckpoint(dir);
  try {
    return JSON.parse((await runAs(account, process.execPath, [READER, dir])).toString('utf8')) as
      | CheckpointFile[]
      | string;
  } catch (e) {
    return `cannot read the checkpoint directory as ${account.name}: ${(e as Error).message}`;
  }
}
