// Typed access to the native pieces built at install time (`npm ci` runs `node-gyp rebuild --directory
// native`): the drover_native addon (SO_PEERCRED, NSS user/group lookups, pseudo-terminals) and the drover-exec launcher,
// which starts a job's program as its user with all supplementary groups, a umask, private directories
// and a start directory entered as that user.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A passwd entry, as getpwuid_r/getpwnam_r return it (through NSS, so LDAP/sssd users are included). */
export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

/** Kernel-verified credentials of the process at the other end of a Unix socket (SO_PEERCRED). */
export interface PeerCred {
  pid: number;
  uid: number;
  gid: number;
}

/** A new pseudo-terminal pair: both descriptors close-on-exec, neither anyone's controlling terminal. */
export interface PtyPair {
  master: number;
  slave: number;
  /** the slave's device, e.g. /dev/pts/3 */
  path: string;
}

interface Addon {
  peerCred(fd: number): PeerCred;
  openPty(): PtyPair;
  setWindowSize(fd: number, rows: number, cols: number): void;
  userByUid(uid: number): Account | null;
  userByName(name: string): Account | null;
  groupsOf(name: string, gid: number): number[];
  groupByName(name: string): number | null;
}

/** Options of the drover-exec launcher; see native/drover-exec.c for the order they are applied in. */
export interface LaunchOptions {
  /** Become this user (with `gid` and every supplementary group of the user). Needs `gid` too. */
  uid?: number;
  gid?: number;
  /** File-creation mask, e.g. 0o077. */
  umask?: number;
  /** Directories created 0700 by the user; anything already at the path makes the launch fail. */
  mkdirs?: string[];
  /** Start directory: the first of these the user can enter. */
  cds?: string[];
  /** argv[0] of the program (e.g. `-bash` for a login shell). */
  argv0?: string;
  /** Fd (>= 3) the launcher reports a failure on; closed on a successful exec. */
  errorFd?: number;
  /** Stdin (a terminal) becomes the controlling terminal of the launcher's session (spawn it detached). */
  ctty?: boolean;
  /** Fd (>= 3) the launcher reads one byte from before it execs the program (end of file: it fails). */
  waitFd?: number;
}

/** The repository root: the nearest directory up from this module holding native/binding.gyp. */
function repoRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'native', 'binding.gyp'))) return dir;
    if (dirname(dir) === dir) throw new Error(`drover native: no native/binding.gyp above ${start}`);
  }
}

const releaseDir = (): string => join(repoRoot(), 'native', 'build', 'Release');

let addon: Addon | undefined;

function load(): Addon {
  if (addon) return addon;
  const file = join(releaseDir(), 'drover_native.node');
  if (!existsSync(file)) {
    throw new Error(`drover native: ${file} is missing; run \`npm ci\` (its install step builds native/)`);
  }
  addon = createRequire(import.meta.url)(file) as Addon;
  return addon;
}

/** Uid, gid and pid of the peer of the connected Unix socket `fd` (e.g. `socket._handle.fd`). */
export function peerCred(fd: number): PeerCred {
  return load().peerCred(fd);
}

/** The passwd entry of `uid`, or null when there is none. */
export function userByUid(uid: number): Account | null {
  return load().userByUid(uid);
}

/** The passwd entry of user `name`, or null when there is none. */
export function userByName(name: string): Account | null {
  return load().userByName(name);
}

/** The gids initgroups(name, gid) would give: `gid` plus the user's supplementary groups. */
export function groupsOf(name: string, gid: number): number[] {
  return load().groupsOf(name, gid);
}

/** The gid of group `name` (getgrnam_r, through NSS), or undefined when there is no such group. */
export function groupByName(name: string): number | undefined {
  return load().groupByName(name) ?? undefined;
}

/** A new pseudo-terminal pair (posix_openpt), the slave owned by this process's user. */
export function openPty(): PtyPair {
  return load().openPty();
}

/** Set the size of the terminal `fd` is a side of (TIOCSWINSZ: its foreground job gets SIGWINCH). */
export function setWindowSize(fd: number, rows: number, cols: number): void {
  load().setWindowSize(fd, rows, cols);
}

/** Absolute path of the drover-exec launcher. Throws when it was not built. */
export function launcherPath(): string {
  const file = join(releaseDir(), 'drover-exec');
  if (!existsSync(file)) {
    throw new Error(`drover native: ${file} is missing; run \`npm ci\` (its install step builds native/)`);
  }
  return file;
}

const isId = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 0xfffffffe;

/**
 * The launcher's argv (without the launcher path itself) to run `program args...` with `opts`:
 * `spawn(launcherPath(), launchArgs(opts, program, args), ...)`.
 */
export function launchArgs(opts: LaunchOptions, program: string, args: string[]): string[] {
  const out: string[] = [];
  if (opts.errorFd !== undefined) {
    if (!Number.isInteger(opts.errorFd) || opts.errorFd < 3)
      throw new RangeError('errorFd must be an integer >= 3');
    out.push('--error-fd', String(opts.errorFd));
  }
  if (opts.ctty) out.push('--ctty');
  if ((opts.uid === undefined) !== (opts.gid === undefined)) throw new TypeError('uid and gid go together');
  if (opts.uid !== undefined && opts.gid !== undefined) {
    if (!isId(opts.uid) || !isId(opts.gid))
      throw new RangeError('uid and gid must be integers in [0, 2^32-2]');
    out.push('--uid', String(opts.uid), '--gid', String(opts.gid));
  }
  if (opts.umask !== undefined) {
    if (!Number.isInteger(opts.umask) || opts.umask < 0 || opts.umask > 0o777) {
      throw new RangeError('umask must be an integer in [0, 0o777]');
    }
    out.push('--umask', opts.umask.toString(8).padStart(3, '0'));
  }
  for (const dir of opts.mkdirs ?? []) out.push('--mkdir', nonEmpty(dir, 'mkdirs'));
  for (const dir of opts.cds ?? []) out.push('--cd', nonEmpty(dir, 'cds'));
  if (opts.argv0 !== undefined) out.push('--argv0', opts.argv0);
  if (opts.waitFd !== undefined) {
    if (!Number.isInteger(opts.waitFd) || opts.waitFd < 3)
      throw new RangeError('waitFd must be an integer >= 3');
    out.push('--wait-fd', String(opts.waitFd));
  }
  out.push('--', nonEmpty(program, 'program'), ...args);
  return out;
}

function nonEmpty(s: string, what: string): string {
  if (s === '') throw new TypeError(`${what}: empty string`);
  return s;
}
