// Advance reservations in the scheduler (pure). A confirmed reservation keeps resources on its
// nodes for its window: a job of another queue may use them only if its walltime ends before the
// window starts (a job without walltime never ends), and a job of the reservation's queue runs
// only inside the window, on what the reservation keeps and its other jobs do not use.
// Confirming a reservation finds room for it over its whole window: what running jobs hold until
// their walltime ends (forever without one) and what other confirmed reservations keep at any
// moment of the window are taken.
import type { ResourceRequest } from '../job-spec-types.js';
import type { Holding } from './backfill.js';
import { place, shortfall } from './placement.js';
import type { SchedNode, Slot } from './sched-node.js';

/** What a reservation keeps (or its jobs use) on one node; GPUs by index. */
export interface ResvNode {
  node: string;
  ncpus: number;
  mem: number;
  gpus: number[];
}

/** A confirmed reservation as the scheduler sees it: its queue, its window (epoch s), its nodes. */
export interface ResvWindow {
  queue: string;
  start: number;
  end: number;
  nodes: ResvNode[];
}

type Amount = Omit<ResvNode, 'node'>;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function add(into: Map<string, ResvNode>, node: string, a: Amount): void {
  const had = into.get(node) ?? { node, ncpus: 0, mem: 0, gpus: [] };
  into.set(node, { node, ncpus: had.ncpus + a.ncpus, mem: had.mem + a.mem, gpus: [...had.gpus, ...a.gpus] });
}

/** What a reservation placed on `slots` keeps per node; with exclusive placement, whole nodes. */
export function keptBy(slots: Slot[], nodes: SchedNode[], exclusive: boolean): ResvNode[] {
  const out = new Map<string, ResvNode>();
  for (const s of slots) add(out, s.node, s);
  if (exclusive) {
    for (const name of out.keys()) {
      const n = nodes.find((x) => x.name === name);
      if (n) out.set(name, { node: name, ncpus: n.ncpus, mem: n.mem, gpus: range(n.ngpus) });
    }
  }
  return [...out.values()];
}

/** Whether a job started at `now` for `walltime` seconds (undefined: for ever) meets the window. */
export function overlaps(
  w: { start: number; end: number },
  now: number,
  walltime: number | undefined,
): boolean {
  return w.end > now && (walltime === undefined || now + walltime > w.start);
}

/** Where a reservation of `request` over `window` fits on `nodes`, or PBS's words for why not. */
export function confirmPlacement(
  request: ResourceRequest,
  window: { start: number; end: number },
  nodes: SchedNode[],
  running: Holding[],
  confirmed: ResvWindow[],
): { slots: Slot[] } | { reason: string } {
  const queues = new Set(confirmed.map((r) => r.queue));
  // a reservation's own jobs run on what it keeps, counted below
  const holdings = running.filter((h) => h.queue === undefined || !queues.has(h.queue));
  const others = confirmed.filter((r) => r.start < window.end && r.end > window.start);
  const points = [window.start, ...others.map((r) => r.start).filter((t) => t > window.start)];
  const narrowed = nodes.map((n) => busiest(n, points, holdings, others));
  const slots = place(request, narrowed);
  return slots ? { slots } : { reason: shortfall(request, narrowed) };
}

/** The node as full as it is at the busiest of `points` (each held GPU counted as held). */
function busiest(n: SchedNode, points: number[], holdings: Holding[], others: ResvWindow[]): SchedNode {
  let ncpus = 0;
  let mem = 0;
  let jobs = 0;
  const gpus = new Set<number>();
  for (const t of points) {
    const at = { ncpus: 0, mem: 0, jobs: 0 };
    const take = (a: Amount) => {
      at.ncpus += a.ncpus;
      at.mem += a.mem;
      for (const g of a.gpus) gpus.add(g);
    };
    for (const h of holdings) {
      if (h.end !== undefined && h.end <= t) continue;
      const mine = h.slots.filter((s) => s.node === n.name);
      mine.forEach(take);
      if (mine.length > 0) at.jobs += 1;
    }
    for (const r of others) {
      if (r.start > t || r.end <= t) continue;
      const mine = r.nodes.filter((k) => k.node === n.name);
      mine.forEach(take);
      if (mine.length > 0) at.jobs += 1;
    }
    ncpus = Math.max(ncpus, at.ncpus);
    mem = Math.max(mem, at.mem);
    jobs = Math.max(jobs, at.jobs);
  }
  // a job that holds the node exclusively keeps all of it while it runs
  const full = n.exclusive && jobs > 0;
  return {
    ...n,
    usedNcpus: full ? n.ncpus : Math.min(n.ncpus, ncpus),
    usedMem: full ? n.mem : Math.min(n.mem, mem),
    usedGpus: full ? range(n.ngpus) : [...gpus],
    jobCount: jobs,
    exclusive: full,
  };
}

/** The confirmed reservations of one scheduling pass, and what their jobs use as it goes. */
export class AdvanceReservations {
  private readonly windows: Map<string, ResvWindow>;
  /** per reservation queue, per node: what its running jobs use */
  private readonly used = new Map<string, Map<string, ResvNode>>();

  constructor(windows: ResvWindow[] = [], running: Holding[] = []) {
    this.windows = new Map(windows.map((w) => [w.queue, w]));
    for (const h of running)
      if (h.queue !== undefined && this.windows.has(h.queue)) this.placed(h.queue, h.slots);
  }

  /** The reservation whose queue this is, if one is confirmed. */
  of(queue: string | undefined): ResvWindow | undefined {
    return queue === undefined ? undefined : this.windows.get(queue);
  }

  /** A job of reservation queue `queue` took these slots. */
  placed(queue: string, slots: readonly ResvNode[]): void {
    const mine = this.used.get(queue) ?? new Map<string, ResvNode>();
    this.used.set(queue, mine);
    for (const s of slots) add(mine, s.node, s);
  }

  private usedOn(queue: string, node: string): ResvNode {
    return this.used.get(queue)?.get(node) ?? { node, ncpus: 0, mem: 0, gpus: [] };
  }

  /**
   * The nodes as a job of no reservation, started now for `walltime`, may use them: what each
   * reservation in its way keeps and its own jobs do not use yet is taken. Undefined when no
   * reservation is in its way.
   */
  around(nodes: SchedNode[], now: number, walltime: number | undefined): SchedNode[] | undefined {
    const kept = new Map<string, ResvNode>();
    for (const w of this.windows.values()) {
      if (!overlaps(w, now, walltime)) continue;
      for (const k of w.nodes) {
        const u = this.usedOn(w.queue, k.node);
        add(kept, k.node, {
          ncpus: Math.max(0, k.ncpus - u.ncpus),
          mem: Math.max(0, k.mem - u.mem),
          gpus: k.gpus,
        });
      }
    }
    if (kept.size === 0) return undefined;
    return nodes.map((n) => {
      const k = kept.get(n.name);
      if (!k) return n;
      return {
        ...n,
        usedNcpus: n.usedNcpus + k.ncpus,
        usedMem: n.usedMem + k.mem,
        usedGpus: [...new Set([...n.usedGpus, ...k.gpus])],
        jobCount: n.jobCount + 1,
      };
    });
  }

  /** Where a job of reservation `w` may start now: inside the window, on what `w` keeps. */
  placeInside(
    resources: ResourceRequest,
    w: ResvWindow,
    nodes: SchedNode[],
    now: number,
  ): { slots: Slot[] } | { reason: string } {
    if (now < w.start || now >= w.end) return { reason: `Not Running: Queue ${w.queue} is not started` };
    const inside = nodes.flatMap((n) => {
      const k = w.nodes.find((x) => x.node === n.name);
      if (!k) return [];
      const u = this.usedOn(w.queue, n.name);
      const ncpus = Math.max(0, Math.min(n.ncpus - n.usedNcpus, k.ncpus - u.ncpus));
      const mem = Math.max(0, Math.min(n.mem - n.usedMem, k.mem - u.mem));
      const free = k.gpus.filter((g) => !n.usedGpus.includes(g));
      const usedGpus = range(n.ngpus).filter((g) => !free.includes(g));
      return [
        { ...n, usedNcpus: n.ncpus - ncpus, usedMem: n.mem - mem, usedGpus, jobCount: u.ncpus > 0 ? 1 : 0 },
      ];
    });
    const slots = place(resources, inside);
    return slots ? { slots } : { reason: `Not Running: ${shortfall(resources, inside)}` };
  }
}
