// What the head does with each message from an agent. Facts are committed before they are
// acknowledged; a fact about an attempt that is not the job's current one changes nothing.
import type { Logger } from 'pino';
import { EXIT } from '../../core/lifecycle/states.js';
import type {
  AgentJobSummary,
  AgentMessage,
  Fact,
  HeadMessage,
  NodeInfo,
  OutputFile,
  TaskResult,
  TaskSelection,
} from '../../core/protocol/agent-protocol.js';
import { selectTaskSlots } from '../../core/scheduling/task-slots.js';
import type { GroupCommit } from '../db/group-commit.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';
import type { Farms } from '../farm/farm-jobs.js';
import { endLostAttempt } from '../jobs/lost-attempts.js';
import { transition } from '../jobs/transitions.js';
import type { Cluster } from '../nodes/cluster.js';
import { buildRunRequest, jobUmask, pathPart, runMessages } from '../scheduling/run-request.js';
import type { Checkpoints } from './checkpoint-store.js';
import type { Destination, Outcome } from './delivery/workers.js';
import { keepUndelivered } from './undelivered.js';

/** a checkpoint an agent shipped */
type Checkpointed = Extract<AgentMessage, { t: 'checkpoint' }>;

export interface AgentContext {
  store: Store;
  cluster: Cluster;
  log: Logger;
  poke: () => void;
  undeliveredDir: string;
  /** write a job's output as its user (head/delivery/workers.ts) */
  deliver: (user: string, umask: number, files: Destination[]) => Promise<Outcome[]>;
  /** when given, batches share group commits; without it each batch commits on its own */
  group?: GroupCommit;
  /** the checkpoint store (none: checkpoints are refused) */
  checkpoints?: Checkpoints;
  /** render farms: task progress, retries, post jobs */
  farms?: Farms;
}

export class AgentMessages {
  /** exited facts waiting for their output: jobId → journal seq */
  private awaiting = new Map<string, { node: string; seq: number }>();
  /** jobs whose output is being written now */
  private delivering = new Set<string>();
  /** pbsdsh requests under way: reqId → the mother superior's node, results so far, tasks not yet sent (-s) */
  private taskRequests = new Map<
    string,
    { node: string; expected: number; results: TaskResult[]; later: [string, HeadMessage][]; wait: boolean }
  >();
  /** messages to agents, sent only once the transaction that decided them has committed */
  private outbox: [string, HeadMessage][] = [];

  constructor(private readonly ctx: AgentContext) {}

  private send(node: string, m: HeadMessage): void {
    this.outbox.push([node, m]);
  }

  /** Handle a batch in one transaction, then send what it decided once that has committed. */
  handleAll(node: string, batch: AgentMessage[]): void {
    this.commit(node, () => {
      for (const m of batch) this.handle(node, m);
    });
  }

  /** Run `work` in one transaction (a group commit), then send the messages it decided. */
  private commit(node: string, work: () => void): void {
    const unit = () => {
      this.outbox = [];
      work();
      return this.outbox;
    };
    const { group, store, log } = this.ctx;
    if (!group) {
      this.sendAll(store.transaction(unit));
      return;
    }
    group.run(unit).then(
      (out) => this.sendAll(out),
      (e) => log.error({ err: e, node }, 'agent messages not recorded; the agent resends its facts'),
    );
  }

  /** Send the decided messages, with each node's acknowledgements folded into one. */
  private sendAll(out: [string, HeadMessage][]): void {
    const acks = new Map<string, number[]>();
    for (const [to, m] of out) {
      if (m.t === 'ack') acks.set(to, [...(acks.get(to) ?? []), ...m.seqs]);
      else this.ctx.cluster.send(to, m);
    }
    for (const [to, seqs] of acks) this.ctx.cluster.send(to, { t: 'ack', seqs });
  }

  private handle(node: string, m: AgentMessage): void {
    switch (m.t) {
      case 'welcome':
        this.welcome(node, m.node, m.jobs);
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
          if (job?.row.state === 'R') this.ctx.store.jobs.setUsage(job.seq, u.usage);
        }
        return;
      case 'tasks':
        this.tasks(node, m.reqId, m.jobId, m.attempt, m.argv, m.select ?? {});
        return;
      case 'checkpoint':
        this.checkpoint(node, m);
        return;
      case 'task-done':
        this.taskDone(m.reqId, m.result);
        return;
      case 'refused':
        this.refused(m.jobId, m.attempt, m.reason);
        return;
      case 'progress': {
        const job = this.current(m.jobId, m.attempt);
        if (job) this.ctx.farms?.progress(job, m.attempt, m.updates, m.text);
        return;
      }
    }
  }

  /** The job, when `attempt` is the one running (or exiting) now; a requeued attempt is stale. */
  private current(jobId: string, attempt: number): StoredJob | undefined {
    const job = this.ctx.store.jobs.byId(jobId);
    const live = job?.row.state === 'R' || job?.row.state === 'E';
    return job && live && job.row.attempt === attempt ? job : undefined;
  }

  /** A (re)connected agent: record its capacity, then reconcile its jobs with ours. */
  private welcome(node: string, info: NodeInfo, known: AgentJobSummary[]): void {
    const { store, cluster } = this.ctx;
    store.nodes.setCapacity(node, info.ncpus, info.mem, info.ngpus);
    // this node's fetches died with its old connection; the agent replays those facts now
    for (const [jobId, a] of this.awaiting) if (a.node === node) this.awaiting.delete(jobId);
    const agentJobs = new Map(known.map((k) => [k.jobId, k]));
    for (const job of store.jobs.onNode(node)) {
      if (job.row.state !== 'R') continue;
      const k = agentJobs.get(job.id);
      if (!k || k.attempt < job.row.attempt) {
        const slots = store.allocations.ofJob(job.seq);
        const req = buildRunRequest(job, slots, store.jobs.script(job.seq), (n) => cluster.hostOf(n));
        const load = this.ctx.checkpoints && ((id: string, n: number) => this.ctx.checkpoints!.load(id, n));
        for (const m of runMessages(req, load)) this.send(node, m);
      } else if (k.running && (job.row.deleteRequestedBy || job.row.rerunRequestedBy)) {
        this.send(node, {
          t: 'signal',
          jobId: job.id,
          attempt: k.attempt,
          signal: 'SIGTERM',
          reason: job.row.deleteRequestedBy ? 'delete' : 'rerun',
        });
      }
    }
    for (const k of known) {
      const job = store.jobs.byId(k.jobId);
      const live = job?.row.state === 'R' || job?.row.state === 'E';
      const current = live && job?.row.node === node && job.row.attempt === k.attempt;
      if (current) continue;
      // a copy that is not the current attempt here was fenced (or requeued): it dies now
      if (k.running)
        this.send(node, {
          t: 'signal',
          jobId: k.jobId,
          attempt: k.attempt,
          signal: 'SIGKILL',
          reason: 'fenced',
        });
      else this.send(node, { t: 'cleanup', jobId: k.jobId, attempt: k.attempt });
    }
    this.ctx.poke();
  }

  private fact(node: string, seq: number, fact: Fact): void {
    const { store } = this.ctx;
    const job = this.current(fact.jobId, fact.attempt);
    if (fact.kind === 'started') {
      if (job?.row.state === 'R')
        transition(
          store,
          job.seq,
          { type: 'started', attempt: fact.attempt, sessionId: fact.sessionId },
          fact.at,
        );
      this.send(node, { t: 'ack', seqs: [seq] });
      return;
    }
    if (fact.kind === 'lost') {
      if (job?.row.state === 'R') {
        this.ctx.log.warn({ job: job.id, node, reason: fact.reason }, 'attempt lost by its agent');
        endLostAttempt(store, job, `attempt ${fact.attempt} lost on ${node}: ${fact.reason}`, fact.at);
        this.ctx.poke();
      }
      this.send(node, { t: 'ack', seqs: [seq] });
      this.send(node, { t: 'cleanup', jobId: fact.jobId, attempt: fact.attempt });
      return;
    }
    let state = job?.row.state;
    if (job && state === 'R' && job.row.rerunRequestedBy) {
      // qrerun: the killed attempt goes back to the queue; its output is dropped
      const by = job.row.rerunRequestedBy;
      const why = job.row.checkpoint
        ? `stopped after checkpoint ${job.row.checkpoint.count} at request of ${by}`
        : `rerun at request of ${by}`;
      endLostAttempt(store, job, why, fact.at, true);
      this.ctx.poke();
      this.send(node, { t: 'ack', seqs: [seq] });
      this.send(node, { t: 'cleanup', jobId: fact.jobId, attempt: fact.attempt });
      return;
    }
    if (
      job &&
      state === 'R' &&
      fact.status !== 0 &&
      this.ctx.farms?.retryFailed(job, node, fact.status, fact.reason, fact.at)
    ) {
      // a failed render task goes back to the queue, for another node; its output is in its log
      this.ctx.poke();
      this.send(node, { t: 'ack', seqs: [seq] });
      this.send(node, { t: 'cleanup', jobId: fact.jobId, attempt: fact.attempt });
      return;
    }
    if (job && state === 'R') {
      const sisters = new Set(store.allocations.ofJob(job.seq).map((s) => s.node));
      sisters.delete(node);
      const r = transition(
        store,
        job.seq,
        {
          type: 'exited',
          attempt: fact.attempt,
          status: fact.status,
          usage: fact.usage,
          ...(fact.reason ? { reason: fact.reason } : {}),
        },
        fact.at,
      );
      if (r.ok) {
        state = 'E';
        // pbsdsh tasks on the other nodes end with the job (the mother superior ends its own)
        for (const sister of sisters) this.send(sister, { t: 'end-tasks', jobId: fact.jobId });
      }
      this.ctx.poke();
    }
    if (state === 'E') {
      this.awaiting.set(fact.jobId, { node, seq });
      this.send(node, { t: 'fetch', jobId: fact.jobId, attempt: fact.attempt });
      return;
    }
    // a stale or already recorded attempt (e.g. the late exit of a fenced copy): nothing changes
    this.send(node, { t: 'ack', seqs: [seq] });
    this.send(node, { t: 'cleanup', jobId: fact.jobId, attempt: fact.attempt });
  }

  /**
   * The spooled output of an exited attempt arrived: it is written as the job's user, outside any
   * transaction, to the paths recorded at submission (never a path an agent reports); then the
   * job finishes and the fact is acknowledged. A head that dies in between writes it again.
   */
  private output(node: string, jobId: string, attempt: number, files: OutputFile[]): void {
    const seq = this.awaiting.get(jobId)?.seq;
    const job = this.current(jobId, attempt);
    if (seq === undefined || !job || job.row.state !== 'E' || this.delivering.has(jobId)) return;
    this.delivering.add(jobId);
    const destinations = files.map((f) => ({
      path: pathPart(f.stream === 'err' || job.spec.join === 'eo' ? job.errorPath : job.outputPath),
      data: Buffer.from(f.data, 'base64'),
    }));
    const umask = jobUmask(job.spec.umask);
    this.ctx
      .deliver(job.spec.user, umask, destinations)
      .catch((e: Error) => destinations.map((d) => ({ path: d.path, error: e.message })))
      .then((outcomes) => {
        this.delivering.delete(jobId);
        this.undelivered(job, destinations, outcomes);
        this.commit(node, () => this.finish(node, jobId, attempt, seq));
      });
  }

  /** What could not be written is kept where the head's admin finds it, and the log says why. */
  private undelivered(job: StoredJob, files: Destination[], outcomes: Outcome[]): void {
    outcomes.forEach((o, i) => {
      if (!o.error) return;
      const savedAs = keepUndelivered(this.ctx.undeliveredDir, job.id, files[i]!);
      this.ctx.log.warn({ job: job.id, path: o.path, error: o.error, savedAs }, 'output not delivered');
    });
  }

  /** The output is written: the job finishes and its exit fact is acknowledged. */
  private finish(node: string, jobId: string, attempt: number, seq: number): void {
    const { store } = this.ctx;
    const job = this.current(jobId, attempt);
    if (this.awaiting.get(jobId)?.seq !== seq || job?.row.state !== 'E') return;
    transition(store, job.seq, { type: 'finished', attempt });
    this.ctx.farms?.afterFinish(job);
    this.ctx.checkpoints?.remove(jobId);
    this.ctx.poke(); // jobs that waited for this one may run now
    this.awaiting.delete(jobId);
    this.send(node, { t: 'ack', seqs: [seq] });
    this.send(node, { t: 'cleanup', jobId, attempt });
  }

  /**
   * A running attempt's checkpoint: stored durably as its next number, recorded, then the agent
   * is told it is safe (after the commit). A job held with qhold is stopped once it is.
   */
  private checkpoint(node: string, m: Checkpointed): void {
    const { jobId, attempt } = m;
    const stored = this.storeCheckpoint(m);
    if (typeof stored === 'string')
      this.send(node, { t: 'checkpoint-refused', jobId, attempt, reason: stored });
    else this.send(node, { t: 'checkpoint-saved', jobId, attempt, count: stored });
  }

  /** The checkpoint's number once stored and recorded, or why it was not. */
  private storeCheckpoint({ jobId, attempt, files, note }: Checkpointed): number | string {
    const { store, checkpoints } = this.ctx;
    const job = this.current(jobId, attempt);
    if (!checkpoints) return 'this head keeps no checkpoints';
    if (job?.row.state !== 'R') return `attempt ${attempt} of ${jobId} is not running`;
    const count = (job.row.checkpoint?.count ?? 0) + 1;
    let size: number;
    try {
      size = checkpoints.save(jobId, count, files);
    } catch (e) {
      return `the head could not store the checkpoint: ${(e as Error).message}`;
    }
    const said = note ? { note: note.slice(0, 1000) } : {};
    transition(store, job.seq, { type: 'checkpointed', attempt, count, size, ...said });
    const by = checkpoints.stops.get(jobId);
    if (by !== undefined) {
      checkpoints.stops.delete(jobId);
      transition(store, job.seq, { type: 'rerun_requested', by });
    }
    return count;
  }

  /** pbsdsh in a running job: one task on each chosen slot, over the agents. */
  private tasks(
    node: string,
    reqId: string,
    jobId: string,
    attempt: number,
    argv: string[],
    select: TaskSelection,
  ): void {
    const starts = this.taskStarts(reqId, jobId, attempt, argv, select);
    if (typeof starts === 'string') {
      this.send(node, { t: 'tasks-refused', reqId, reason: starts });
      return;
    }
    const wait = select.wait !== false;
    const now = select.serial ? starts.slice(0, 1) : starts;
    this.taskRequests.set(reqId, {
      node,
      expected: starts.length,
      results: [],
      later: starts.slice(now.length),
      wait,
    });
    for (const [to, m] of now) this.send(to, m);
    if (!wait) this.send(node, { t: 'tasks-done', reqId, results: [] });
  }

  /** The `task` message for each chosen slot, or why there is none. */
  private taskStarts(
    reqId: string,
    jobId: string,
    attempt: number,
    argv: string[],
    select: TaskSelection,
  ): [string, HeadMessage][] | string {
    const { store, cluster } = this.ctx;
    const job = this.current(jobId, attempt);
    if (job?.row.state !== 'R') return `job ${jobId} is not running`;
    const slots = store.allocations.ofJob(job.seq);
    if (slots.some((s) => !cluster.isUp(s.node))) return 'a node of the job is down';
    const chosen = selectTaskSlots(slots.length, select);
    if (!chosen.ok) return chosen.error.message;
    const nodes = [...new Set(slots.map((s) => s.node))];
    const base = buildRunRequest(job, slots, undefined, (n) => cluster.hostOf(n));
    return chosen.value.map((index, taskNum): [string, HeadMessage] => {
      const slot = slots[index]!;
      const req = { ...base, ncpus: slot.ompthreads, gpus: slot.gpus };
      return [slot.node, { t: 'task', reqId, taskNum, nodeNum: nodes.indexOf(slot.node), job: req, argv }];
    });
  }

  private taskDone(reqId: string, result: TaskResult): void {
    const r = this.taskRequests.get(reqId);
    if (!r) return;
    r.results.push(result);
    const next = r.later.shift();
    if (next) this.send(...next);
    if (r.results.length < r.expected) return;
    this.taskRequests.delete(reqId);
    if (r.wait)
      this.send(r.node, { t: 'tasks-done', reqId, results: r.results.sort((a, b) => a.taskNum - b.taskNum) });
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
