// Runs job attempts on this node: starts each attempt once (compute-agent/job-launch.ts), watches
// its timers (walltime, checkpoints, stall), journals its started and exited facts and reports them,
// and keeps its spool until the head has its output (compute-agent/job-spool.ts).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  AgentJobSummary,
  JournalEntry,
  OutputFile,
  RunRequest,
} from '../core/protocol/agent-protocol.js';
import type { ResourceUsage } from '../core/record-types.js';
import type { Account } from '../native/native.js';
import { retireCheckpointDir, retireTmpdir } from './as-user.js';
import { endSession, exitOutcome, lostAttempts } from './attempt-end.js';
import { armTimers, signalCheckpoint, terminate } from './attempt-timers.js';
import { stagingDir } from './checkpointer.js';
import { type Exit, FactBatch } from './fact-batch.js';
import {
  type LaunchContext,
  type LiveJob,
  launchAttempt,
  onExit,
  type SpawnLauncher,
  spawnLauncher,
} from './job-launch.js';
import { discardSpool, knownAttempts, readRunRequest, spoolOutput } from './job-spool.js';
import { ranMs } from './job-suspension.js';
import type { Journal } from './journal.js';
import { type OutputReport, OutputWatch } from './output-watch.js';
import { signalGroup } from './signals.js';
import { foldUsage, sampleSessions } from './usage.js';
import { jobAccount } from './users.js';

export interface RunnerOptions extends Pick<LaunchContext, 'terminals'> {
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
  /** an attempt started (a service instance's port is probed from then on) */
  started?: (req: RunRequest) => void;
  /** an attempt ended with `status` (its last output read): its pbsdsh tasks here end with it */
  ended?: (jobId: string, status: number) => void;
  /** a deferred attempt could not start after all */
  refused?: (req: RunRequest, reason: string) => void;
  /** time for a checkpointable attempt to checkpoint (its period, or walltime coming) */
  checkpoint?: (jobId: string, attempt: number) => void;
  /** a render task's new output and progress, to send to the head when connected */
  progress?: (report: OutputReport) => void;
  /** something on this node could not be cleaned up (logged) */
  warn?: (message: string) => void;
  /** starts the drover-exec launcher (the real one unless a test gives a stand-in) */
  spawn?: SpawnLauncher;
  /** how often a render task's output is read (ms) */
  outputIntervalMs?: number;
}

export class JobRunner {
  private live = new Map<string, LiveJob>();
  /** a later attempt waiting for the earlier one (being killed) to be gone, with its run's epoch */
  private deferred = new Map<string, { req: RunRequest; epoch: number }>();
  private known: Map<string, AgentJobSummary>;
  private readonly facts: FactBatch;
  private readonly jobsDir: string;
  private readonly auxDir: string;
  private readonly watcher: OutputWatch;
  private readonly launch: LaunchContext;

  constructor(private readonly opts: RunnerOptions) {
    this.jobsDir = join(opts.stateDir, 'jobs');
    this.auxDir = join(opts.stateDir, 'aux');
    this.watcher = new OutputWatch((r) => opts.progress?.(r), opts.outputIntervalMs);
    // passable by every job user: each reaches its own script and PBS_NODEFILE by name
    mkdirSync(this.jobsDir, { recursive: true, mode: 0o711 });
    mkdirSync(this.auxDir, { recursive: true, mode: 0o755 });
    this.known = knownAttempts(this.jobsDir);
    this.facts = new FactBatch(opts.journal, opts.report, (exits) => this.exitedAll(exits));
    // stateDir, tmpRoot, agentEnv, siteEnv and terminals as the options give them
    this.launch = {
      ...opts,
      auxDir: this.auxDir,
      spawn: opts.spawn ?? spawnLauncher,
      retireCheckpoint: (jobId, account) => retireCheckpointDir(account, opts.stateDir, jobId, opts.warn),
    };
  }

  /**
   * At start: the attempts of an earlier agent that were started and have no exit on record.
   * Their processes, if any are left, are killed (nobody reaps them or knows their status) and
   * each is reported `lost`, so that the head reruns or ends it.
   */
  reportLost(unacked: JournalEntry[]): void {
    const lost = lostAttempts(this.jobsDir, this.known.values(), unacked, this.opts.tmpRoot, this.opts.warn);
    for (const fact of lost) this.facts.emit(fact);
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
   * nothing else on the node changes. `epoch` (of the run's connection) is journaled in `started`.
   */
  run(req: RunRequest, epoch = 0): { refused?: string } {
    const seen = this.known.get(req.jobId);
    if (seen && seen.attempt >= req.attempt) return {};
    if (seen) {
      // the head sends a later attempt only once it has taken the earlier one away (fenced,
      // requeued): a copy still running dies now and the new attempt starts after its exit
      const old = this.live.get(req.jobId);
      if (old) {
        this.deferred.set(req.jobId, { req, epoch });
        this.fence(req.jobId, old.req.attempt);
        return {};
      }
      // (a checkpoint restored for the new attempt stays)
      this.cleanup(req.jobId, seen.attempt, true);
    }
    const account = jobAccount(req.user);
    if (!account) return { refused: `no account for user ${req.user} on this node` };
    const dir = join(this.jobsDir, req.jobId);
    discardSpool(this.jobsDir, dir); // whatever a crash left under this name
    try {
      mkdirSync(dir, { mode: 0o711 });
      // not flushed: the journaled `started` fact is what must survive, and a node that crashes
      // before it loses the job's processes too (the head then sends the run again)
      writeFileSync(join(dir, 'run.json'), JSON.stringify(req), { mode: 0o600 });
      this.known.set(req.jobId, { jobId: req.jobId, attempt: req.attempt, running: true });
      this.start(req, account, dir, epoch);
      return {};
    } catch (e) {
      this.known.delete(req.jobId);
      rmSync(dir, { recursive: true, force: true });
      return { refused: `cannot start the job: ${(e as Error).message}` };
    }
  }

  private start(req: RunRequest, account: Account, dir: string, epoch: number): void {
    const job = launchAttempt(this.launch, req, account, dir);
    this.live.set(req.jobId, job);
    this.watchExit(job);
    this.opts.started?.(req);
    if (job.child?.pid !== undefined) {
      const started = { jobId: req.jobId, attempt: req.attempt, sessionId: job.child.pid, at: Date.now() };
      this.facts.emit({ kind: 'started', ...started, ...(epoch > 0 ? { epoch } : {}) });
    }
    armTimers(
      job,
      this.watcher,
      (reason) => terminate(job, reason, this.opts.killDelayMs),
      () => this.opts.checkpoint?.(req.jobId, req.attempt),
    );
  }

  /** The attempt's exit (or its failure to start, which the launcher reports) is queued once. */
  private watchExit(job: LiveJob): void {
    onExit(job.child!, (status, failure) =>
      this.facts.exit({ job, status, ...(failure ? { failure } : {}) }),
    );
  }

  /** The account a running job runs as. */
  accountOf(jobId: string): Account | undefined {
    return this.live.get(jobId)?.account;
  }

  /** The running attempt of a checkpointable job. */
  liveAttempt(jobId: string): { attempt: number; signal: string } | undefined {
    const req = this.live.get(jobId)?.req;
    return req?.checkpoint ? { attempt: req.attempt, signal: req.checkpoint.signal } : undefined;
  }

  /**
   * Tell the job to checkpoint: its checkpoint signal goes to the program the job runs, that is
   * the script (a child of the job's login shell, which must not get it) or the `qsub --` program,
   * only if it catches the signal. Returns why it was not sent.
   */
  signalCheckpoint(jobId: string): string | undefined {
    const job = this.live.get(jobId);
    return job ? signalCheckpoint(job) : undefined;
  }

  /**
   * Record this turn's exits. One /proc scan serves every exit, and none is made when all of them
   * ran under a second (their usage rounds to nothing, and what they left behind is killed anyway).
   */
  private exitedAll(exits: Exit[]): void {
    if (exits.some((e) => Date.now() - e.job.startedAt >= 1000)) this.sample();
    for (const e of exits) this.exited(e.job, e.status, e.failure);
  }

  /** The attempt of a running job whose cookie this is. */
  checkCookie(jobId: string, cookie: string): number | undefined {
    const job = this.live.get(jobId);
    return job && typeof cookie === 'string' && job.cookie === cookie ? job.req.attempt : undefined;
  }

  attempt(jobId: string, attempt: number): LiveJob | undefined {
    const job = this.live.get(jobId);
    return job?.req.attempt === attempt ? job : undefined;
  }

  signal(jobId: string, attempt: number): void {
    const job = this.attempt(jobId, attempt);
    if (job) terminate(job, 'delete', this.opts.killDelayMs);
  }

  private exited(job: LiveJob, natural: number, failure?: string): void {
    const { jobId, attempt } = job.req;
    endSession(job, this.opts.killDelayMs);
    const walltime = Math.round(ranMs(job) / 1000);
    const usage = { ...job.usage, walltime };
    const { status, reason } = exitOutcome(job, natural, walltime, failure);
    this.watcher.end(jobId);
    this.opts.ended?.(jobId, status);
    retireTmpdir(job.account, this.opts.tmpRoot, jobId, this.opts.warn);
    this.live.delete(jobId);
    const summary = this.known.get(jobId);
    if (summary) summary.running = false;
    this.facts.emit({
      kind: 'exited',
      jobId,
      attempt,
      status,
      usage,
      at: Date.now(),
      ...(reason ? { reason } : {}),
    });
    const next = this.deferred.get(jobId);
    if (next) {
      this.deferred.delete(jobId);
      const r = this.run(next.req, next.epoch);
      if (r.refused) this.opts.refused?.(next.req, r.refused);
    }
  }

  /** Refresh the usage of every running job from /proc. */
  sample(): { jobId: string; attempt: number; usage: ResourceUsage }[] {
    const bySession = sampleSessions(new Set([...this.live.values()].map((j) => j.session)));
    return [...this.live.values()].map((job) => {
      job.usage = foldUsage(job.usage, bySession.get(job.session), Math.round(ranMs(job) / 1000));
      return { jobId: job.req.jobId, attempt: job.req.attempt, usage: job.usage };
    });
  }

  /**
   * The spooled output of a finished attempt (the head writes it to the paths it recorded at
   * submission). Each stream is cut at MAX_OUTPUT_BYTES, with a notice at the cut.
   */
  output(jobId: string, attempt: number): OutputFile[] {
    return spoolOutput(join(this.jobsDir, jobId), attempt);
  }

  /** The head has recorded the attempt as finished: forget it. */
  cleanup(jobId: string, attempt: number, keepCheckpoint = false): void {
    const seen = this.known.get(jobId);
    if (!seen || seen.attempt !== attempt || this.live.has(jobId)) return;
    const user = readRunRequest(join(this.jobsDir, jobId))?.user;
    discardSpool(this.jobsDir, join(this.jobsDir, jobId));
    rmSync(join(this.auxDir, jobId), { force: true });
    if (!keepCheckpoint) {
      const account = user === undefined ? undefined : jobAccount(user);
      if (account) retireCheckpointDir(account, this.opts.stateDir, jobId, this.opts.warn);
      rmSync(stagingDir(this.opts.stateDir, jobId), { recursive: true, force: true });
    }
    this.known.delete(jobId);
  }

  /** Stop every running job (agent shutdown) and wait for their exits to be journaled. */
  async stopAll(): Promise<void> {
    const waits = [...this.live.values()].map(
      (job) => new Promise<void>((resolve) => job.child?.once('exit', () => setImmediate(resolve))),
    );
    for (const job of this.live.values()) terminate(job, 'delete', this.opts.killDelayMs);
    await Promise.all(waits);
  }
}
