// One agent per state directory: a pid file created exclusively, stale ones replaced.
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';

/** The pid of a live agent holding the lock, if any. */
export function lockHolder(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('agent') ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Take the lock, or return the pid of the agent that holds it. */
export function acquire(file: string): { ok: true } | { ok: false; holder: number } {
  for (;;) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o644 });
      return { ok: true };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = lockHolder(file);
      if (holder !== undefined && holder !== process.pid) return { ok: false, holder };
      unlinkSync(file);
    }
  }
}

export function release(file: string): void {
  if (lockHolder(file) === process.pid) unlinkSync(file);
}
