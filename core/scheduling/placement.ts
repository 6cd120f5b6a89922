// Fitting jobs onto nodes (pure): first fit of each unit chunk over the nodes with the most free
// CPUs first, commits of a placement, and PBS's wording of what is missing.

import type { Chunk, ResourceRequest } from '../job-spec-types.js';
import { formatSize } from '../pbs/size.js';
import type { SchedNode, Slot } from './sched-node.js';

export const isExclusive = (r: ResourceRequest) =>
  r.place.sharing === 'excl' || r.place.sharing === 'exclhost';

export function units(resources: ResourceRequest): Chunk[] {
  return resources.chunks.flatMap((c) => Array.from({ length: c.count }, () => c));
}

export function freeGpus(node: SchedNode): number[] {
  return Array.from({ length: node.ngpus }, (_, i) => i).filter((i) => !node.usedGpus.includes(i));
}

export function labelsMatch(chunk: Chunk, node: SchedNode): boolean {
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
    (!chunk.ngpus || node.ngpus - node.usedGpus.length - extra.gpus >= chunk.ngpus) &&
    labelsMatch(chunk, node)
  );
}

const mostFree = (a: SchedNode, b: SchedNode) =>
  b.ncpus - b.usedNcpus - (a.ncpus - a.usedNcpus) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Per node list, its nodes in `mostFree` order; re-sorted (nearly sorted, so cheap) after a commit. */
const order = new WeakMap<SchedNode[], { sorted: SchedNode[]; dirty: boolean }>();

/** Nodes to try first: the most free CPUs, so that work spreads over the cluster. */
function candidates(nodes: SchedNode[], exclusive: boolean): SchedNode[] {
  let cached = order.get(nodes);
  if (!cached) {
    cached = { sorted: [...nodes].sort(mostFree), dirty: false };
    order.set(nodes, cached);
  } else if (cached.dirty) {
    cached.sorted.sort(mostFree);
    cached.dirty = false;
  }
  return cached.sorted.filter((n) => n.available && !n.exclusive && (!exclusive || n.jobCount === 0));
}

export function place(resources: ResourceRequest, nodes: SchedNode[]): Slot[] | undefined {
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

export function commit(nodes: SchedNode[], slots: Slot[], exclusive: boolean): void {
  const cached = order.get(nodes);
  if (cached) cached.dirty = true;
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

/** Whether these slots (of a plan, or of a suspended job to resume) are free on the nodes now. */
export function stillFits(p: { slots: Slot[]; exclusive: boolean }, nodes: SchedNode[]): boolean {
  const need = new Map<string, { ncpus: number; mem: number; gpus: number[] }>();
  for (const s of p.slots) {
    const n = need.get(s.node) ?? { ncpus: 0, mem: 0, gpus: [] };
    need.set(s.node, { ncpus: n.ncpus + s.ncpus, mem: n.mem + s.mem, gpus: [...n.gpus, ...s.gpus] });
  }
  for (const [name, n] of need) {
    const node = nodes.find((x) => x.name === name);
    if (!node?.available || node.exclusive) return false;
    if (p.exclusive && node.jobCount > 0) return false;
    if (node.ncpus - node.usedNcpus < n.ncpus || node.mem - node.usedMem < n.mem) return false;
    if (n.gpus.some((g) => node.usedGpus.includes(g))) return false;
  }
  return true;
}

/** PBS's wording of what is missing: `Insufficient amount of resource: ncpus (R: 4 A: 2 T: 8)`. */
export function shortfall(resources: ResourceRequest, nodes: SchedNode[]): string {
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
