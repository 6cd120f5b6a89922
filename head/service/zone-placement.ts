// --zone-spread at the scheduler: the waiting instances of such a service avoid the nodes of the
// zones that already hold more of its instances than the least-loaded zone (core/service/zone-spread.ts).
import type { SchedNode } from '../../core/scheduling/sched-node.js';
import type { SchedJob } from '../../core/scheduling/scheduler.js';
import { zoneAvoid } from '../../core/service/zone-spread.js';
import type { Store } from '../db/store.js';

/** The nodes that take jobs now (the cluster's view; without one, the nodes not offline). */
export type NodesNow = () => Pick<SchedNode, 'name' | 'labels' | 'available'>[];

export function spreadOverZones(store: Store, jobs: SchedJob[], nodesNow?: NodesNow): SchedJob[] {
  const spread = store.services.all().filter((s) => s.settings.zoneSpread && s.state === 'running');
  if (spread.length === 0) return jobs;
  const nodes = nodesNow?.() ?? store.nodes.all().map((n) => ({ ...n, available: !n.offline }));
  const zones = new Map(nodes.filter((n) => n.available).map((n) => [n.name, n.labels.zone ?? '']));
  const zoneOf = new Map(nodes.map((n) => [n.name, n.labels.zone ?? '']));
  const avoid = new Map<number, Set<string>>();
  for (const s of spread) {
    const running: string[] = [];
    const waiting = new Set<number>();
    for (const i of store.services.instances(s.name)) {
      const row = store.jobs.get(i.job)?.row;
      if ((row?.state === 'R' || row?.state === 'E') && row.node !== undefined)
        running.push(zoneOf.get(row.node) ?? '');
      else if (row?.state === 'Q') waiting.add(i.job);
    }
    const queued = jobs.filter((j) => waiting.has(j.seq));
    const sets = zoneAvoid(zones, running, queued.length);
    queued.forEach((j, k) => {
      avoid.set(j.seq, sets[k]!);
    });
  }
  if (avoid.size === 0) return jobs;
  return jobs.map((j) => {
    const more = avoid.get(j.seq);
    if (!more?.size) return j;
    return { ...j, avoid: new Set([...(j.avoid ?? []), ...more]) };
  });
}
