// The scheduler is a pure function: schedule(snapshot) → plan (architecture.md §4).
// No database, no clock, no I/O. `apply` in the head re-checks each placement before recording it.
import { QueueLimits, type SchedQueue } from './queue-limits.js';
import { formatSize } from './size.js';
import type { Chunk, ResourceRequest } from './types.js';

export interface SchedNode {
  name: string;
  ncpus: number;
  /** bytes */
  mem: number;
  ngpus: number;
  labels: Record<string, string>;
  usedNcpus: number;
  usedMem: number;
  /** GPU indices in use */
  usedGpus: number[];
  /** jobs with slots on the node */
  jobCount: number;
  /** a job holds the node exclusively */
  exclusive: boolean;
  /** up and not offline */
  available: boolean;
}

export interface SchedJob {
  seq: number;
  id: string;
  priority: number;
  resources: ResourceRequest;
  queue?: string;
  user?: string;
}

export interface Snapshot {
  now: number;
  jobs: SchedJob[];
  nodes: SchedNode[];
  /** the queues with their limits and running counts (none: no queue limits) */
  queues?: SchedQueue[];
}

/** One unit chunk of a job placed on a node. */
export interface Slot {
  node: string;
  ncpus: number;
  mem: number;
  gpus: number[];
  mpiprocs: number;
  ompthreads: number;
}

export interface Placement {
  seq: number;
  id: string;
  slots: Slot[];
  exclusive: boolean;
}

export interface Plan {
  placements: Placement[];
  /** why each job that was not placed waits */
  waiting: { seq: number; reason: string }[];
}

/** Jobs in the order they are considered: priority, then submission order. */
export function byPriority(a: SchedJob, b: SchedJob): number {
  return b.priority - a.priority || a.seq - b.seq;
}

export function schedule(snapshot: Snapshot): Plan {
  const nodes = snapshot.nodes.map((n) => ({ ...n, usedGpus: [...n.usedGpus] }));
  const plan: Plan = { placements: [], waiting: [] };
  const limits = new QueueLimits(snapshot.queues ?? []);
  const order = (a: SchedJob, b: SchedJob) =>
    limits.priority(b.queue) - limits.priority(a.queue) || byPriority(a, b);
  for (const job of [...snapshot.jobs].sort(order)) {
    const blocked = limits.blocked(job.queue, job.user);
    if (blocked) {
      plan.waiting.push({ seq: job.seq, reason: `Not Running: ${blocked}` });
      continue;
    }
    const slots = place(job.resources, nodes);
    if (!slots) {
      plan.waiting.push({ seq: job.seq, reason: `Not Running: ${shortfall(job.resources, nodes)}` });
      continue;
    }
    const exclusive = isExclusive(job.resources);
    commit(nodes, slots, exclusive);
    limits.started(job.queue, job.user);
    plan.placements.push({ seq: job.seq, id: job.id, slots, exclusive });
  }
  return plan;
}

/** Whether the job could run on these nodes if they were empty; a reason when it never can. */
export function neverRunReason(resources: ResourceRequest, nodes: SchedNode[]): string | undefined {
  const empty = nodes.map((n) => ({
    ...n,
    usedNcpus: 0,
    usedMem: 0,
    usedGpus: [],
    jobCount: 0,
    exclusive: false,
    available: true,
  }));
  if (place(resources, empty)) return undefined;
  return shortfall(resources, empty);
}

const isExclusive = (r: ResourceRequest) => r.place.sharing === 'excl' || r.place.sharing === 'exclhost';

function units(resources: ResourceRequest): Chunk[] {
  return resources.chunks.flatMap((c) => Array.from({ length: c.count }, () => c));
}

function freeGpus(node: SchedNode): number[] {
  return Array.from({ length: node.ngpus }, (_, i) => i).filter((i) => !node.usedGpus.includes(i));
}

function labelsMatch(chunk: Chunk, node: SchedNode): boolean {
  return Object.entries(chunk.labels).every(([key, want]) => {
    if (key === 'host' || key === 'vnode') return want === node.name;
    const have = node.labels[key];
    if (have === undefined) return false;
    return have.toLowerCase() === want.toLowerCase();
  });
}

function fits(chunk: Chunk, node: SchedNode, extra: { ncpus: number; mem: number; gpus: number }): boolean {
  return (
    node.ncpus - node.usedNcpus - extra.ncpus >= chunk.ncpus &&
    node.mem - node.usedMem - extra.mem >= (chunk.mem ?? 0) &&
    freeGpus(node).length - extra.gpus >= (chunk.ngpus ?? 0) &&
    labelsMatch(chunk, node)
  );
}

/** Nodes to try first: the most free CPUs, so that work spreads over the cluster. */
function candidates(nodes: SchedNode[], exclusive: boolean): SchedNode[] {
  return nodes
    .filter((n) => n.available && !n.exclusive && (!exclusive || n.jobCount === 0))
    .sort((a, b) => b.ncpus - b.usedNcpus - (a.ncpus - a.usedNcpus) || a.name.localeCompare(b.name));
}

function place(resources: ResourceRequest, nodes: SchedNode[]): Slot[] | undefined {
  const chunks = units(resources);
  const pool = candidates(nodes, isExclusive(resources));
  const arrangement = resources.place.arrangement;
  if (arrangement === 'pack') {
    for (const node of pool) {
      const slots = placeAll(chunks, [node], false);
      if (slots) return slots;
    }
    return undefined;
  }
  return placeAll(chunks, pool, arrangement === 'scatter' || arrangement === 'vscatter');
}

/** First fit of each unit chunk; with `distinct`, no two chunks share a node. */
function placeAll(chunks: Chunk[], pool: SchedNode[], distinct: boolean): Slot[] | undefined {
  const taken = new Map<string, { ncpus: number; mem: number; gpus: number }>();
  const slots: Slot[] = [];
  for (const chunk of chunks) {
    const node = pool.find((n) => {
      const extra = taken.get(n.name);
      if (distinct && extra) return false;
      return fits(chunk, n, extra ?? { ncpus: 0, mem: 0, gpus: 0 });
    });
    if (!node) return undefined;
    const extra = taken.get(node.name) ?? { ncpus: 0, mem: 0, gpus: 0 };
    const gpus = freeGpus(node).slice(extra.gpus, extra.gpus + (chunk.ngpus ?? 0));
    taken.set(node.name, {
      ncpus: extra.ncpus + chunk.ncpus,
      mem: extra.mem + (chunk.mem ?? 0),
      gpus: extra.gpus + gpus.length,
    });
    slots.push({
      node: node.name,
      ncpus: chunk.ncpus,
      mem: chunk.mem ?? 0,
      gpus,
      mpiprocs: chunk.mpiprocs,
      ompthreads: chunk.ompthreads,
    });
  }
  return slots;
}

function commit(nodes: SchedNode[], slots: Slot[], exclusive: boolean): void {
  for (const slot of slots) {
    const node = nodes.find((n) => n.name === slot.node)!;
    node.usedNcpus += slot.ncpus;
    node.usedMem += slot.mem;
    node.usedGpus.push(...slot.gpus);
  }
  for (const name of new Set(slots.map((s) => s.node))) {
    const node = nodes.find((n) => n.name === name)!;
    node.jobCount += 1;
    if (exclusive) node.exclusive = true;
  }
}

/** PBS's wording of what is missing: `Insufficient amount of resource: ncpus (R: 4 A: 2 T: 8)`. */
function shortfall(resources: ResourceRequest, nodes: SchedNode[]): string {
  const usable = nodes.filter((n) => n.available);
  if (usable.length === 0) return 'No available nodes';
  const chunks = units(resources);
  const totals = [
    {
      name: 'ncpus',
      want: chunks.reduce((s, c) => s + c.ncpus, 0),
      have: usable.reduce((s, n) => s + n.ncpus - n.usedNcpus, 0),
      total: usable.reduce((s, n) => s + n.ncpus, 0),
    },
    {
      name: 'mem',
      want: chunks.reduce((s, c) => s + (c.mem ?? 0), 0),
      have: usable.reduce((s, n) => s + n.mem - n.usedMem, 0),
      total: usable.reduce((s, n) => s + n.mem, 0),
    },
    {
      name: 'ngpus',
      want: chunks.reduce((s, c) => s + (c.ngpus ?? 0), 0),
      have: usable.reduce((s, n) => s + freeGpus(n).length, 0),
      total: usable.reduce((s, n) => s + n.ngpus, 0),
    },
  ];
  const short = totals.find((t) => t.want > t.have) ?? perNodeShortfall(chunks, usable);
  if (!short) return 'Insufficient amount of resource on any single node';
  if (typeof short === 'string') return short;
  const show = (n: number) => (short.name === 'mem' ? formatSize(n) : String(n));
  return `Insufficient amount of resource: ${short.name} (R: ${show(short.want)} A: ${show(short.have)} T: ${show(short.total)})`;
}

function perNodeShortfall(chunks: Chunk[], nodes: SchedNode[]) {
  const label = chunks
    .flatMap((c) => Object.entries(c.labels))
    .find(([k, v]) => !nodes.some((n) => labelsMatch({ labels: { [k]: v } } as Chunk, n)));
  if (label) return `No node has resource ${label[0]}=${label[1]}`;
  const biggest = chunks.reduce((m, c) => (c.ncpus > m.ncpus ? c : m), chunks[0]!);
  const maxNode = Math.max(...nodes.map((n) => n.ncpus - n.usedNcpus));
  if (biggest.ncpus > maxNode) {
    return {
      name: 'ncpus',
      want: biggest.ncpus,
      have: maxNode,
      total: Math.max(...nodes.map((n) => n.ncpus)),
    };
  }
  return undefined;
}
