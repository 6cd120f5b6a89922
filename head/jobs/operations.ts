// What the API can ask of the head: each operation takes job-id operands as users type them and
// answers per operand, so that a command can print PBS's message for each one.

import { type ErrorCode, ok, type Refusal, type Result, refuse } from '../../core/errors.js';
import type { JobSpec } from '../../core/job-spec-types.js';
import { checkpointPolicy } from '../../core/lifecycle/checkpoint-policy.js';
import type { TimedEvent } from '../../core/lifecycle/job-events.js';
import { emptyCounts } from '../../core/lifecycle/states.js';
import type { ArraySelector } from '../../core/pbs/array-indices.js';
import { cronSeq } from '../../core/pbs/cron-schedule.js';
import { parseJobId } from '../../core/pbs/jobid.js';
import {
  mayControl,
  mayHold,
  mayQuery,
  type Requester,
  requireRole,
  UNAUTHORIZED,
} from '../../core/policy/permissions.js';
import {
  applyServerChanges,
  type ServerChanges,
  type ServerSettings,
} from '../../core/policy/server-settings.js';
import type {
  CronRecord,
  JobRecord,
  NodeRecord,
  QueueRecord,
  ServerRecord,
} from '../../core/record-types.js';
import type { Checkpoints } from '../agent-link/checkpoint-store.js';
import type { GroupCommit } from '../db/group-commit.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { QueueChanges } from '../db/queues-table.js';
import type { Store } from '../db/store.js';
import type { Cluster } from '../nodes/cluster.js';
import type { Dispatcher } from '../scheduling/dispatcher.js';
import { admit } from './admission.js';
import { type Alteration, alterJob } from './alter-job.js';
import { arraySummary, selectSubjobs } from './arrays.js';
import { deleteCron, fireDueCrons, submitCron } from './cron-jobs.js';
import { toJobRecord } from './job-records.js';
import { changeQueue, createQueue, deleteQueue, setDefaultQueue } from './queue-admin.js';
import { submitJob } from './submit-job.js';
import { transition } from './transitions.js';

export const VERSION = '0.1.0';

export interface OperandResult {
  operand: string;
  id?: string;
  /** qstat: the records an operand stands for when not just `id` (a range, an array with -t) */
  ids?: string[];
  error?: { code: ErrorCode; message: string };
}

export interface OperationsDeps {
  store: Store;
  cluster: Cluster;
  dispatcher: Dispatcher;
  server: string;
  clock?: () => number;
  group?: GroupCommit;
  checkpoints?: Checkpoints;
}

/** The job an operand names; for `[]` and ranges the array's parent, with the selector. */
type Found = { job: StoredJob; id: string; array?: ArraySelector };

export class Operations {
  constructor(private readonly d: OperationsDeps) {}

  private now(): number {
    return (this.d.clock ?? Date.now)();
  }

  private find(operand: string): Result<Found> {
    const ref = parseJobId(operand, this.d.server);
    if (!ref.ok) return ref;
    const { full, array, seq, server } = ref.value;
    const jobs = this.d.store.jobs;
    const parentId = `${seq}[].${server}`;
    // a plain `123` finds the array `123[]` too (PBS asks for the brackets; users forget them)
    const job =
      array === undefined
        ? (jobs.byId(full) ?? jobs.byId(parentId))
        : array.kind === 'index'
          ? jobs.byId(full)
          : jobs.byId(parentId);
    if (!job) return refuse('UNKNOWN_JOB', `Unknown Job Id ${full}`);
    const selector = array ?? (job.kind === 'array' ? { kind: 'parent' as const } : undefined);
    return ok({ job, id: array?.kind === 'range' ? full : job.id, ...(selector ? { array: selector } : {}) });
  }

  /** qhold, qrls and qalter take a job or a whole array, not a subjob or a range. */
  private whole(found: Found): Result<StoredJob> {
    if (found.job.kind === 'subjob' || found.array?.kind === 'range')
      return refuse('INVALID_REQUEST', 'Invalid request');
    return ok(found.job);
  }

  /** What a refusal for lack of permission looks like per operand. */
  private denied(): { ok: false; error: Refusal } {
    return { ok: false, error: { code: 'UNAUTHORIZED', message: UNAUTHORIZED } };
  }

  private record(job: StoredJob, brief: boolean): JobRecord {
    const summary = job.kind === 'array' ? arraySummary(this.d.store, job) : undefined;
    return toJobRecord(job, this.d.server, brief, summary);
  }

  private submitContext() {
    return {
      store: this.d.store,
      server: this.d.server,
      nodes: () => this.d.cluster.schedNodes(),
      now: this.now(),
    };
  }

  /**
   * Store a job (or a --cron template) owned by the requester, whatever user the body names; with
   * a group commit, resolves once it is durable.
   */
  async submit(asked: JobSpec, who: Requester): Promise<Result<{ id: string }>> {
    const spec = { ...asked, user: who.user };
    const ctx = {
      ...this.submitContext(),
      owner: `${who.user}@${who.host}`,
      admit: (owner: string, s: JobSpec, jobs: number) => admit(this.d.store, owner, s, jobs, who.uid),
    };
    const work = () => (spec.cron ? submitCron : submitJob)(ctx, spec);
    const r = this.d.group ? await this.d.group.run(work) : work();
    if (r.ok) this.d.dispatcher.poke();
    return r;
  }

  /**
   * Jobs by operand, or all of them; `brief` leaves out Variable_List (tables do not show it).
   * Subjobs are listed only with `subjobs` (qstat -t): after their array, or for a range.
   */
  query(
    who: Requester,
    operands: string[] | undefined,
    history: boolean,
    brief = false,
    subjobs = false,
  ): { jobs: JobRecord[]; results: OperandResult[]; torque?: { keepCompleted: number } } {
    const server = this.d.server;
    const mode = this.compat();
    const settings = this.d.store.meta.settings();
    const visible = (j: StoredJob) => mayQuery(who, j.owner, settings);
    if (!operands) {
      const listed = this.d.store.jobs.list(history, subjobs).filter(visible);
      if (mode.torque && !history) {
        const since = Math.floor(this.now() / 1000) - mode.torque.keepCompleted;
        listed.push(...this.d.store.jobs.finishedSince(since));
      }
      // subjobs (internal seqs) follow their array
      const order = (j: StoredJob) => [j.arrayParent ?? j.seq, j.arrayIndex ?? -1] as const;
      listed.sort((a, b) => order(a)[0] - order(b)[0] || order(a)[1] - order(b)[1]);
      return { ...mode, jobs: listed.map((j) => this.record(j, brief)), results: [] };
    }
    const jobs: JobRecord[] = [];
    const results = operands.map((operand): OperandResult => {
      const found = this.find(operand);
      if (!found.ok) return { operand, ...idOf(operand, server), error: found.error };
      const { job, array } = found.value;
      if (!visible(job)) return { operand, id: found.value.id, error: this.denied().error };
      if (array?.kind === 'range') {
        const picked = selectSubjobs(this.d.store, job, array);
        if (picked.length === 0) return { operand, id: found.value.id, error: unknown(found.value.id) };
        jobs.push(...picked.map((j) => this.record(j, brief)));
        return { operand, id: found.value.id, ids: picked.map((j) => j.id) };
      }
      jobs.push(this.record(job, brief));
      if (!subjobs || job.kind !== 'array') return { operand, id: found.value.id };
      const under = this.d.store.jobs.subjobs(job.seq);
      jobs.push(...under.map((j) => this.record(j, brief)));
      return { operand, id: found.value.id, ids: [job.id, ...under.map((j) => j.id)] };
    });
    return { ...mode, jobs, results };
  }

  /** Act on each operand's job that `allowed` lets the requester touch; PBS's answer for the others. */
  private each(
    operands: string[],
    allowed: (job: StoredJob) => boolean,
    act: (found: Found) => Result<unknown>,
  ): OperandResult[] {
    const results = operands.map((operand): OperandResult => {
      const found = this.find(operand);
      if (!found.ok) return { operand, ...idOf(operand, this.d.server), error: found.error };
      const r = allowed(found.value.job) ? act(found.value) : this.denied();
      return r.ok ? { operand, id: found.value.id } : { operand, id: found.value.id, error: r.error };
    });
    this.d.dispatcher.poke();
    return results;
  }

  private apply(job: StoredJob, event: Parameters<typeof transition>[2]): Result<unknown> {
    if (job.row.state === 'F') return refuse('JOB_FINISHED', 'Job has finished');
    return transition(this.d.store, job.seq, event, this.now());
  }

  hold(operands: string[], types: string, who: Requester): OperandResult[] {
    return this.holds('held', operands, types, who);
  }

  release(operands: string[], types: string, who: Requester): OperandResult[] {
    return this.holds('released', operands, types, who);
  }

  /** qhold and qrls: a whole job or array, by whoever PBS's hold rules allow. */
  private holds(type: 'held' | 'released', operands: string[], types: string, who: Requester) {
    const by = byOf(who);
    return this.each(
      operands,
      (job) => mayHold(who, job.owner, types),
      (found) => {
        const job = this.whole(found);
        if (!job.ok) return job;
        const r = this.apply(job.value, { type, types, by });
        if (r.ok && type === 'held') this.checkpointAndStop(job.value, by);
        return r;
      },
    );
  }

  /**
   * A held running job that can checkpoint is told to; once its checkpoint is safe at the head
   * it is stopped and waits in H (qrls restarts it from there). Others keep running (PBS).
   * `by` is who (or what) stops it, for the requeue comment.
   */
  private checkpointAndStop(job: StoredJob, by: string): void {
    const checkpoints = this.d.checkpoints;
    if (job.row.state !== 'R' || !checkpoints || !checkpointPolicy(job.spec.checkpoint)) return;
    checkpoints.stops.set(job.id, by);
    this.d.cluster.send(job.row.node!, {
      t: 'checkpoint',
      jobId: job.id,
      attempt: job.row.attempt,
      stop: true,
    });
  }

  /** The Torque compatibility mode, when the head runs in it (qstat's output follows). */
  compat(): { torque?: { keepCompleted: number } } {
    if (this.d.store.meta.get('compat') !== 'torque') return {};
    return { torque: { keepCompleted: Number(this.d.store.meta.get('keep_completed') ?? 300) } };
  }

  /** Submit the jobs of the recurring templates whose tick has come (the head's 1 s timer). */
  fireCrons(onRefusal: (id: string, message: string) => void): void {
    const ctx = {
      ...this.submitContext(),
      admit: (owner: string, s: JobSpec, jobs: number) => admit(this.d.store, owner, s, jobs),
    };
    const n = this.d.store.transaction(() => fireDueCrons(ctx, onRefusal));
    if (n > 0) this.d.dispatcher.poke();
  }

  crons(who: Requester): CronRecord[] {
    const settings = this.d.store.meta.settings();
    return this.d.store.crons
      .all()
      .filter((c) => mayQuery(who, c.owner, settings))
      .map(({ seq: _, spec: __, ...record }) => record);
  }

  /** qdel: jobs, and recurring templates named by their C ids. */
  delete(operands: string[], who: Requester): OperandResult[] {
    return operands.flatMap((operand) => {
      const cron = cronSeq(operand);
      if (cron === undefined) return this.deleteJobs([operand], who);
      const template = this.d.store.crons.get(cron);
      if (template && !mayControl(who, template.owner)) return [{ operand, error: this.denied().error }];
      const r = deleteCron(this.d.store, cron, this.d.server);
      return [r.ok ? { operand } : { operand, error: r.error }];
    });
  }

  private deleteJobs(operands: string[], who: Requester): OperandResult[] {
    const by = byOf(who);
    return this.each(
      operands,
      (job) => mayControl(who, job.owner),
      ({ job, array }) => {
        if (job.kind === 'subjob' && job.row.state === 'F')
          return refuse('SUBJOB_FINISHED', 'Request invalid for finished array subjob');
        if (job.kind !== 'array') return this.deleteOne(job, by);
        // the array (or a range of it): every subjob not yet finished; the parent ends with the last
        if (job.row.state === 'F') return refuse('JOB_FINISHED', 'Job has finished');
        const picked = selectSubjobs(this.d.store, job, array ?? { kind: 'parent' });
        if (picked.length === 0) return refuse('UNKNOWN_JOB', 'Unknown Job Id');
        return this.d.store.transaction(() => {
          for (const subjob of picked) {
            if (subjob.row.state === 'F') continue;
            const r = this.deleteOne(this.d.store.jobs.get(subjob.seq)!, by);
            if (!r.ok && r.error.code !== 'BAD_STATE') return r;
          }
          return ok(undefined);
        });
      },
    );
  }

  private deleteOne(job: StoredJob, by: string): Result<unknown> {
    const state = job.row.state;
    if (state === 'F') return refuse('JOB_FINISHED', 'Job has finished');
    if (state === 'E') return refuse('BAD_STATE', 'Request invalid for state of job');
    if (state !== 'R') return this.apply(job, { type: 'deleted', by });
    if (job.row.deleteRequestedBy) return ok(undefined);
    const r = this.apply(job, { type: 'delete_requested', by });
    if (r.ok) {
      this.d.cluster.send(job.row.node!, {
        t: 'signal',
        jobId: job.id,
        attempt: job.row.attempt,
        signal: 'SIGTERM',
        reason: 'delete',
      });
    }
    return r;
  }

  /**
   * qrerun: a running job is killed (SIGTERM, then SIGKILL) and its exit puts it back in the
   * queue; on a node that is down, fencing does the same.
   */
  rerun(operands: string[], who: Requester): OperandResult[] {
    const by = byOf(who);
    return this.each(
      operands,
      (job) => mayControl(who, job.owner),
      ({ job }) => {
        if (job.kind === 'array') return refuse('INVALID_REQUEST', 'Invalid request');
        if (job.row.state === 'F') return refuse('JOB_FINISHED', 'Job has finished');
        if (job.row.state !== 'R') return refuse('BAD_STATE', 'Request invalid for state of job');
        if (!job.spec.rerunable) return refuse('BAD_STATE', 'Job is not rerunnable');
        if (job.row.rerunRequestedBy) return ok(undefined);
        const r = this.apply(job, { type: 'rerun_requested', by });
        if (r.ok) {
          const signal = {
            jobId: job.id,
            attempt: job.row.attempt,
            signal: 'SIGTERM' as const,
            reason: 'rerun' as const,
          };
          this.d.cluster.send(job.row.node!, { t: 'signal', ...signal });
        }
        return r;
      },
    );
  }

  alter(operands: string[], alteration: Alteration, who: Requester): OperandResult[] {
    const by = byOf(who);
    // a hold set or released by qalter -h follows qhold's rules
    const holds = alteration.hold === undefined || alteration.hold === 'n' ? 'u' : alteration.hold;
    return this.each(
      operands,
      (job) => mayControl(who, job.owner) && mayHold(who, job.owner, holds),
      (found) => {
        const job = this.whole(found);
        return job.ok ? this.alterOne(job.value, alteration, by) : job;
      },
    );
  }

  private alterOne(job: StoredJob, a: Alteration, by: string): Result<unknown> {
    const ctx = {
      store: this.d.store,
      server: this.d.server,
      nodes: () => this.d.cluster.schedNodes(),
      now: this.now(),
      apply: (j: StoredJob, e: Parameters<typeof transition>[2]) => this.apply(j, e),
    };
    return alterJob(ctx, job, a, by);
  }

  trace(operand: string, who: Requester): Result<{ job: JobRecord; events: TimedEvent[] }> {
    const found = this.find(operand);
    if (!found.ok) return found;
    if (!mayQuery(who, found.value.job.owner, this.d.store.meta.settings()))
      return refuse('UNAUTHORIZED', `${UNAUTHORIZED} ${found.value.id}`);
    return ok({
      job: this.record(found.value.job, false),
      events: this.d.store.events.forJob(found.value.job.seq),
    });
  }

  settings(): ServerSettings {
    return this.d.store.meta.settings();
  }

  /**
   * qmgr's `set server`/`unset server`: managers only; acl_roots only by root on the head host
   * (as PBS: it decides who may run jobs as root).
   */
  changeServer(changes: ServerChanges, who: Requester): Result<void> {
    const allowed = requireRole(who, 'manager');
    if (!allowed.ok) return allowed;
    if (changes.aclRoots !== undefined && !(who.local && who.uid === 0))
      return refuse('READ_ONLY', 'Cannot set attribute, read only or insufficient permission acl_roots');
    const { defaultQueue, ...settings } = changes;
    if (defaultQueue !== undefined) {
      const r = setDefaultQueue(this.d.store, defaultQueue);
      if (!r.ok) return r;
    }
    this.d.store.meta.setSettings(applyServerChanges(this.d.store.meta.settings(), settings));
    this.d.dispatcher.poke();
    return ok(undefined);
  }

  serverRecord(): ServerRecord {
    const counts = emptyCounts();
    for (const c of this.d.store.jobs.counts()) if (c.state !== 'F') counts[c.state] += c.n;
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    return {
      name: this.d.server,
      defaultQueue: this.d.store.meta.get('default_queue') ?? 'workq',
      settings: this.d.store.meta.settings(),
      version: VERSION,
      counts,
      total,
      status: 'Active',
      now: Math.floor(this.now() / 1000),
    };
  }

  queueRecords(): QueueRecord[] {
    const rows = this.d.store.jobs.counts();
    return this.d.store.queues.all().map((q) => {
      const counts = emptyCounts();
      for (const c of rows) if (c.queue === q.name && c.state !== 'F') counts[c.state] += c.n;
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      return { ...q, type: 'Execution' as const, counts, total };
    });
  }

  createQueue(name: string, changes: QueueChanges, who: Requester): Result<void> {
    const allowed = requireRole(who, 'manager');
    return allowed.ok ? createQueue(this.d.store, name, changes) : allowed;
  }

  changeQueue(name: string, changes: QueueChanges, who: Requester): Result<void> {
    const allowed = requireRole(who, 'manager');
    if (!allowed.ok) return allowed;
    const r = changeQueue(this.d.store, name, changes);
    this.d.dispatcher.poke(); // a started queue or a raised limit may let jobs run
    return r;
  }

  deleteQueue(name: string, who: Requester): Result<void> {
    const allowed = requireRole(who, 'manager');
    return allowed.ok ? deleteQueue(this.d.store, name) : allowed;
  }

  setDefaultQueue(name: string, who: Requester): Result<void> {
    const allowed = requireRole(who, 'manager');
    return allowed.ok ? setDefaultQueue(this.d.store, name) : allowed;
  }

  nodeRecords(): NodeRecord[] {
    return this.d.cluster.records();
  }

  /** pbsnodes -o/-r (operators and managers; -C with them sets the comment too). */
  setOffline(
    names: string[],
    offline: boolean,
    comment: string | undefined,
    who: Requester,
  ): { name: string; error?: { code: ErrorCode; message: string } }[] {
    const allowed = requireRole(who, 'operator');
    const results = names.map((name) => {
      if (!allowed.ok) return { name, error: allowed.error };
      if (!this.d.store.nodes.get(name))
        return { name, error: { code: 'UNKNOWN_NODE' as const, message: `Unknown node ${name}` } };
      this.d.store.nodes.setOffline(name, offline, comment, this.now());
      if (offline) this.migrateFrom(name);
      return { name };
    });
    this.d.dispatcher.poke();
    return results;
  }

  /** pbsnodes -C without -o/-r: a node's comment, for managers. */
  setComment(names: string[], comment: string, who: Requester): { name: string; error?: Refusal }[] {
    const allowed = requireRole(who, 'manager');
    return names.map((name) => {
      if (!allowed.ok) return { name, error: allowed.error };
      if (!this.d.store.nodes.get(name))
        return { name, error: { code: 'UNKNOWN_NODE' as const, message: `Unknown node ${name}` } };
      this.d.store.nodes.setComment(name, comment);
      return { name };
    });
  }

  /**
   * A node taken offline is a planned stop for the checkpointable jobs it runs: each is told to
   * checkpoint, then stopped and queued again, to resume elsewhere. Other jobs run on (PBS).
   */
  private migrateFrom(node: string): void {
    for (const job of this.d.store.jobs.onNode(node)) {
      if (!job.row.rerunRequestedBy && job.spec.rerunable)
        this.checkpointAndStop(job, `node ${node} offline`);
    }
  }
}

/** `user@host`, as events and comments name who did something. */
const byOf = (who: Requester) => `${who.user}@${who.host}`;

const unknown = (id: string) => ({ code: 'UNKNOWN_JOB' as const, message: `Unknown Job Id ${id}` });

/** The expanded id of an operand, when it parses. */
function idOf(operand: string, server: string): { id?: string } {
  const ref = parseJobId(operand, server);
  return ref.ok ? { id: ref.value.full } : {};
}
