// The files of the head's home that a standby keeps a copy of, besides the database: the
// checkpoint store, undelivered output and the nodes' pinned host keys. The writers say what they
// changed (a file or a directory, by its path under the home); the primary reads it from disk and
// sends it in order with the database's batches (head/ha/primary-feed.ts), and the standby
// writes it the same way under its own home.
import {
  closeSync,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import type { MirroredTree } from './ha-frames.js';

/** The paths under the home that are mirrored whole in a snapshot. */
export const MIRRORED = ['checkpoints', 'undelivered', 'known_hosts'];

/** Tells the primary what changed in its home (a no-op on a head without a standby). */
export class HomeChanges {
  private listener: ((path: string) => void) | undefined;

  constructor(readonly home: string) {}

  /** `path` (absolute, under the home) is now as it is on disk (or gone). */
  changed(path: string): void {
    this.listener?.(relative(this.home, path));
  }

  listen(listener: ((rel: string) => void) | undefined): void {
    this.listener = listener;
  }
}

function filesUnder(root: string, rel: string, out: { rel: string; data: Buffer; mode: number }[]): void {
  const abs = join(root, rel);
  const st = lstatSync(abs, { throwIfNoEntry: false });
  if (!st) return;
  if (st.isDirectory()) {
    for (const name of readdirSync(abs).sort()) filesUnder(root, rel === '' ? name : join(rel, name), out);
  } else if (st.isFile()) {
    out.push({ rel, data: readFileSync(abs), mode: st.mode & 0o777 });
  }
}

/** `rel` under `home` as it is now: its files, or null when it is gone. */
export function readTree(home: string, rel: string): MirroredTree {
  const abs = join(home, rel);
  if (!existsSync(abs)) return { path: rel, files: null };
  const files: { rel: string; data: Buffer; mode: number }[] = [];
  filesUnder(abs, '', files);
  return { path: rel, files };
}

/** A path a peer sent stays under the home: relative, no `..`. */
function inside(home: string, rel: string): string {
  const clean = normalize(rel);
  if (
    clean === '' ||
    clean === '.' ||
    clean.startsWith(`..${sep}`) ||
    clean === '..' ||
    clean.startsWith(sep)
  )
    throw new Error(`mirrored path ${JSON.stringify(rel)} is not under the home`);
  return join(home, clean);
}

function writeSynced(path: string, data: Buffer, mode: number): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const fd = openSync(path, 'w', mode);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  fsyncSync(fd);
  closeSync(fd);
}

/** Make `tree.path` under `home` what the primary has: written beside, synced, renamed in place. */
export function writeTree(home: string, tree: MirroredTree): void {
  const target = inside(home, tree.path);
  const staging = `${target}.mirror-new`;
  rmSync(staging, { recursive: true, force: true });
  if (tree.files === null) {
    rmSync(target, { recursive: true, force: true });
  } else if (tree.files.length === 1 && tree.files[0]!.rel === '') {
    writeSynced(staging, tree.files[0]!.data, tree.files[0]!.mode);
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
  } else {
    mkdirSync(staging, { recursive: true, mode: 0o700 });
    for (const f of tree.files) writeSynced(inside(staging, f.rel), f.data, f.mode);
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
  }
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  syncDir(dirname(target));
}
