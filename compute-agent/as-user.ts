// File work on what a job's user controls (its TMPDIR, its checkpoint directory) is done by a
// process running as that user, started through the drover-exec launcher, so that a link or a
// file the user planted there can never make the root agent read or remove what it should not.
// An agent that runs as the job's user (a head of one's own) does the same work itself.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstatSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CheckpointFile } from '../core/protocol/agent-protocol.js';
import type { Account } from '../native/native.js';
import { launchArgs, launcherPath } from '../native/native.js';
import { readCheckpoint } from '../platform/checkpoint-files.js';
import { checkpointDir } from './checkpointer.js';

const READER = fileURLToPath(new URL('./read-checkpoint-main.js', import.meta.url));
const ENV = { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' };

/** This agent is the user (no change of identity needed). */
export function isAgentUser(account: Account): boolean {
  return account.uid === process.getuid?.();
}

/** Run `program args` as the user; resolves with its stdout, or rejects with what went wrong. */
function runAs(account: Account, program: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      launcherPath(),
      launchArgs({ uid: account.uid, gid: account.gid, cds: ['/'] }, program, args),
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: ENV,
      },
    );
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 4096) err += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(err.trim() || `${program} ended with ${signal ?? `exit ${code}`}`));
    });
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
