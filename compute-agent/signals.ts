// Signals to a job's process group (its session: jobs and tasks are started detached), and to
// every process of its sessions (qsig, suspension).
import { readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { parseStat } from './usage.js';

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  if (pgid <= 0) return;
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is already gone
  }
}

/** SIGTERM now, SIGKILL after the grace period. */
export function terminateGroup(pgid: number, graceMs: number): void {
  signalGroup(pgid, 'SIGTERM');
  setTimeout(() => signalGroup(pgid, 'SIGKILL'), graceMs);
}

/** The processes whose session is one of `sessions` (from /proc). */
export function sessionMembers(sessions: ReadonlySet<number>): number[] {
  const members: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const s = parseStat(readFileSync(`/proc/${name}/stat`, 'utf8'));
      if (s && sessions.has(s.session)) members.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return members;
}

/** Send `signo` to those of `pids` not in `sent`, adding them; returns how many it sent to. */
function sendEach(pids: number[], signo: number, sent: Set<number>): number {
  let n = 0;
  for (const pid of pids) {
    if (sent.has(pid)) continue;
    sent.add(pid);
    n++;
    try {
      process.kill(pid, signo);
    } catch {
      // ended meanwhile
    }
  }
  return n;
}

/**
 * Signal number `signo` to every process of the sessions but `spare`, once each: what a trap
 * starts on receiving it is not signalled again.
 */
export function signalSessions(
  sessions: number[],
  signo: number,
  spare: ReadonlySet<number> = new Set(),
): void {
  const set = new Set(sessions.filter((s) => s > 0));
  if (set.size > 0) sendEach(sessionMembers(set), signo, new Set(spare));
}

/**
 * Stop (SIGSTOP) or continue (SIGCONT) every process of the sessions: each process group at
 * once, then every other process /proc shows in them, scanning again while a scan finds new ones
 * (forked before their parent stopped).
 */
export function holdSessions(sessions: number[], stop: boolean): void {
  const set = new Set(sessions.filter((s) => s > 0));
  const signal = stop ? 'SIGSTOP' : 'SIGCONT';
  for (const s of set) signalGroup(s, signal);
  const sent = new Set<number>();
  for (let round = 0; round < 10 && set.size > 0; round++)
    if (sendEach(sessionMembers(set), constants.signals[signal], sent) === 0) return;
}

/** The processes whose parent is `pid` (from /proc). */
export function childrenOf(pid: number): number[] {
  const kids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // field 4 (ppid) follows the state after the command name's closing parenthesis
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) kids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return kids;
}

export type Disposition = 'caught' | 'ignored' | 'default';

/** A signal mask of /proc/PID/status (`SigCgt:\t0000000000010200`), bit N-1 for signal N. */
function statusMask(status: string, field: string): bigint | undefined {
  const hex = new RegExp(`^${field}:\\s*([0-9a-fA-F]{1,16})\\s*$`, 'm').exec(status)?.[1];
  return hex === undefined ? undefined : BigInt(`0x${hex}`);
}

/** How a process handles signal number `signo`, from its /proc/PID/status (SigCgt, SigIgn). */
export function disposition(status: string, signo: number): Disposition | undefined {
  const caught = statusMask(status, 'SigCgt');
  const ignored = statusMask(status, 'SigIgn');
  if (caught === undefined || ignored === undefined || signo < 1 || signo > 64) return undefined;
  const bit = 1n << BigInt(signo - 1);
  if (caught & bit) return 'caught';
  return ignored & bit ? 'ignored' : 'default';
}

/**
 * Send `signal` to those of `pids` that catch it: to any other it would do nothing (ignored) or
 * end it (the default action of SIGUSR1 and most others). Returns why nothing was sent, naming
 * `what` the processes are (e.g. "the job's script"), or undefined when some process got it.
 */
export function signalCatchers(pids: number[], signal: string, what: string): string | undefined {
  const signo = constants.signals[signal as NodeJS.Signals];
  const seen: string[] = [];
  let sent = false;
  for (const pid of pids) {
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    const how = disposition(status, signo ?? 0);
    const name = /^Name:\s*(.*)$/m.exec(status)?.[1] ?? '?';
    seen.push(`${name}, pid ${pid}${how === 'ignored' ? ', ignores it' : ''}`);
    if (how !== 'caught') continue;
    try {
      process.kill(pid, signal as NodeJS.Signals);
      sent = true;
    } catch {
      // ended meanwhile
    }
  }
  if (sent) return undefined;
  return seen.length === 0
    ? `${signal} not sent: ${what} is not running`
    : `${signal} not sent: ${what} does not catch it (${seen.join('; ')})`;
}
