// A (re)connected agent says which attempts it knows: the head resends the runs the agent lacks,
// repeats a kill that was asked for, kills or cleans up every copy that is not the job's current
// attempt there (it was fenced or requeued meanwhile), and stops or continues the jobs whose
// suspension the agent does not hold as the head's record does.
import type { AgentJobSummary, HeadMessage } from '../../core/protocol/agent-protocol.js';
import type { Store } from '../db/store.js';
import type { Cluster } from '../nodes/cluster.js';
import { buildRunRequest, runMessages } from '../scheduling/run-request.js';
import type { Checkpoints } from './checkpoint-store.js';

export interface ReconcileContext {
  store: Store;
  cluster: Cluster;
  checkpoints?: Checkpoints;
  send: (node: string, m: HeadMessage) => void;
}

/** Our running jobs on `node` that the agent lacks are sent again; asked kills are repeated. */
function resendOurs(ctx: ReconcileContext, node: string, known: Map<string, AgentJobSummary>): void {
  const { store, cluster, checkpoints, send } = ctx;
  for (const job of store.jobs.onNode(node)) {
    if (job.row.state !== 'R') continue;
    const k = known.get(job.id);
    if (!k || k.attempt < job.row.attempt) {
      const slots = store.allocations.ofJob(job.seq);
      const hostOf = (n: string) => cluster.hostOf(n);
      const req = buildRunRequest(job, slots, store.jobs.script(job.seq), hostOf, store.meta.torque());
      const load = checkpoints && ((id: string, n: number) => checkpoints.load(id, n));
      for (const m of runMessages(req, load)) send(node, m);
    } else if (k.running && (job.row.deleteRequestedBy || job.row.rerunRequestedBy)) {
      const reason = job.row.deleteRequestedBy ? 'delete' : 'rerun';
      send(node, { t: 'signal', jobId: job.id, attempt: k.attempt, signal: 'SIGTERM', reason });
    }
  }
}

/** The jobs with slots on `node` that the head holds suspended and the agent not, or the reverse. */
function agreeSuspended(ctx: ReconcileContext, node: string, suspended: string[]): void {
  const held = new Set(suspended);
  const seen = new Set<number>();
  for (const a of ctx.store.allocations.onNode(node)) {
    const job = seen.has(a.seq) ? undefined : ctx.store.jobs.get(a.seq);
    seen.add(a.seq);
    // a job being killed was continued for it (compute-agent/attempt-timers.ts)
    const killing = job?.row.deleteRequestedBy || job?.row.rerunRequestedBy;
    if (job?.row.state !== 'R' || killing || a.suspended === held.has(job.id)) continue;
    ctx.send(node, { t: a.suspended ? 'suspend' : 'resume', jobId: job.id, attempt: job.row.attempt });
  }
}

export function reconcile(
  ctx: ReconcileContext,
  node: string,
  known: AgentJobSummary[],
  suspended: string[] = [],
): void {
  resendOurs(ctx, node, new Map(known.map((k) => [k.jobId, k])));
  agreeSuspended(ctx, node, suspended);
  for (const k of known) {
    const job = ctx.store.jobs.byId(k.jobId);
    const live = job?.row.state === 'R' || job?.row.state === 'E';
    if (live && job?.row.node === node && job.row.attempt === k.attempt) continue;
    // a copy that is not the current attempt here was fenced (or requeued): it dies now
    if (k.running)
      ctx.send(node, {
        t: 'signal',
        jobId: k.jobId,
        attempt: k.attempt,
        signal: 'SIGKILL',
        reason: 'fenced',
      });
    else ctx.send(node, { t: 'cleanup', jobId: k.jobId, attempt: k.attempt });
  }
}
