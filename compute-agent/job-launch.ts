// Starting an attempt's processes, as PBS's MoM does: a login shell reading the stored script's
// path on stdin, in its own session, started in $HOME, stdout/stderr spooled. The processes start
// through the drover-exec launcher, which becomes the job's user (with every group of the user and
// the job's umask), creates TMPDIR and enters the start directory as that user. The spool (run.json,
// stdout, stderr) stays the agent's: the job writes its output through inherited descriptors and
// never reaches the files by name, so what the agent reads back as root is what the job wrote,
// never a link the job planted.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, closeSync, constants as fs, openSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { EXIT } from '../core/lifecycle/states.js';
import type { RunRequest } from '../core/protocol/agent-protocol.js';
import type { ResourceUsage } from '../core/record-types.js';
import type { Account } from '../native/native.js';
import { launchArgs, launcherPath } from '../native/native.js';
import { readyCheckpointDir } from './checkpointer.js';
import { commandDir } from './command-shims.js';
import { jobEnvironment, scriptInput } from './job-env.js';
import {
  interactiveEnvironment,
  RELEASE_FD,
  type Terminal,
  type Terminals,
  terminalFinished,
} from './job-terminal.js';
import type { LongTimer } from './long-timer.js';

export type KillReason = 'walltime' | 'delete' | 'fenced' | 'stall';

/** An attempt running on this node. */
export interface LiveJob {
  req: RunRequest;
  account: Account;
  /** PBS_JOBCOOKIE: the secret with which the job's pbsdsh proves it is the job */
  cookie: string;
  dir: string;
  child?: ChildProcess;
  session: number;
  startedAt: number;
  usage: ResourceUsage;
  killReason?: KillReason;
  timers: LongTimer[];
  /** an interactive attempt's terminal (compute-agent/job-terminal.ts) */
  terminal?: Terminal;
  /** what counts the job's own running time: stopped while it is suspended */
  clock: JobClock;
  /** suspended since (epoch ms): its processes are stopped */
  suspendedAt?: number;
  /** ms it spent suspended before */
  pausedMs: number;
}

/** The timers of a job's running time (walltime, checkpoints) and its stall watch. */
export interface JobClock {
  timers: LongTimer[];
  /** arm the timers for the running time left */
  arm: () => void;
  /** the stall watch paused (suspended) or going on */
  hold: (paused: boolean) => void;
}

/** Starts the drover-exec launcher with these arguments (tests give a stand-in). */
export type SpawnLauncher = (args: string[], options: SpawnOptions) => ChildProcess;

export const spawnLauncher: SpawnLauncher = (args, options) => spawn(launcherPath(), args, options);

export interface LaunchContext {
  stateDir: string;
  /** where PBS_NODEFILE files go */
  auxDir: string;
  tmpRoot: string;
  agentEnv: Record<string, string | undefined>;
  siteEnv?: Record<string, string>;
  spawn: SpawnLauncher;
  /** an earlier attempt's PBS_CHECKPOINT_DIR goes out of the way */
  retireCheckpoint(jobId: string, account: Account): void;
  /** where interactive attempts get their terminals (none: this runner refuses them) */
  terminals?: Terminals;
}

interface JobFiles {
  nodefile: string;
  scriptPath: string;
  checkpoint?: string;
  tmpdir: string;
}

/** The job's own files: PBS_NODEFILE, the script (the user's, 0500), PBS_CHECKPOINT_DIR. */
function jobFiles(ctx: LaunchContext, req: RunRequest, account: Account, dir: string): JobFiles {
  const nodefile = join(ctx.auxDir, req.jobId);
  writeFileSync(nodefile, req.nodefile.map((h) => `${h}\n`).join(''), { mode: 0o644 });
  const scriptPath = join(dir, `${req.jobId}.SC`);
  if (req.script !== undefined) {
    writeFileSync(scriptPath, req.script, { mode: 0o500 });
    if (process.getuid?.() === 0) chownSync(scriptPath, account.uid, account.gid);
  }
  let checkpoint: string | undefined;
  if (req.checkpoint) {
    ctx.retireCheckpoint(req.jobId, account);
    checkpoint = readyCheckpointDir(ctx.stateDir, req.jobId, account.uid, account.gid);
  }
  return { nodefile, scriptPath, checkpoint, tmpdir: join(ctx.tmpRoot, `pbs.${req.jobId}`) };
}

/** The job's environment (compute-agent/job-env.ts) with what only a running attempt has. */
function attemptEnvironment(
  ctx: LaunchContext,
  req: RunRequest,
  account: Account,
  shell: string,
  files: JobFiles,
): { env: Record<string, string>; cookie: string } {
  const { nodefile, tmpdir, checkpoint } = files;
  const commands = commandDir(ctx.stateDir);
  const env = jobEnvironment(req, account, shell, { nodefile, tmpdir, commands }, ctx.agentEnv, ctx.siteEnv);
  const cookie = randomBytes(16).toString('hex');
  env.PBS_JOBCOOKIE = cookie;
  if (checkpoint && req.checkpoint) {
    env.PBS_CHECKPOINT_DIR = checkpoint;
    if (req.checkpoint.count > 0) {
      env.PBS_RESTART = '1';
      env.PBS_CHECKPOINT_COUNT = String(req.checkpoint.count);
    }
  }
  env.DROVER_TASKS = join(ctx.stateDir, 'tasks.sock');
  return { env, cookie };
}

/** The launcher's arguments: the job's user, umask, TMPDIR, start directory, program; an
 * interactive attempt's terminal as its controlling terminal, the launcher held until it is attached. */
function launcherArguments(req: RunRequest, account: Account, shell: string, tmpdir: string): string[] {
  return launchArgs(
    {
      ...(process.getuid?.() === 0 ? { uid: account.uid, gid: account.gid } : {}),
      umask: req.umask,
      mkdirs: [tmpdir],
      cds: [...startDirectories(req), account.home, '/'],
      ...(req.executable ? {} : { argv0: `-${basename(shell)}` }),
      errorFd: 3,
      ...(req.interactive ? { ctty: true, waitFd: RELEASE_FD } : {}),
    },
    req.executable ?? shell,
    req.executable ? (req.argv ?? []) : [],
  );
}

/** New spool files for each attempt, in append mode as PBS opens a job's output files: a line
 * qmsg adds (compute-agent/job-spool.ts) goes at the end, and the job writes after it. */
const SPOOL_FLAGS = fs.O_WRONLY | fs.O_CREAT | fs.O_TRUNC | fs.O_APPEND;

/** The launcher, its stdout and stderr on the spool files, its error pipe on fd 3. */
function spawnAttempt(
  ctx: LaunchContext,
  req: RunRequest,
  dir: string,
  env: Record<string, string>,
  args: string[],
): ChildProcess {
  const out = openSync(join(dir, 'stdout'), SPOOL_FLAGS, 0o600);
  const err = req.join === 'n' ? openSync(join(dir, 'stderr'), SPOOL_FLAGS, 0o600) : out;
  try {
    return ctx.spawn(args, {
      env,
      detached: true,
      stdio: [req.executable ? 'ignore' : 'pipe', out, err, 'pipe'],
    });
  } finally {
    closeSync(out);
    if (err !== out) closeSync(err);
  }
}

/**
 * Start the attempt whose spool directory `dir` holds its run.json; throws when it cannot be
 * started. A script job's shell reads the script's path on its stdin.
 */
export function launchAttempt(ctx: LaunchContext, req: RunRequest, account: Account, dir: string): LiveJob {
  const shell = req.shell ?? account.shell;
  const files = jobFiles(ctx, req, account, dir);
  const { env, cookie } = attemptEnvironment(ctx, req, account, shell, files);
  const args = launcherArguments(req, account, shell, files.tmpdir);
  const terminal = req.interactive ? openTerminal(ctx, req, account, shell, env) : undefined;
  const child = terminal ? spawnOnTerminal(ctx, terminal, env, args) : spawnAttempt(ctx, req, dir, env, args);
  // for an agent that restarts: the session to kill if this attempt outlives its watcher
  if (child.pid !== undefined) writeFileSync(join(dir, 'session'), String(child.pid));
  child.stdin?.on('error', () => {}); // a shell that exits at once closes its stdin
  child.stdin?.end(scriptInput(shell, files.scriptPath, commandDir(ctx.stateDir)));
  return {
    ...(terminal ? { terminal } : {}),
    req,
    account,
    cookie,
    dir,
    child,
    session: child.pid ?? 0,
    startedAt: Date.now(),
    usage: zeroUsage(req.ncpus),
    timers: [],
    clock: { timers: [], arm: () => {}, hold: () => {} },
    pausedMs: 0,
  };
}

/** An interactive attempt's terminal, and its environment (PBS_ENVIRONMENT, TERM, PATH). */
function openTerminal(
  ctx: LaunchContext,
  req: RunRequest,
  account: Account,
  shell: string,
  env: Record<string, string>,
): Terminal {
  if (!ctx.terminals) throw new Error('this agent runs no interactive jobs');
  interactiveEnvironment(env, req, shell, commandDir(ctx.stateDir));
  return ctx.terminals.create(req, account);
}

/** The launcher on the terminal: its stdio is the terminal's slave, no spool, no script on stdin. */
function spawnOnTerminal(
  ctx: LaunchContext,
  terminal: Terminal,
  env: Record<string, string>,
  args: string[],
) {
  let child: ChildProcess;
  try {
    child = ctx.spawn(args, { env, detached: true, stdio: terminal.stdio() });
  } catch (e) {
    terminal.abandon();
    throw e;
  }
  terminal.spawned(child);
  return child;
}

function zeroUsage(ncpus: number): ResourceUsage {
  return { cput: 0, mem: 0, vmem: 0, walltime: 0, cpupercent: 0, ncpus };
}

/** Where the job starts before $HOME: `qsub -d DIR` (Torque's PBS_O_INITDIR), entered as the user. */
function startDirectories(req: RunRequest): string[] {
  const dir = req.env.find(([name]) => name === 'PBS_O_INITDIR')?.[1];
  return dir ? [dir] : [];
}

/**
 * Calls `ended` once: with the attempt's exit status, or with the start failure the launcher
 * reported before the job's program ran (an interactive attempt's terminal has handed over its
 * last output by then).
 */
export function onExit(child: ChildProcess, ended: (status: number, failure?: string) => void): void {
  let done = false;
  const finish = (status: number, failure?: string) => {
    if (done) return;
    done = true;
    ended(status, failure);
  };
  const launchError = launchErrors(child.stdio[3] as Readable);
  child.on('error', (e) => finish(EXIT.startFailed, `cannot start job: ${e.message}`));
  child.on('exit', (code, signal) => {
    const status = signal ? EXIT.signalBase + constants.signals[signal] : (code ?? 0);
    void Promise.all([launchError, terminalFinished(child)]).then(([why]) =>
      why ? finish(EXIT.startFailed, `cannot start job: ${why}`) : finish(status),
    );
  });
}

/**
 * What the launcher wrote on its error pipe before it closed ('' when the program started): it
 * reports a failure before the job's program runs (no such shell, TMPDIR already there, …) on
 * fd 3, which closes by itself once the program is running.
 */
function launchErrors(pipe: Readable): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    pipe.setEncoding('utf8');
    pipe.on('data', (d: string) => {
      text += d;
    });
    pipe.on('error', () => {});
    pipe.on('close', () => resolve(text.trim().replace(/^drover-exec: /, '')));
  });
}
