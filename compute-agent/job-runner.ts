// Runs job attempts on this node as PBS's MoM does: a login shell reading the
// stored script's path on stdin, in its own session, started in $HOME, stdout/stderr spooled.
// The job's processes start through the drover-exec launcher, which becomes the job's user (with
// every group of the user and the job's umask), creates TMPDIR and enters the start directory as
// that user. The spool (run.json, stdout, stderr) stays the agent's: the job writes its output
// through inherited descriptors and never reaches the files by name, so what the agent reads
// back as root is what the job wrote, never a link the job planted.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chownSync,
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rm,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { constants } from 'node:os';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { EXIT } from '../core/lifecycle/states.js';
import { formatDuration } from '../core/pbs/duration.js';
import type {
  AgentJobSummary,
  Fact,
  JournalEntry,
  OutputFile,
  RunRequest,
} from '../core/protocol/agent-protocol.js';
import type { ResourceUsage } from '../core/record-types.js';
import { shellQuote } from '../core/shell-words.js';
import { launchArgs, launcherPath } from '../native/native.js';
import { retire } from './as-user.js';
import { checkpointDir, readyCheckpointDir, stagingDir } from './checkpointer.js';
import { jobEnvironment } from './job-env.js';
import type { Journal } from './journal.js';
import { type LongTimer, longInterval, longTimeout } from './long-timer.js';
import { type OutputReport, OutputWatch } from './output-watch.js';
import { childrenOf, signalGroup } from './signals.js';
import { foldUsage, parseStat, sampleSessions } from './usage.js';
import { type Account, jobAccount } from './users.js';

/** Each spooled stream is delivered up to this size; the rest is cut with a notice. */
export const MAX_OUTPUT_BYTES = 64 * 2 ** 20;

export interface RunnerOptions {
  stateDir: string;
  journal: Journal;
  /** called with every journaled fact, to send it to the head when connected */
  report: (entry: JournalEntry) => void;
  /** grace between SIGTERM and SIGKILL */
  killDelayMs: number;
  tmpRoot: string;
  agentEnv: Record<string, string | undefined>;
  /** the node's pbs_environment: variables every job gets */
  siteEnv?: Record<string, string>;
  /** an attempt ended: its pbsdsh tasks on this node end with it */
  ended?: (jobId: string) => void;
  /** a deferred attempt could not start after all */
  refused?: (req: RunRequest, reason: string) => void;
  /** time for a checkpointable attempt to checkpoint (its period, or walltime coming) */
  checkpoint?: (jobId: string, attempt: number) => void;
  /** a render task's new output and progress, to send to the head when connected */
  progress?: (report: OutputReport) => void;
  /** something on this node could not be cleaned up (logged) */
  warn?: (message: string) => void;
}

interface LiveJob {
  req: RunRequest;
  account: Account;
  /** PBS_JOBCOOKIE: the secret with which the job's pbsdsh proves it is the job */
  cookie: string;
  dir: string;
  child?: ChildProcess;
  session: number;
  startedAt: number;
  usage: ResourceUsage;
  killReason?: 'walltime' | 'delete' | 'fenced' | 'stall';
  timers: LongTimer[];
}

/** The session (process group) id a job's processes run in, if that session still exists. */
function liveSession(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'session'), 'utf8'));
    const stat = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return stat?.session === pid ? pid : undefined;
  } catch {
    return undefined;
  }
}

interface Exit {
  job: LiveJob;
  status: number;
  failure?: string;
}

export class JobRunner {
  private live = new Map<string, LiveJob>();
  /** a later attempt waiting for the earlier one (being killed) to be gone */
  private deferred = new Map<string, RunRequest>();
  private known = new Map<string, AgentJobSummary>();
  /** facts and exits of this turn of the event loop, journaled together with one flush */
  private facts: Fact[] = [];
  private exits: Exit[] = [];
  private flushQueued = false;
  private readonly jobsDir: string;
  private readonly auxDir: string;
  private readonly watcher: OutputWatch;

  constructor(private readonly opts: RunnerOptions) {
    this.jobsDir = join(opts.stateDir, 'jobs');
    this.auxDir = join(opts.stateDir, 'aux');
    this.watcher = new OutputWatch((r) => opts.progress?.(r));
    // passable by every job user: each reaches its own script and PBS_NODEFILE by name
    mkdirSync(this.jobsDir, { recursive: true, mode: 0o711 });
    mkdirSync(this.auxDir, { recursive: true, mode: 0o755 });
    for (const name of readdirSync(this.jobsDir)) {
      if (name.startsWith('.gone.')) {
        rmSync(join(this.jobsDir, name), { recursive: true, force: true });
        continue;
      }
      const req = readRunRequest(join(this.jobsDir, name));
      if (req) this.known.set(req.jobId, { jobId: req.jobId, attempt: req.attempt, running: false });
    }
  }

  /**
   * At start: the attempts of an earlier agent that were started and have no exit on record.
   * Their processes, if any are left, are killed (nobody reaps them or knows their status) and
   * each is reported `lost`, so that the head reruns or ends it.
   */
  reportLost(unacked: JournalEntry[]): void {
    const exited = new Set(
      unacked.filter((e) => e.fact.kind !== 'started').map((e) => `${e.fact.jobId}#${e.fact.attempt}`),
    );
    for (const k of this.known.values()) {
      const dir = join(this.jobsDir, k.jobId);
      if (exited.has(`${k.jobId}#${k.attempt}`) || !existsSync(join(dir, 'session'))) continue;
      const session = liveSession(dir);
      if (session !== undefined) signalGroup(session, 'SIGKILL');
      rmSync(join(dir, 'session'), { force: true });
      // its TMPDIR goes too: a later attempt here creates its own afresh
      const account = jobAccount(readRunRequest(dir)?.user ?? '');
      if (account)
        retire(account, join(this.opts.tmpRoot, `pbs.${k.jobId}`), (why) =>
          this.opts.warn?.(`TMPDIR of ${k.jobId} not removed: ${why}`),
        );
      const reason =
        session !== undefined
          ? 'the node agent restarted; the processes it could no longer watch were killed'
          : 'the node agent restarted and the job was no longer running';
      this.emit({ kind: 'lost', jobId: k.jobId, attempt: k.attempt, reason, at: Date.now() });
    }
  }

  /** The head took this attempt away (fencing): kill it at once, without a grace period. */
  fence(jobId: string, attempt: number): void {
    const job = this.live.get(jobId);
    if (!job || job.req.attempt !== attempt) return;
    job.killReason = 'fenced';
    signalGroup(job.session, 'SIGKILL');
  }

  summaries(): AgentJobSummary[] {
    return [...this.known.values()];
  }

  runningCount(): number {
    return this.live.size;
  }

  /**
   * Start an attempt unless this node already knows it (a repeated `run` never starts twice). An
   * attempt that cannot be started is refused with the reason: the head ends that job, and
   * nothing else on the node changes.
   */
  run(req: RunRequest): { refused?: string } {
    const seen = this.known.get(req.jobId);
    if (seen && seen.attempt >= req.attempt) return {};
    if (seen) {
      // the head sends a later attempt only once it has taken the earlier one away (fenced,
      // requeued): a copy still running dies now and the new attempt starts after its exit
      const old = this.live.get(req.jobId);
      if (old) {
        this.deferred.set(req.jobId, req);
        this.fence(req.jobId, old.req.attempt);
        return {};
      }
      // (a checkpoint restored for the new attempt stays)
      this.cleanup(req.jobId, seen.attempt, true);
    }
    const account = jobAccount(req.user);
    if (!account) return { refused: `no account for user ${req.user} on this node` };
    const dir = join(this.jobsDir, req.jobId);
    this.discard(dir); // whatever a crash left under this name
    try {
      mkdirSync(dir, { mode: 0o711 });
      // not flushed: the journaled `started` fact is what must survive, and a node that crashes
      // before it loses the job's processes too (the head then sends the run again)
      writeFileSync(join(dir, 'run.json'), JSON.stringify(req), { mode: 0o600 });
      this.known.set(req.jobId, { jobId: req.jobId, attempt: req.attempt, running: true });
      this.start(req, account, dir);
      return {};
    } catch (e) {
      this.known.delete(req.jobId);
      rmSync(dir, { recursive: true, force: true });
      return { refused: `cannot start the job: ${(e as Error).message}` };
    }
  }

  /** The job's own files: PBS_NODEFILE, the script (the user's, 0500), PBS_CHECKPOINT_DIR. */
  private jobFiles(req: RunRequest, account: Account, dir: string) {
    const nodefile = join(this.auxDir, req.jobId);
    writeFileSync(nodefile, req.nodefile.map((h) => `${h}\n`).join(''), { mode: 0o644 });
    const scriptPath = join(dir, `${req.jobId}.SC`);
    if (req.script !== undefined) {
      writeFileSync(scriptPath, req.script, { mode: 0o500 });
      if (process.getuid?.() === 0) chownSync(scriptPath, account.uid, account.gid);
    }
    let checkpoint: string | undefined;
    if (req.checkpoint) {
      this.retireCheckpoint(req.jobId, account);
      checkpoint = readyCheckpointDir(this.opts.stateDir, req.jobId, account.uid, account.gid);
    }
    return { nodefile, scriptPath, checkpoint, tmpdir: join(this.opts.tmpRoot, `pbs.${req.jobId}`) };
  }

  private start(req: RunRequest, account: Account, dir: string): void {
    const shell = req.shell ?? account.shell;
    const { nodefile, scriptPath, checkpoint, tmpdir } = this.jobFiles(req, account, dir);
    const env = jobEnvironment(
      req,
      account,
      shell,
      { nodefile, tmpdir },
      this.opts.agentEnv,
      this.opts.siteEnv,
    );
    const cookie = randomBytes(16).toString('hex');
    env.PBS_JOBCOOKIE = cookie;
    if (checkpoint && req.checkpoint) {
      env.PBS_CHECKPOINT_DIR = checkpoint;
      if (req.checkpoint.count > 0) {
        env.PBS_RESTART = '1';
        env.PBS_CHECKPOINT_COUNT = String(req.checkpoint.count);
      }
    }
    env.DROVER_TASKS = join(this.opts.stateDir, 'tasks.sock');
    const launch = launchArgs(
      {
        ...(process.getuid?.() === 0 ? { uid: account.uid, gid: account.gid } : {}),
        umask: req.umask,
        mkdirs: [tmpdir],
        cds: [...startDirectories(req), account.home, '/'],
        ...(req.executable ? {} : { argv0: `-${basename(shell)}` }),
        errorFd: 3,
      },
      req.executable ?? shell,
      req.executable ? (req.argv ?? []) : [],
    );
    const out = openSync(join(dir, 'stdout'), 'w', 0o600);
    const err = req.join === 'n' ? openSync(join(dir, 'stderr'), 'w', 0o600) : out;
    let child: ChildProcess;
    try {
      child = spawn(launcherPath(), launch, {
        env,
        detached: true,
        stdio: [req.executable ? 'ignore' : 'pipe', out, err, 'pipe'],
      });
    } finally {
      closeSync(out);
      if (err !== out) closeSync(err);
    }
    // for an agent that restarts: the session to kill if this attempt outlives its watcher
    if (child.pid !== undefined) writeFileSync(join(dir, 'session'), String(child.pid));
    const job: LiveJob = {
      req,
      account,
      cookie,
      dir,
      child,
      session: child.pid ?? 0,
      startedAt: Date.now(),
      usage: zeroUsage(req.ncpus),
      timers: [],
    };
    this.live.set(req.jobId, job);
    child.stdin?.on('error', () => {}); // a shell that exits at once closes its stdin
    child.stdin?.end(`${shellQuote(scriptPath)}\n`);
    let done = false;
    const finish = (status: number, failure?: string) => {
      if (done) return;
      done = true;
      this.exits.push({ job, status, ...(failure ? { failure } : {}) });
      this.flushSoon();
    };
    // the launcher reports a failure before the job's program runs (no such shell, TMPDIR already
    // there, …) on fd 3, which closes by itself once the program is running
    const launchError = launchErrors(child.stdio[3] as Readable);
    child.on('error', (e) => finish(EXIT.startFailed, `cannot start job: ${e.message}`));
    child.on('exit', (code, signal) => {
      const status = signal ? EXIT.signalBase + constants.signals[signal] : (code ?? 0);
      void launchError.then((why) =>
        why ? finish(EXIT.startFailed, `cannot start job: ${why}`) : finish(status),
      );
    });
    if (child.pid !== undefined) {
      this.emit({
        kind: 'started',
        jobId: req.jobId,
        attempt: req.attempt,
        sessionId: child.pid,
        at: Date.now(),
      });
    }
    if (req.walltime !== undefined) {
      job.timers.push(longTimeout(() => this.kill(job, 'walltime'), req.walltime * 1000));
    }
    if (req.progress) {
      const files = [join(dir, 'stdout'), ...(req.join === 'n' ? [join(dir, 'stderr')] : [])];
      this.watcher.watch(req.jobId, req.attempt, files, req.progress.stallTimeout, () =>
        this.kill(job, 'stall'),
      );
    }
    this.checkpointTimers(job);
  }

  /**
   * A checkpointable attempt checkpoints every period, and once shortly before its walltime (a
   * tenth of it, at most a minute, for walltimes of 10 s or more).
   */
  private checkpointTimers(job: LiveJob): void {
    const { checkpoint, walltime, jobId, attempt } = job.req;
    const tell = () => this.opts.checkpoint?.(jobId, attempt);
    if (!checkpoint) return;
    if (checkpoint.intervalMin) job.timers.push(longInterval(tell, checkpoint.intervalMin * 60_000));
    if (walltime !== undefined && walltime >= 10)
      job.timers.push(longTimeout(tell, (walltime - Math.min(60, walltime / 10)) * 1000));
  }

  /** The account a running job runs as. */
  accountOf(jobId: string): Account | undefined {
    return this.live.get(jobId)?.account;
  }

  /** The running attempt of a checkpointable job. */
  liveAttempt(jobId: string): { attempt: number; signal: string } | undefined {
    const job = this.live.get(jobId);
    if (!job?.req.checkpoint) return undefined;
    return { attempt: job.req.attempt, signal: job.req.checkpoint.signal };
  }

  /**
   * Tell the job to checkpoint: its checkpoint signal goes to the program the job runs, that is
   * the script (a child of the job's login shell, which must not get it) or the `qsub --` program.
   */
  signalCheckpoint(jobId: string): void {
    const job = this.live.get(jobId);
    if (!job?.req.checkpoint) return;
    const targets = job.req.executable ? [job.session] : childrenOf(job.session);
    for (const pid of targets) {
      try {
        process.kill(pid, job.req.checkpoint.signal as NodeJS.Signals);
      } catch {
        // it ended meanwhile
      }
    }
  }

  private emit(fact: Fact): void {
    this.facts.push(fact);
    this.flushSoon();
  }

  private flushSoon(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => this.flush());
  }

  /**
   * Record this turn's exits and journal its facts with one flush, then report them. One /proc
   * scan serves every exit, and none is made when all of them ran under a second (their usage
   * rounds to nothing, and what they left behind is killed anyway).
   */
  private flush(): void {
    this.flushQueued = false;
    const exits = this.exits;
    this.exits = [];
    if (exits.some((e) => Date.now() - e.job.startedAt >= 1000)) this.sample();
    for (const e of exits) this.exited(e.job, e.status, e.failure);
    const facts = this.facts;
    this.facts = [];
    for (const entry of this.opts.journal.appendAll(facts)) this.opts.report(entry);
  }

  /** SIGTERM to the job's process group, SIGKILL after the grace period. */
  private kill(job: LiveJob, reason: 'walltime' | 'delete' | 'stall'): void {
    if (job.killReason) return;
    job.killReason = reason;
    signalGroup(job.session, 'SIGTERM');
    job.timers.push(longTimeout(() => signalGroup(job.session, 'SIGKILL'), this.opts.killDelayMs));
  }

  /** The attempt of a running job whose cookie this is. */
  checkCookie(jobId: string, cookie: string): number | undefined {
    const job = this.live.get(jobId);
    return job && typeof cookie === 'string' && job.cookie === cookie ? job.req.attempt : undefined;
  }

  signal(jobId: string, attempt: number): void {
    const job = this.live.get(jobId);
    if (job && job.req.attempt === attempt) this.kill(job, 'delete');
  }

  private exited(job: LiveJob, natural: number, failure?: string): void {
    for (const t of job.timers) t.clear();
    // what the job left behind ends with it; after a SIGTERM (qdel, walltime) it first gets the
    // same grace as the job, so that its exit traps can run (e.g. a lock file being removed)
    if (job.killReason && job.killReason !== 'fenced')
      setTimeout(() => signalGroup(job.session, 'SIGKILL'), this.opts.killDelayMs);
    else signalGroup(job.session, 'SIGKILL');
    rmSync(join(job.dir, 'session'), { force: true });
    this.opts.ended?.(job.req.jobId);
    const walltime = Math.round((Date.now() - job.startedAt) / 1000);
    const usage = { ...job.usage, walltime };
    let status = natural;
    let reason: string | undefined;
    if (job.killReason === 'walltime') {
      status = EXIT.walltime;
      reason = 'walltime';
      const limit = formatDuration(job.req.walltime ?? 0);
      this.appendNotice(
        job,
        `=>> PBS: job killed: walltime ${formatDuration(walltime)} exceeded limit ${limit}`,
      );
    }
    if (job.killReason === 'stall') {
      if (status === 0) status = EXIT.signalBase + constants.signals.SIGTERM;
      reason = 'stall timeout';
      const quiet = job.req.progress?.stallTimeout ?? 0;
      this.appendNotice(job, `=>> PBS: job killed: no output for ${quiet} s (stall timeout)`);
    }
    if (failure) this.appendNotice(job, `=>> PBS: ${failure}`);
    this.watcher.end(job.req.jobId);
    retire(job.account, join(this.opts.tmpRoot, `pbs.${job.req.jobId}`), (why) =>
      this.opts.warn?.(`TMPDIR of ${job.req.jobId} not removed: ${why}`),
    );
    this.live.delete(job.req.jobId);
    const summary = this.known.get(job.req.jobId);
    if (summary) summary.running = false;
    this.emit({
      kind: 'exited',
      jobId: job.req.jobId,
      attempt: job.req.attempt,
      status,
      usage,
      at: Date.now(),
      ...(reason ? { reason } : {}),
    });
    const next = this.deferred.get(job.req.jobId);
    if (next) {
      this.deferred.delete(job.req.jobId);
      const r = this.run(next);
      if (r.refused) this.opts.refused?.(next, r.refused);
    }
  }

  /** A line from PBS at the end of the job's stderr (the merged file when joined). */
  private appendNotice(job: LiveJob, line: string): void {
    const fd = openSync(join(job.dir, job.req.join === 'n' ? 'stderr' : 'stdout'), 'a');
    writeSync(fd, `${line}\n`);
    closeSync(fd);
  }

  /** Refresh the usage of every running job from /proc. */
  sample(): { jobId: string; attempt: number; usage: ResourceUsage }[] {
    const bySession = sampleSessions(new Set([...this.live.values()].map((j) => j.session)));
    return [...this.live.values()].map((job) => {
      job.usage = foldUsage(
        job.usage,
        bySession.get(job.session),
        Math.round((Date.now() - job.startedAt) / 1000),
      );
      return { jobId: job.req.jobId, attempt: job.req.attempt, usage: job.usage };
    });
  }

  /**
   * The spooled output of a finished attempt (the head writes it to the paths it recorded at
   * submission). Each stream is cut at MAX_OUTPUT_BYTES, with a notice at the cut.
   */
  output(jobId: string, attempt: number): OutputFile[] {
    const dir = join(this.jobsDir, jobId);
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

  /** The head has recorded the attempt as finished: forget it. */
  cleanup(jobId: string, attempt: number, keepCheckpoint = false): void {
    const seen = this.known.get(jobId);
    if (!seen || seen.attempt !== attempt || this.live.has(jobId)) return;
    const user = readRunRequest(join(this.jobsDir, jobId))?.user;
    this.discard(join(this.jobsDir, jobId));
    rmSync(join(this.auxDir, jobId), { force: true });
    if (!keepCheckpoint) {
      const account = user === undefined ? undefined : jobAccount(user);
      if (account) this.retireCheckpoint(jobId, account);
      rmSync(stagingDir(this.opts.stateDir, jobId), { recursive: true, force: true });
    }
    this.known.delete(jobId);
  }

  /**
   * A job's spool directory (the agent's own: the user cannot add to it) is renamed at once, as a
   * new attempt may reuse the name, and removed off the event loop.
   */
  private discard(dir: string): void {
    const gone = join(this.jobsDir, `.gone.${randomBytes(8).toString('hex')}`);
    try {
      renameSync(dir, gone);
      rm(gone, { recursive: true, force: true }, () => {});
    } catch {
      // not there
    }
  }

  /** An earlier attempt's PBS_CHECKPOINT_DIR (the user's) goes out of the way, removed as the user. */
  private retireCheckpoint(jobId: string, account: Account): void {
    retire(account, checkpointDir(this.opts.stateDir, jobId), (why) =>
      this.opts.warn?.(`checkpoint directory of ${jobId} not removed: ${why}`),
    );
  }

  /** Stop every running job (agent shutdown) and wait for their exits to be journaled. */
  async stopAll(): Promise<void> {
    const waits = [...this.live.values()].map(
      (job) => new Promise<void>((resolve) => job.child?.once('exit', () => setImmediate(resolve))),
    );
    for (const job of this.live.values()) this.kill(job, 'delete');
    await Promise.all(waits);
  }
}

function zeroUsage(ncpus: number): ResourceUsage {
  return { cput: 0, mem: 0, vmem: 0, walltime: 0, cpupercent: 0, ncpus };
}

/** Where the job starts before $HOME: `qsub -d DIR` (Torque's PBS_O_INITDIR), entered as the user. */
function startDirectories(req: RunRequest): string[] {
  const dir = req.env.find(([name]) => name === 'PBS_O_INITDIR')?.[1];
  return dir ? [dir] : [];
}

/** What the launcher wrote on its error pipe before it closed ('' when the program started). */
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

/** The request an attempt was started with, unless it never got to disk whole. */
function readRunRequest(dir: string): RunRequest | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunRequest;
  } catch {
    return undefined;
  }
}
