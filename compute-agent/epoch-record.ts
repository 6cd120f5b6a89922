// The highest head epoch this agent has seen (docs/architecture.md, "Fencing by epoch"), kept in
// `head-epoch` in the state directory: written to a temporary file, synced, renamed into place and
// the directory synced before the agent answers the hello that raised it, and read at start. A
// hello below it is refused: a head that has been replaced (paused, partitioned) changes nothing.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const EPOCH_FILE = 'head-epoch';

export class EpochRecord {
  private readonly file: string;
  private value: number;

  constructor(private readonly dir: string) {
    this.file = join(dir, EPOCH_FILE);
    this.value = existsSync(this.file) ? parseEpoch(readFileSync(this.file, 'utf8'), this.file) : 0;
  }

  /** The highest epoch seen (0: none, or only heads without a standby). */
  get highest(): number {
    return this.value;
  }

  /**
   * A hello's epoch: false when it is below the highest seen (refuse it); else true, once a
   * higher one is on disk.
   */
  admit(epoch: number): boolean {
    if (epoch < this.value) return false;
    if (epoch > this.value) {
      this.write(epoch);
      this.value = epoch;
    }
    return true;
  }

  private write(epoch: number): void {
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w', 0o644);
    try {
      writeSync(fd, `${epoch}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    const dirFd = openSync(this.dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }
}

/** The file's number; anything else stops the agent (it was written whole, so this is damage). */
function parseEpoch(text: string, file: string): number {
  const epoch = Number(text.trim());
  if (!Number.isSafeInteger(epoch) || epoch < 0)
    throw new Error(
      `${file} does not hold an epoch (${JSON.stringify(text.slice(0, 40))}); remove it or fix it`,
    );
  return epoch;
}

/** A hello's epoch as a number (absent or not a non-negative integer: 0). */
export function helloEpoch(epoch: unknown): number {
  return typeof epoch === 'number' && Number.isSafeInteger(epoch) && epoch > 0 ? epoch : 0;
}
