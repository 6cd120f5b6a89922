// A job's spool directory on the node (`jobs/<job id>/`, the agent's own): the request the attempt
// was started with (run.json), its session id (session), and its spooled stdout/stderr, which are
// read back, cut at MAX_OUTPUT_BYTES, when the head fetches them.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rm,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { AgentJobSummary, OutputFile, RunRequest, TailStream } from '../core/protocol/agent-protocol.js';
import { wholeCharacters } from '../core/protocol/output-tail.js';
import { parseStat } from './usage.js';

/** Each spooled stream is delivered up to this size; the rest is cut with a notice. */
export const MAX_OUTPUT_BYTES = 64 * 2 ** 20;

/** The request an attempt was started with, unless it never got to disk whole. */
export function readRunRequest(dir: string): RunRequest | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunRequest;
  } catch {
    return undefined;
  }
}

/**
 * The attempts an earlier agent left in `jobsDir` (none of them running as far as this agent
 * knows); what an earlier discard left half-removed goes.
 */
export function knownAttempts(jobsDir: string): Map<string, AgentJobSummary> {
  const known = new Map<string, AgentJobSummary>();
  for (const name of readdirSync(jobsDir)) {
    if (name.startsWith('.gone.')) {
      rmSync(join(jobsDir, name), { recursive: true, force: true });
      continue;
    }
    const req = readRunRequest(join(jobsDir, name));
    if (req) known.set(req.jobId, { jobId: req.jobId, attempt: req.attempt, running: false });
  }
  return known;
}

/** The session (process group) id a job's processes run in, if that session still exists. */
export function liveSession(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'session'), 'utf8'));
    const stat = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return stat?.session === pid ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The spooled output of the attempt whose spool is `dir`, if it is that attempt's. Each stream
 * is cut at MAX_OUTPUT_BYTES, with a notice at the cut.
 */
export function spoolOutput(dir: string, attempt: number): OutputFile[] {
  const req = readRunRequest(dir);
  if (req?.attempt !== attempt) return [];
  const files: OutputFile[] = [];
  const add = (spool: string, stream: OutputFile['stream']) => {
    const data = readSpool(join(dir, spool));
    if (data) files.push({ stream, data: data.toString('base64') });
  };
  add('stdout', 'out');
  if (req.join === 'n') add('stderr', 'err');
  return files;
}

/** A spool file's first MAX_OUTPUT_BYTES, with a notice when there was more. */
function readSpool(path: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(Math.min(size, MAX_OUTPUT_BYTES));
    let n = 0;
    for (let r = 1; r > 0 && n < buf.length; n += r) r = readSync(fd, buf, n, buf.length - n, null);
    if (size <= MAX_OUTPUT_BYTES) return buf.subarray(0, n);
    const cut = `\n=>> PBS: output cut at ${MAX_OUTPUT_BYTES / 2 ** 20} MiB\n`;
    return Buffer.concat([buf.subarray(0, n), Buffer.from(cut)]);
  } finally {
    closeSync(fd);
  }
}

/**
 * Up to `max` bytes of the attempt's spooled `stream` from byte `from`, cut at a character
 * boundary (`next`: the offset after them); undefined when `dir` is not that attempt's spool. A
 * joined job's one file serves both streams. The spool is the agent's (compute-agent/job-launch.ts:
 * the job writes through inherited descriptors and cannot add a name there), so it is read as the
 * agent, as spoolOutput and compute-agent/output-watch.ts read it; never through a link all the same.
 */
export function spoolTail(
  dir: string,
  attempt: number,
  stream: TailStream,
  from: number,
  max: number,
): { text: string; next: number } | undefined {
  const req = readRunRequest(dir);
  if (req?.attempt !== attempt) return undefined;
  let fd: number;
  try {
    const name = stream === 'err' && req.join === 'n' ? 'stderr' : 'stdout';
    fd = openSync(join(dir, name), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return { text: '', next: from };
  }
  try {
    const buf = Buffer.allocUnsafe(max);
    const n = readSync(fd, buf, 0, max, from);
    const whole = wholeCharacters(buf.subarray(0, n));
    return { text: buf.toString('utf8', 0, whole), next: from + whole };
  } finally {
    closeSync(fd);
  }
}

/**
 * qmsg: `text` at the end of the attempt's spooled `streams` (a joined job's one file once);
 * false when `dir` is not that attempt's spool. The spool is the agent's, opened by the attempt
 * in append mode (compute-agent/job-launch.ts), so the line stays where it is written.
 */
export function appendToSpool(dir: string, attempt: number, streams: TailStream[], text: string): boolean {
  const req = readRunRequest(dir);
  if (req?.attempt !== attempt) return false;
  const names = new Set(streams.map((s) => (s === 'err' && req.join === 'n' ? 'stderr' : 'stdout')));
  for (const name of names) {
    let fd: number;
    try {
      fd = openSync(join(dir, name), constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW);
    } catch {
      return false;
    }
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
  }
  return true;
}

/** A line from PBS at the end of the job's stderr (the merged file when joined). */
export function appendNotice(dir: string, join_: RunRequest['join'], line: string): void {
  const fd = openSync(join(dir, join_ === 'n' ? 'stderr' : 'stdout'), 'a');
  writeSync(fd, `${line}\n`);
  closeSync(fd);
}

/**
 * A job's spool directory (the agent's own: the user cannot add to it) is renamed at once, as a
 * new attempt may reuse the name, and removed off the event loop.
 */
export function discardSpool(jobsDir: string, dir: string): void {
  const gone = join(jobsDir, `.gone.${randomBytes(8).toString('hex')}`);
  try {
    renameSync(dir, gone);
    rm(gone, { recursive: true, force: true }, () => {});
  } catch {
    // not there
  }
}
