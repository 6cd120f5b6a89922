// A checkpoint directory read into the files the protocol carries: by the agent (as the job's
// user, compute-agent/as-user.ts) and by the head's checkpoint store.
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CheckpointFile } from '../core/protocol/agent-protocol.js';

/** A checkpoint larger than this is not shipped (the job is told so). */
export const MAX_CHECKPOINT_BYTES = 256 * 1024 * 1024;

/** The regular files under `dir`, with paths relative to it (symlinks and the rest are skipped). */
export function readCheckpoint(dir: string): CheckpointFile[] | string {
  const files: CheckpointFile[] = [];
  let bytes = 0;
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        bytes += st.size;
        if (bytes > MAX_CHECKPOINT_BYTES) throw new Error('too big');
        files.push({
          path: relative(dir, p),
          mode: st.mode & 0o777,
          data: readFileSync(p).toString('base64'),
        });
      }
    }
  };
  try {
    walk(dir);
  } catch (e) {
    return (e as Error).message === 'too big'
      ? `the checkpoint directory holds more than ${MAX_CHECKPOINT_BYTES / 2 ** 20} MiB`
      : `cannot read the checkpoint directory: ${(e as Error).message}`;
  }
  return files;
}
