// Runs job attempts on this node as PBS's MoM does (pbs-spec.md §4): a login shell reading the
// stored script's path on stdin, in its own session, started in $HOME, stdout/stderr spooled.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rm,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { constants } from 'node:os';
import { basename, join } from 'node:path';
import { formatDuration } from '../core/duration.js';
import type { AgentJobSummary, Fact, JournalEntry, OutputFile, RunRequest } from '../core/protocol.js';
import { shellQuote } from '../core/shell-words.js';
import { EXIT } from '../core/states.js';
import type { ResourceUsage } from '../core/types.js';
import { checkpointDir, chownTree } from './checkpoints.js';
import { jobEnvironment } from './job-env.js';
import type { Journal } from './journal.js';
import { type OutputReport, OutputWatch } from './output-watch.js';
import { childrenOf, signalGroup } from './signals.js';
import { foldUsage, parseStat, sampleSessions } from './usage.js';
import { type Account, jobAccount } from './users.js';

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
}

interface LiveJob {
  req: RunRequest;
  /** PBS_JOBCOOKIE: the secret with which the job's pbsdsh proves it is the job */
  cookie: string;
  dir: string;
  child?: ChildProcess;
  session: number;
  startedAt: number;
  usage: ResourceUsage;
  killReason?: 'walltime' | 'delete' | 'fenced' | 'stall';
  timers: NodeJS.Timeout[];
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

  /** Start an attempt unless this node already knows it (a repeated `run` never starts twice). */
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
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // not flushed: the journaled `started` fact is what must survive, and a node that crashes
    // before it loses the job's processes too (the head then sends the run again)
    writeFileSync(join(dir, 'run.json'), JSON.stringify(req), { mode: 0o600 });
    this.known.set(req.jobId, { jobId: req.jobId, attempt: req.attempt, running: true });
    this.start(req, account, dir);
    return {};
  }

  private start(req: RunRequest, account: Account, dir: string): void {
    const shell = req.shell ?? account.shell;
    const nodefile = join(this.auxDir, req.jobId);
    writeFileSync(nodefile, req.nodefile.map((h) => `${h}\n`).join(''), { mode: 0o644 });
    const tmpdir = join(this.opts.tmpRoot, `pbs.${req.jobId}`);
    mkdirSync(tmpdir, { recursive: true, mode: 0o700 });
    const scriptPath = join(dir, `${req.jobId}.SC`);
    if (req.script !== undefined) writeFileSync(scriptPath, req.script, { mode: 0o700 });
    const owned = [dir, tmpdir, ...(req.script !== undefined ? [scriptPath] : [])];
    if (process.getuid?.() === 0) for (const p of owned) chownSync(p, account.uid, account.gid);
    const out = openSync(join(dir, 'stdout'), 'w', 0o600);
    const err = req.join === 'n' ? openSync(join(dir, 'stderr'), 'w', 0o600) : out;
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
    if (req.checkpoint) {
      const ckpt = checkpointDir(this.opts.stateDir, req.jobId);
      mkdirSync(ckpt, { recursive: true, mode: 0o700 });
      if (process.getuid?.() === 0) chownTree(ckpt, account.uid, account.gid);
      env.PBS_CHECKPOINT_DIR = ckpt;
      if (req.checkpoint.count > 0) {
        env.PBS_RESTART = '1';
        env.PBS_CHECKPOINT_COUNT = String(req.checkpoint.count);
      }
    }
    env.DROVER_TASKS = join(this.opts.stateDir, 'tasks.sock');
    const common = {
      cwd: startDirectory(req, account.home),
      env,
      detached: true,
      ...(process.getuid?.() === 0 ? { uid: account.uid, gid: account.gid } : {}),
    };
    const child = req.executable
      ? spawn(req.executable, req.argv ?? [], { ...common, stdio: ['ignore', out, err] })
      : spawn(shell, [], { ...common, argv0: `-${basename(shell)}`, stdio: ['pipe', out, err] });
    closeSync(out);
    if (err !== out) closeSync(err);
    // for an agent that restarts: the session to kill if this attempt outlives its watcher
    if (child.pid !== undefined) writeFileSync(join(dir, 'session'), String(child.pid));
    const job: LiveJob = {
      req,
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
    child.on('error', (e) => finish(EXIT.startFailed, `cannot start job: ${e.message}`));
    child.on('exit', (code, signal) =>
      finish(signal ? EXIT.signalBase + constants.signals[signal] : (code ?? 0)),
    );
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
      job.timers.push(setTimeout(() => this.kill(job, 'walltime'), req.walltime * 1000));
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
    if (checkpoint.intervalMin) job.timers.push(setInterval(tell, checkpoint.intervalMin * 60_000));
    if (walltime !== undefined && walltime >= 10)
      job.timers.push(setTimeout(tell, (walltime - Math.min(60, walltime / 10)) * 1000));
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
    job.timers.push(setTimeout(() => signalGroup(job.session, 'SIGKILL'), this.opts.killDelayMs));
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
    for (const t of job.timers) clearTimeout(t);
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
    rmSync(join(this.opts.tmpRoot, `pbs.${job.req.jobId}`), { recursive: true, force: true });
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

  /** The spooled output of a finished attempt, addressed to its destinations. */
  output(jobId: string, attempt: number): OutputFile[] {
    const dir = join(this.jobsDir, jobId);
    const req = readRunRequest(dir);
    if (req?.attempt !== attempt) return [];
    const files: OutputFile[] = [];
    const add = (spool: string, path: string) => {
      const p = join(dir, spool);
      if (existsSync(p)) files.push({ path, data: readFileSync(p).toString('base64') });
    };
    if (req.join !== 'eo') add('stdout', req.stdoutPath);
    if (req.join === 'eo') add('stdout', req.stderrPath);
    if (req.join === 'n') add('stderr', req.stderrPath);
    return files;
  }

  /** The head has recorded the attempt as finished: forget it. */
  cleanup(jobId: string, attempt: number, keepCheckpoint = false): void {
    const seen = this.known.get(jobId);
    if (!seen || seen.attempt !== attempt || this.live.has(jobId)) return;
    // renamed at once (a new attempt may reuse the name), removed off the event loop
    const gone = join(this.jobsDir, `.gone.${jobId}.${attempt}`);
    try {
      renameSync(join(this.jobsDir, jobId), gone);
      rm(gone, { recursive: true, force: true }, () => {});
    } catch {
      // already removed
    }
    rmSync(join(this.auxDir, jobId), { force: true });
    if (!keepCheckpoint) rmSync(checkpointDir(this.opts.stateDir, jobId), { recursive: true, force: true });
    this.known.delete(jobId);
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

/** Where the job starts: `qsub -d DIR` (Torque's PBS_O_INITDIR) when it exists here, else $HOME. */
function startDirectory(req: RunRequest, home: string): string {
  const dir = req.env.find(([name]) => name === 'PBS_O_INITDIR')?.[1];
  return dir && existsSync(dir) ? dir : home;
}

/** The request an attempt was started with, unless it never got to disk whole. */
function readRunRequest(dir: string): RunRequest | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunRequest;
  } catch {
    return undefined;
  }
}
