// A service's instance jobs made to match what it wants (inside the caller's transaction): an
// instance is a job named `NAME.K` submitted as its owner through the same admission, queue and
// scheduler as qsub's; instances numbered at or above the wanted count are deleted, the highest
// first (a running one gets SIGTERM once the transaction has committed, as qdel does).
import { ok, type Result } from '../../core/errors.js';
import type { JobSpec } from '../../core/job-spec-types.js';
import type { HeadMessage } from '../../core/protocol/agent-protocol.js';
import type { StoredService } from '../db/services-table.js';
import type { Store } from '../db/store.js';
import { admit } from '../jobs/admission.js';
import { submitJob } from '../jobs/submit-job.js';
import { transition } from '../jobs/transitions.js';
import type { Cluster } from '../nodes/cluster.js';

export interface ScalingDeps {
  store: Store;
  server: string;
  cluster: Cluster;
}

/** Submit instance `k` of the service, as its owner (`uid`: the requester's, when one asks). */
export function submitInstance(
  d: ScalingDeps,
  s: StoredService,
  k: number,
  at: number,
  uid?: number,
): Result<{ id: string; seq: number }> {
  const health = s.settings.health?.path;
  const spec: JobSpec = {
    ...s.spec,
    name: `${s.name}.${k}`,
    service: { name: s.name, instance: k, ...(health !== undefined ? { health } : {}) },
  };
  const ctx = {
    store: d.store,
    server: d.server,
    nodes: () => d.cluster.schedNodes(),
    now: at,
    owner: s.owner,
    admit: (owner: string, asked: JobSpec, jobs: number) => admit(d.store, owner, asked, jobs, uid),
  };
  return submitJob(ctx, spec);
}

/**
 * Submit the instances below `s.wanted` that no live job runs, delete the live ones at or above
 * it (highest first); `signals` gets the SIGTERMs to send once committed.
 */
export function matchInstances(
  d: ScalingDeps,
  s: StoredService,
  by: string,
  at: number,
  signals: [string, HeadMessage][],
): Result<void> {
  const { store } = d;
  const live = new Map<number, number>();
  for (const i of store.services.instances(s.name)) {
    const row = store.jobs.get(i.job)?.row;
    if (row && row.state !== 'F' && !row.deleteRequestedBy) live.set(i.instance, i.job);
  }
  const doomed = [...live].filter(([k]) => k >= s.wanted).sort(([a], [b]) => b - a);
  for (const [, seq] of doomed) {
    const job = store.jobs.get(seq)!;
    const state = job.row.state;
    if (state === 'E') continue; // its attempt has ended; it finishes by itself
    const event =
      state === 'R' ? { type: 'delete_requested' as const, by } : { type: 'deleted' as const, by };
    const r = transition(store, seq, event, at);
    if (!r.ok) return r;
    if (state === 'R')
      signals.push([
        job.row.node!,
        { t: 'signal', jobId: job.id, attempt: job.row.attempt, signal: 'SIGTERM', reason: 'delete' },
      ]);
  }
  for (let k = 0; k < s.wanted; k++) {
    if (live.has(k)) continue;
    const r = submitInstance(d, s, k, at);
    if (!r.ok) return r;
  }
  return ok(undefined);
}
