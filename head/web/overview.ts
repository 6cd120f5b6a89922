// The web view's overview: nodes by state with what is allocated, jobs by state and queue, queue
// lengths, the scheduler's last pass, and jobs ended per minute over the last hour.
import type { NodeRecord, QueueRecord } from '../../core/record-types.js';
import type { Store } from '../db/store.js';
import type { PassInfo } from '../scheduling/dispatcher.js';

export interface OverviewParts {
  store: Store;
  server: string;
  nodes: () => NodeRecord[];
  queues: () => QueueRecord[];
  lastPass: () => PassInfo | undefined;
  now?: () => number;
}

const MINUTE = 60_000;

function nodeSummary(nodes: NodeRecord[]) {
  const byState: Record<string, number> = {};
  const sum = (f: (n: NodeRecord) => number) => nodes.reduce((a, n) => a + f(n), 0);
  for (const n of nodes) {
    // a node both offline and busy counts under each of its states
    for (const s of n.state.split(',')) byState[s] = (byState[s] ?? 0) + 1;
  }
  return {
    byState,
    cpus: { used: sum((n) => n.assignedNcpus), total: sum((n) => n.ncpus) },
    memBytes: { used: sum((n) => n.assignedMem), total: sum((n) => n.mem) },
    gpus: { used: sum((n) => n.assignedNgpus), total: sum((n) => n.ngpus) },
  };
}

function jobSummary(store: Store) {
  const byState: Record<string, number> = {};
  const byQueue: Record<string, Record<string, number>> = {};
  // as qstat -Q counts them: an array's subjobs, not the array
  for (const { state, queue, n } of store.jobs.counts()) {
    byState[state] = (byState[state] ?? 0) + n;
    byQueue[queue] = { ...byQueue[queue], [state]: n };
  }
  return { byState, byQueue };
}

/** The last hour, a minute at a time, oldest first (the current minute last). */
export function throughput(ended: Map<number, number>, now: number): { at: number; ended: number }[] {
  const last = Math.floor(now / MINUTE) * MINUTE;
  return Array.from({ length: 60 }, (_, i) => {
    const at = last - (59 - i) * MINUTE;
    return { at, ended: ended.get(at) ?? 0 };
  });
}

export function overview(p: OverviewParts) {
  const now = (p.now ?? Date.now)();
  const pass = p.lastPass();
  const ended = p.store.jobs.endedPerMinute(Math.floor(now / MINUTE) * MINUTE - 59 * MINUTE);
  return {
    server: p.server,
    now,
    nodes: nodeSummary(p.nodes()),
    jobs: jobSummary(p.store),
    queues: p.queues().map((q) => ({
      name: q.name,
      queued: (q.counts.Q ?? 0) + (q.counts.H ?? 0) + (q.counts.W ?? 0),
      running: (q.counts.R ?? 0) + (q.counts.E ?? 0),
      enabled: q.enabled,
      started: q.started,
    })),
    scheduler: pass
      ? { lastPassAt: pass.at, durationMs: Math.round(pass.durationMs * 1000) / 1000, placed: pass.placed }
      : { lastPassAt: null },
    throughput: throughput(ended, now),
  };
}
