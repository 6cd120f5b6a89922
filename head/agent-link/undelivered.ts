// Output that could not be written at its destination (the user may not write there, the
// directory is gone, a link belongs to someone else) is kept in the head's private
// `undelivered/` directory, as PBS keeps it in $PBS_HOME/undelivered, for an admin to hand over.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Destination } from './delivery/workers.js';

/** Save `file` under `dir` as `<job id>.<name>`; returns where, or why it could not be kept.
 * `changed` is told the file (a standby mirrors it). */
export function keepUndelivered(
  dir: string,
  jobId: string,
  file: Destination,
  changed: (path: string) => void = () => undefined,
): string {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const savedAs = join(dir, `${jobId}.${basename(file.path) || 'output'}`);
    writeFileSync(savedAs, file.data, { mode: 0o600 });
    changed(savedAs);
    return savedAs;
  } catch (e) {
    return `not kept: ${(e as Error).message}`;
  }
}
