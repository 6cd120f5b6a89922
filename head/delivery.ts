// Output delivery at the submit host: each spooled file lands atomically at its destination
// (temp file, fsync, rename), owned by the job's user when the head runs as root. A destination
// that cannot be written gets the file in $DROVER_HOME/undelivered instead.
import {
  chownSync,
  closeSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parsePasswd } from '../core/passwd.js';
import type { OutputFile } from '../core/protocol.js';

export interface DeliveryResult {
  delivered: string[];
  undelivered: { path: string; savedAs: string; error: string }[];
}

/** A destination that is not a regular file (/dev/null, a FIFO) is written in place, as cp would. */
function isSpecial(path: string): boolean {
  try {
    return !lstatSync(path).isFile();
  } catch {
    return false; // missing: created atomically below
  }
}

function writeInPlace(path: string, data: Buffer): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, data);
  } finally {
    closeSync(fd);
  }
}

function writeAtomically(path: string, data: Buffer, owner?: { uid: number; gid: number }): void {
  if (isSpecial(path)) {
    writeInPlace(path, data);
    return;
  }
  const tmp = join(dirname(path), `.${basename(path)}.drover-${process.pid}`);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (owner) chownSync(tmp, owner.uid, owner.gid);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

function ownerOf(user: string): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const account = parsePasswd(readFileSync('/etc/passwd', 'utf8'), user);
  return account ? { uid: account.uid, gid: account.gid } : undefined;
}

export function deliverOutput(files: OutputFile[], user: string, undeliveredDir: string): DeliveryResult {
  const owner = ownerOf(user);
  const result: DeliveryResult = { delivered: [], undelivered: [] };
  for (const file of files) {
    const data = Buffer.from(file.data, 'base64');
    try {
      writeAtomically(file.path, data, owner);
      result.delivered.push(file.path);
    } catch (e) {
      mkdirSync(undeliveredDir, { recursive: true, mode: 0o700 });
      const savedAs = join(undeliveredDir, basename(file.path));
      writeAtomically(savedAs, data);
      result.undelivered.push({ path: file.path, savedAs, error: (e as Error).message });
    }
  }
  return result;
}
