// Runs the scheduler when something changed (submit, exit, release, node up) and on a slow timer
// for time-based work; applies the plan with a re-check, then tells the nodes to start the jobs.
import type { Logger } from 'pino';
import { EXIT } from '../../core/lifecycle/states.js';
import type { HeadMessage, RunRequest } from '../../core/protocol/agent-protocol.js';
import { decayed } from '../../core/scheduling/fairshare.js';
import { stillFits } from '../../core/scheduling/placement.js';
import type { SchedQueue } from '../../core/scheduling/queue-limits.js';
import type { SchedNode } from '../../core/scheduling/sched-node.js';
import { type Placement, type SchedJob, schedule } from '../../core/scheduling/scheduler.js';
import type { Checkpoints } from '../agent-link/checkpoint-store.js';
import type { GroupCommit } from '../db/group-commit.js';
import type { StoredQueue } from '../db/queues-table.js';
import type { Store } from '../db/store.js';
import { hooksOf } from '../jobs/lifecycle-hooks.js';
import { resumeWaiting } from '../jobs/suspension.js';
import { eligibleCount, transition } from '../jobs/transitions.js';
import type { Cluster } from '../nodes/cluster.js';
import { PendingQueue } from './pending-queue.js';
import { Preemptions } from './preemptions.js';
import { buildRunRequest, execHost, execVnode, runMessages } from './run-request.js';

/** One scheduling pass: when (epoch ms), how long it took, how many jobs it placed. */
export interface PassInfo {
  at: number;
  durationMs: number;
  placed: number;
  /** a timer's full pass (it also refreshes waiting reasons), not one caused by an event */
  full: boolean;
}

/** What a pass decided to tell the agents, sent once it has committed: runs, resumptions and
 * preemptions. */
interface PassOut {
  runs: { node: string; req: RunRequest }[];
  told: [string, HeadMessage][];
}

export class Dispatcher {
  private queued = false;
  private reasons = new Map<number, string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** the top job's estimated start, as last stored */
  private estimate: { seq: number; start: number } | undefined;
  private readonly pending: PendingQueue;
  private readonly passListeners: ((pass: PassInfo) => void)[] = [];
  /** the last scheduling pass, for the web view's overview */
  lastPass: PassInfo | undefined;
  private readonly preemptions: Preemptions;

  constructor(
    private readonly store: Store,
    private readonly cluster: Cluster,
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
    /** when given, passes join the group commit of the work that caused them */
    private readonly group?: GroupCommit,
    /** where restarted jobs' checkpoints are read from */
    private readonly checkpoints?: Checkpoints,
  ) {
    this.pending = new PendingQueue(store);
    this.preemptions = new Preemptions(store, cluster, log, checkpoints, () => this.poke());
  }

  /** Ask for a scheduling pass soon; many pokes in one turn of the event loop make one pass. */
  poke(): void {
    if (this.queued || this.stopped) return;
    this.queued = true;
    if (!this.group) {
      setImmediate(() => {
        this.queued = false;
        if (!this.stopped) this.tick(false);
      });
      return;
    }
    this.group
      .run(() => {
        this.queued = false;
        return this.pass(false);
      })
      .then(
        (out) => this.sendRuns(out),
        (e) => this.log.error({ err: e }, 'scheduling pass failed'),
      );
  }

  /** The slow timer runs full passes, which also refresh the reasons of waiting jobs. */
  startTimer(intervalMs: number): void {
    this.timer = setInterval(() => this.tick(true), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** One scheduling pass in one transaction (one commit); `run` messages go out after it. */
  tick(full = true): void {
    this.sendRuns(this.store.transaction(() => this.pass(full)));
  }

  /** Call `listener` after every scheduling pass (the metrics, head/metrics/head-metrics.ts; the web
   * view's change feed, head/web/web-wiring.ts). */
  onPass(listener: (pass: PassInfo) => void): void {
    this.passListeners.push(listener);
  }

  /** One pass, timed; its listeners are told. Suspended jobs waiting for their slots go first. */
  private pass(full: boolean): PassOut {
    const started = performance.now();
    const at = this.clock();
    const told: PassOut['told'] = [];
    this.preemptions.resumeFreed(at, (n, m) => told.push([n, m]));
    resumeWaiting({ store: this.store, cluster: this.cluster, send: (n, m) => told.push([n, m]) }, at);
    const runs = this.place(full, at, told);
    this.lastPass = { at, durationMs: performance.now() - started, placed: runs.length, full };
    for (const listener of this.passListeners) listener(this.lastPass);
    return { runs, told };
  }

  /** Place what fits now (inside the caller's transaction); returns the `run` messages to send. */
  private place(full: boolean, now: number, told: PassOut['told']): { node: string; req: RunRequest }[] {
    this.promoteWaiting(now);
    // qmgr's `scheduling = False`: no job starts (running ones go on) until it is True again
    if (!this.store.meta.settings().scheduling) return [];
    const nodes = this.cluster.schedNodes();
    // a pass caused by an event on a full cluster can place nothing: skip reading the queue
    if (!full && !nodes.some((n) => n.available && !n.exclusive && n.usedNcpus < n.ncpus)) return [];
    const queues = this.store.queues.all();
    const jobs = this.withShares(this.pending.read(freeCpus(nodes)), queues, now);
    if (jobs.length === 0) return [];
    const running = this.store.allocations.holdings();
    const plan = schedule({
      now: Math.floor(now / 1000),
      jobs,
      nodes,
      queues: this.limits(queues),
      running,
      arrayRoom: this.room(jobs),
      reservations: this.store.reservations.windows(),
    });
    const placed = plan.placements.flatMap((p) => this.applyOrFail(p, now));
    const tell = (n: string, m: HeadMessage) => told.push([n, m]);
    this.preemptions.pass(now, jobs, plan.waiting, () => this.limits(queues), tell);
    for (const { seq, reason } of plan.waiting) {
      if (this.reasons.get(seq) === reason) continue;
      this.reasons.set(seq, reason);
      this.store.jobs.setSchedComment(seq, reason);
    }
    const top = plan.estimates[0];
    if (top?.seq !== this.estimate?.seq || top?.start !== this.estimate?.start) {
      this.store.jobs.setEstimate(top?.seq, top?.start);
      this.estimate = top;
    }
    return placed;
  }

  private sendRuns({ runs, told }: PassOut): void {
    for (const [node, m] of told) this.cluster.send(node, m);
    const load = this.checkpoints && ((id: string, n: number) => this.checkpoints!.load(id, n));
    for (const { node, req } of runs) {
      let sent: boolean;
      try {
        sent = runMessages(req, load).every((m) => this.cluster.send(node, m));
      } catch (e) {
        // e.g. its checkpoint cannot be read: the job fails, not the head
        this.failRunning(req, `Job could not be sent to ${node}: ${(e as Error).message}`);
        continue;
      }
      if (!sent)
        this.log.warn({ job: req.jobId }, 'node link not connected; the run is resent when it reconnects');
    }
  }

  private failRunning(req: RunRequest, reason: string): void {
    this.log.error({ job: req.jobId, reason }, 'job failed at dispatch');
    const r = this.store.transaction(() =>
      transition(this.store, req.seq, { type: 'failed', status: EXIT.startFailed, reason }, this.clock()),
    );
    if (!r.ok) this.log.error({ job: req.jobId, reason: r.error.message }, 'failed job not recorded');
    this.poke();
  }

  /** Jobs of fair-share queues carry their owner's decayed usage. */
  private withShares(jobs: SchedJob[], queues: StoredQueue[], now: number): SchedJob[] {
    const fair = new Set(queues.filter((q) => q.fairshare).map((q) => q.name));
    if (fair.size === 0 || jobs.length === 0) return jobs;
    const usage = this.store.fairshare.all();
    const at = Math.floor(now / 1000);
    return jobs.map((j) => {
      const entry = j.queue && fair.has(j.queue) ? usage.get(j.user ?? '') : undefined;
      return entry ? { ...j, share: decayed(entry, at) } : j;
    });
  }

  /** The queues with their limits and how many of their jobs run now. */
  private limits(queues: StoredQueue[]): SchedQueue[] {
    const counts = this.store.jobs.runningCounts();
    return queues.map((q) => {
      const mine = counts.filter((c) => c.queue === q.name);
      const running = mine.reduce((sum, c) => sum + c.n, 0);
      return { ...q, running, runningByUser: Object.fromEntries(mine.map((c) => [c.user, c.n])) };
    });
  }

  /** What the features say of how many more jobs of each array may start. */
  private room(jobs: SchedJob[]): Map<number, number> {
    const room = new Map<number, number>();
    for (const hooks of hooksOf(this.store))
      for (const [seq, n] of hooks.room?.(this.store, jobs) ?? [])
        room.set(seq, Math.min(n, room.get(seq) ?? n));
    return room;
  }

  /** W jobs whose start time has come become Q. */
  private promoteWaiting(now: number): void {
    for (const job of this.store.jobs.inState('W')) {
      if ((job.row.executionTime ?? 0) * 1000 <= now)
        transition(this.store, job.seq, { type: 'eligible' }, now);
    }
  }

  /**
   * One placement in a savepoint of its own: a job whose dispatch throws (a record the head cannot
   * turn into a run) fails alone, with a comment and Exit_status -1; the pass goes on.
   */
  private applyOrFail(p: Placement, now: number): { node: string; req: RunRequest }[] {
    try {
      const run = this.store.transaction(() => this.apply(p, now));
      return run ? [run] : [];
    } catch (e) {
      const reason = `Job could not be dispatched: ${(e as Error).message}`;
      this.log.error({ job: p.seq, reason }, 'job failed at dispatch');
      const r = transition(this.store, p.seq, { type: 'failed', status: EXIT.startFailed, reason }, now);
      if (!r.ok) this.log.error({ job: p.seq, reason: r.error.message }, 'failed job not recorded');
      return [];
    }
  }

  /** Record one placement if the nodes still have room; return the `run` to send. */
  private apply(p: Placement, now: number): { node: string; req: RunRequest } | undefined {
    if (!stillFits(p, this.cluster.schedNodes())) return undefined;
    const job = this.store.jobs.get(p.seq);
    if (job?.row.state !== 'Q') return undefined;
    const indices = this.store.allocations.add(p.seq, p.slots, p.exclusive);
    const restore = job.row.checkpoint?.count;
    const event = {
      type: 'run' as const,
      node: p.slots[0]!.node,
      attempt: job.row.attempt + 1,
      execHost: execHost(p.slots, indices),
      execVnode: execVnode(p.slots),
      ...(restore ? { restore } : {}),
    };
    const woken = eligibleCount(this.store);
    const r = transition(this.store, p.seq, event, now);
    if (!r.ok) throw new Error(r.error.message);
    if (eligibleCount(this.store) !== woken) this.poke(); // e.g. jobs that waited for this one to start
    this.store.jobs.setSchedComment(p.seq, null);
    this.reasons.delete(p.seq);
    const req = buildRunRequest(
      r.value,
      p.slots,
      this.store.jobs.script(p.seq),
      (n) => this.cluster.hostOf(n),
      this.store.meta.torque(),
    );
    return { node: p.slots[0]!.node, req };
  }
}

/** The CPUs free for new jobs: no more of one array's subjobs can start in a pass. */
export function freeCpus(nodes: SchedNode[]): number {
  return nodes.reduce(
    (n, x) => n + (x.available && !x.exclusive ? Math.max(0, x.ncpus - x.usedNcpus) : 0),
    0,
  );
}
