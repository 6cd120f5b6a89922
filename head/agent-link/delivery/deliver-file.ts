// Writing one output file at its destination, the way the job's user's own `cp` would: run by a
// process that IS that user (head/agent-link/delivery/workers.ts), so the kernel checks every permission.
// One more rule protects the user from others: a symbolic link at the destination is followed only
// when the user owns it (another user's link in a shared directory could point at the user's files).
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  writeSync,
} from 'node:fs';

const { O_WRONLY, O_CREAT, O_EXCL, O_TRUNC, O_NOFOLLOW } = constants;

/** Open `path` for writing, creating it with `0666 & ~umask` when it does not exist. */
function openDestination(path: string, umask: number): number {
  try {
    const fd = openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    // the mode is set explicitly: the writing process's own umask is not the job's
    fchmodSync(fd, 0o666 & ~umask);
    return fd;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  try {
    return openSync(path, O_WRONLY | O_TRUNC | O_NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ELOOP') throw e;
  }
  const link = lstatSync(path);
  if (link.uid !== process.getuid?.())
    throw new Error(`${path} is a symbolic link owned by uid ${link.uid}, not followed`);
  return openSync(path, O_WRONLY | O_CREAT | O_TRUNC, 0o666 & ~umask);
}

/** Write `data` to `path` (truncating what is there); throws with the reason `cp` would give. */
export function deliverFile(path: string, data: Buffer, umask: number): void {
  const fd = openDestination(path, umask);
  try {
    for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
    if (fstatSync(fd).isFile()) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
