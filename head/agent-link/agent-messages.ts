// What the head does with each message from an agent. Facts are committed before they are
// acknowledged; a fact about an attempt that is not the job's current one changes nothing.
// Features (head/jobs/lifecycle-hooks.ts) see exits, finishes and the messages only they know.
import type { Logger } from 'pino';
import { EXIT } from '../../core/lifecycle/states.js';
import type { AgentMessage, Fact, HeadMessage, OutputFile } from '../../core/protocol/agent-protocol.js';
import type { GroupCommit } from '../db/group-commit.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';
import { hooksOf } from '../jobs/lifecycle-hooks.js';
import { endLostAttempt } from '../jobs/lost-attempts.js';
import { transition } from '../jobs/transitions.js';
import type { Cluster } from '../nodes/cluster.js';
import { recordCheckpoint, type Saved, saveCheckpoint } from './checkpoint-facts.js';
import type { Checkpoints } from './checkpoint-store.js';
import type { Destination, Outcome } from './delivery/workers.js';
import { deliverOutput } from './output-delivery.js';
import { reconcile } from './reconcile.js';
import { TaskRequests } from './task-requests.js';

export interface AgentContext {
  store: Store;
  cluster: Cluster;
  log: Logger;
  poke: () => void;
  undeliveredDir: string;
  /** a file kept in undeliveredDir (a standby mirrors it) */
  changed?: (path: string) => void;
  /** write a job's output as its user (head/agent-link/delivery/workers.ts) */
  deliver: (user: string, umask: number, files: Destination[]) => Promise<Outcome[]>;
  /** when given, batches share group commits; without it each batch commits on its own */
  group?: GroupCommit;
  /** the checkpoint store (none: checkpoints are refused) */
  checkpoints?: Checkpoints;
}

type Exited = Extract<Fact, { kind: 'exited' }>;
type CheckpointMessage = Extract<AgentMessage, { t: 'checkpoint' }>;

export class AgentMessages {
  /** exited facts waiting for their output: jobId → journal seq */
  private awaiting = new Map<string, { node: string; seq: number }>();
  /** jobs whose output is being written now */
  private delivering = new Set<string>();
  private readonly tasks: TaskRequests;
  /** messages to agents, sent only once the transaction that decided them has committed */
  private outbox: [string, HeadMessage][] = [];
  /** what to do once that transaction has committed (file work never runs inside one) */
  private after: (() => void)[] = [];

  constructor(private readonly ctx: AgentContext) {
    this.tasks = new TaskRequests(ctx.store, ctx.cluster);
  }

  private readonly send = (node: string, m: HeadMessage): void => {
    this.outbox.push([node, m]);
  };

  /** Handle a batch in one transaction, then send what it decided once that has committed. */
  handleAll(node: string, batch: AgentMessage[]): void {
    // checkpoint files are stored before the transaction that records them
    const saved = new Map<AgentMessage, Saved>();
    for (const m of batch)
      if (m.t === 'checkpoint')
        saved.set(m, saveCheckpoint(this.current(m.jobId, m.attempt), m, this.ctx.checkpoints));
    this.commit(node, () => {
      for (const m of batch) this.handle(node, m, saved.get(m));
    });
  }

  /** Run `work` in one transaction (a group commit), then send the messages it decided. */
  private commit(node: string, work: () => void): void {
    const unit = () => {
      this.outbox = [];
      this.after = [];
      work();
      return { out: this.outbox, after: this.after };
    };
    const { group, store, log } = this.ctx;
    if (!group) {
      this.committed(store.transaction(unit));
      return;
    }
    group.run(unit).then(
      (done) => this.committed(done),
      (e) => log.error({ err: e, node }, 'agent messages not recorded; the agent resends its facts'),
    );
  }

  /** After the commit: the follow-up work, then the messages, each node's acks folded into one. */
  private committed({ out, after }: { out: [string, HeadMessage][]; after: (() => void)[] }): void {
    for (const f of after) {
      try {
        f();
      } catch (e) {
        this.ctx.log.error({ err: e }, 'work after an agent batch failed');
      }
    }
    const acks = new Map<string, number[]>();
    for (const [to, m] of out) {
      if (m.t === 'ack') acks.set(to, [...(acks.get(to) ?? []), ...m.seqs]);
      else this.ctx.cluster.send(to, m);
    }
    for (const [to, seqs] of acks) this.ctx.cluster.send(to, { t: 'ack', seqs });
  }

  private handle(node: string, m: AgentMessage, saved?: Saved): void {
    const { store } = this.ctx;
    switch (m.t) {
      case 'welcome':
        store.nodes.setCapacity(node, m.node.ncpus, m.node.mem, m.node.ngpus);
        // this node's fetches died with its old connection; the agent replays those facts now
        for (const [jobId, a] of this.awaiting) if (a.node === node) this.awaiting.delete(jobId);
        reconcile({ ...this.ctx, send: this.send }, node, m.jobs, m.suspended);
        this.ctx.poke();
        return;
      case 'fact':
        this.fact(node, m.entry.seq, m.entry.fact);
        return;
      case 'output':
        this.output(node, m.jobId, m.attempt, m.files);
        return;
      case 'usage':
        for (const u of m.jobs) {
          const job = this.current(u.jobId, u.attempt);
          if (job?.row.state === 'R') store.jobs.setUsage(job.seq, u.usage);
        }
        return;
      case 'tasks': {
        const ask = { ...m, job: this.current(m.jobId, m.attempt), select: m.select ?? {} };
        this.tasks.start(node, ask, this.send);
        return;
      }
      case 'task-done':
        this.tasks.done(m.reqId, m.result, this.send);
        return;
      case 'checkpoint':
        this.checkpoint(node, m, saved ?? 'the checkpoint was not stored');
        return;
      case 'refused':
        this.refused(m.jobId, m.attempt, m.reason);
        return;
      default:
        this.featureMessage(m);
    }
  }

  /** The job, when `attempt` is the one running (or exiting) now; a requeued attempt is stale. */
  private current(jobId: string, attempt: number): StoredJob | undefined {
    const job = this.ctx.store.jobs.byId(jobId);
    const live = job?.row.state === 'R' || job?.row.state === 'E';
    return job && live && job.row.attempt === attempt ? job : undefined;
  }

  /** The fact is settled: acknowledged, and the attempt's files on the node may go. */
  private settled(node: string, seq: number, jobId: string, attempt: number): void {
    this.send(node, { t: 'ack', seqs: [seq] });
    this.send(node, { t: 'cleanup', jobId, attempt });
  }

  private fact(node: string, seq: number, fact: Fact): void {
    const { store } = this.ctx;
    const job = this.current(fact.jobId, fact.attempt);
    const running = job?.row.state === 'R' ? job : undefined;
    if (fact.kind === 'started') {
      if (running)
        transition(
          store,
          running.seq,
          { type: 'started', attempt: fact.attempt, sessionId: fact.sessionId },
          fact.at,
        );
      this.send(node, { t: 'ack', seqs: [seq] });
      return;
    }
    if (fact.kind === 'lost' && running) {
      this.ctx.log.warn({ job: running.id, node, reason: fact.reason }, 'attempt lost by its agent');
      endLostAttempt(store, running, `attempt ${fact.attempt} lost on ${node}: ${fact.reason}`, fact.at);
      this.ctx.poke();
    }
    if (fact.kind === 'lost' || (running && this.tookOver(node, running, fact))) {
      this.settled(node, seq, fact.jobId, fact.attempt);
      return;
    }
    const state = running ? this.exited(node, running, fact) : job?.row.state;
    if (state === 'E') {
      this.awaiting.set(fact.jobId, { node, seq });
      this.send(node, { t: 'fetch', jobId: fact.jobId, attempt: fact.attempt });
      return;
    }
    // a stale or already recorded attempt (e.g. the late exit of a fenced copy): nothing changes
    this.settled(node, seq, fact.jobId, fact.attempt);
  }

  /** qrerun's killed attempt goes back to the queue (its output dropped); a feature may take the job. */
  private tookOver(node: string, job: StoredJob, fact: Exited): boolean {
    const { store } = this.ctx;
    const by = job.row.rerunRequestedBy;
    let taken = false;
    if (by) {
      const why = job.row.checkpoint
        ? `stopped after checkpoint ${job.row.checkpoint.count} at request of ${by}`
        : `rerun at request of ${by}`;
      endLostAttempt(store, job, why, fact.at, true);
      taken = true;
    } else {
      const end = { node, status: fact.status, at: fact.at, ...(fact.reason ? { reason: fact.reason } : {}) };
      taken = hooksOf(store).some((h) => h.exited?.(store, job, end) === true);
    }
    if (taken) this.ctx.poke();
    return taken;
  }

  /** The attempt exited: the job goes to E; pbsdsh tasks on its other nodes end with it. */
  private exited(node: string, job: StoredJob, fact: Exited): string {
    const sisters = new Set(this.ctx.store.allocations.ofJob(job.seq).map((s) => s.node));
    sisters.delete(node);
    const event = {
      type: 'exited' as const,
      attempt: fact.attempt,
      status: fact.status,
      usage: fact.usage,
      ...(fact.reason ? { reason: fact.reason } : {}),
    };
    const r = transition(this.ctx.store, job.seq, event, fact.at);
    this.ctx.poke();
    if (!r.ok) return job.row.state;
    // the mother superior ends its own tasks
    for (const sister of sisters) this.send(sister, { t: 'end-tasks', jobId: fact.jobId });
    return 'E';
  }

  /** The spooled output of an exited attempt arrived: written (head/agent-link/output-delivery.ts), then the job finishes. */
  private output(node: string, jobId: string, attempt: number, files: OutputFile[]): void {
    const seq = this.awaiting.get(jobId)?.seq;
    const job = this.current(jobId, attempt);
    if (seq === undefined || !job || job.row.state !== 'E' || this.delivering.has(jobId)) return;
    this.delivering.add(jobId);
    void deliverOutput(this.ctx, job, files).then(() => {
      this.delivering.delete(jobId);
      this.commit(node, () => this.finish(node, jobId, attempt, seq));
    });
  }

  /** The output is written: the job finishes and its exit fact is acknowledged. */
  private finish(node: string, jobId: string, attempt: number, seq: number): void {
    const { store } = this.ctx;
    const job = this.current(jobId, attempt);
    if (this.awaiting.get(jobId)?.seq !== seq || job?.row.state !== 'E') return;
    transition(store, job.seq, { type: 'finished', attempt });
    for (const hooks of hooksOf(store)) hooks.finished?.(store, job);
    const checkpoints = this.ctx.checkpoints;
    if (checkpoints) this.after.push(() => checkpoints.remove(jobId));
    this.ctx.poke(); // jobs that waited for this one may run now
    this.awaiting.delete(jobId);
    this.settled(node, seq, jobId, attempt);
  }

  /** A checkpoint whose files are stored: recorded, then the agent is told (after the commit). */
  private checkpoint(node: string, m: CheckpointMessage, saved: Saved): void {
    const job = this.current(m.jobId, m.attempt);
    const { reply, after } = recordCheckpoint(this.ctx.store, this.ctx.checkpoints, job, m, saved);
    this.send(node, reply);
    if (after) this.after.push(after);
  }

  /** A message only a feature understands (e.g. a render task's progress), about a running attempt. */
  private featureMessage(m: AgentMessage): void {
    if (!('jobId' in m && 'attempt' in m)) return;
    const job = this.current(m.jobId, m.attempt);
    if (!job) return;
    for (const hooks of hooksOf(this.ctx.store)) {
      const after = hooks.message?.(this.ctx.store, job, m);
      if (after) this.after.push(after);
    }
  }

  /** The agent could not start the attempt (e.g. no such user there): the job fails. */
  private refused(jobId: string, attempt: number, reason: string): void {
    const { store, log } = this.ctx;
    const job = this.current(jobId, attempt);
    if (job?.row.state !== 'R') return;
    log.warn({ job: jobId, reason }, 'agent refused to start job');
    transition(store, job.seq, { type: 'exited', attempt, status: EXIT.startFailed, reason });
    transition(store, job.seq, { type: 'finished', attempt });
    this.ctx.poke();
  }
}
