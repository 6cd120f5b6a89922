// The shared secret of the heads and the witness (`--key FILE`): read only when nobody but its
// owner may read it (mode 0600 or 0400), as OpenSSH refuses a private key others can read.
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';

/** The key in `path` (trailing white space dropped); throws why it may not be used. */
export function readHaKey(path: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    throw new Error(`cannot read the key ${path}: ${(e as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`the key ${path} is not a regular file`);
    if ((st.mode & 0o077) !== 0)
      throw new Error(
        `permissions 0${(st.mode & 0o777).toString(8)} for the key ${path} are too open: others may not read it (chmod 600)`,
      );
    const key = Buffer.from(readFileSync(fd, 'utf8').trimEnd(), 'utf8');
    if (key.length < 16) throw new Error(`the key ${path} is too short: 16 bytes at least`);
    return key;
  } finally {
    closeSync(fd);
  }
}
