// EASY backfill (pure): the first job in priority order that cannot start now (the top job)
// gets a reservation at the earliest time the running jobs' walltimes free enough for it. A
// later job may start now only if it ends before that time, or if it fits in what the top
// job leaves free at that time. Running jobs without a walltime never end, for this purpose.

/** What a running (or just placed) job holds, and when its walltime runs out (epoch seconds). */
export interface Holding {
  end?: number;
  /** the job's queue (a reservation's queue keeps its jobs inside what it reserved) */
  queue?: string;
  slots: { node: string; ncpus: number; mem: number; gpus: number[] }[];
}

/** Per node: what is free. */
export interface Free {
  ncpus: number;
  mem: number;
  gpus: number;
}

export interface Reservation {
  seq: number;
  /** epoch seconds */
  start: number;
  /** per node: what stays free at `start` once the top job has its slots */
  spare: Map<string, Free>;
}

/** What the top job needs, for a cheap test before each full fit: K chunks of at least C CPUs. */
export interface Need {
  /** the smallest chunk's CPUs (at least 1) */
  unit: number;
  /** how many unit chunks */
  count: number;
  /** scatter: one chunk a node; pack: all chunks on one node; free: any */
  mode: 'free' | 'scatter' | 'pack';
}

/** How many of the job's chunks the free CPUs of one node could take. */
function room(free: number, need: Need): number {
  const n = Math.floor(Math.max(0, free) / need.unit);
  return need.mode === 'scatter' ? Math.min(1, n) : n;
}

/**
 * The earliest time at which `fitsOn(free)` finds room, releasing the holdings in order of
 * their end; undefined when even releasing every holding with an end is not enough. The full
 * fit is tried only when the CPUs freed could hold the job's chunks and have grown since the
 * last try.
 */
export function reserve(
  seq: number,
  now: number,
  free: Map<string, Free>,
  holdings: Holding[],
  need: Need,
  fitsOn: (free: Map<string, Free>) => Map<string, Free> | undefined,
): Reservation | undefined {
  const sim = new Map([...free].map(([n, f]) => [n, { ...f }]));
  const agg = (f: Free) => room(f.ncpus, need);
  let capacity = need.mode === 'pack' ? 0 : [...sim.values()].reduce((s, f) => s + agg(f), 0);
  let tried = -1;
  const ending = holdings.filter((h) => h.end !== undefined).sort((a, b) => a.end! - b.end!);
  for (let i = 0; i < ending.length; i++) {
    const h = ending[i]!;
    for (const slot of h.slots) {
      const f = sim.get(slot.node);
      if (!f) continue;
      const before = agg(f);
      f.ncpus += slot.ncpus;
      f.mem += slot.mem;
      f.gpus += slot.gpus.length;
      capacity = need.mode === 'pack' ? Math.max(capacity, agg(f)) : capacity + agg(f) - before;
    }
    if (ending[i + 1]?.end === h.end) continue; // free everything ending at the same time first
    if (capacity < need.count || capacity <= tried) continue;
    tried = capacity;
    const used = fitsOn(sim);
    if (used) return { seq, start: Math.max(now, h.end!), spare: subtract(sim, used) };
  }
  return undefined;
}

function subtract(free: Map<string, Free>, used: Map<string, Free>): Map<string, Free> {
  const out = new Map<string, Free>();
  for (const [node, f] of free) {
    const u = used.get(node) ?? { ncpus: 0, mem: 0, gpus: 0 };
    out.set(node, { ncpus: f.ncpus - u.ncpus, mem: f.mem - u.mem, gpus: f.gpus - u.gpus });
  }
  return out;
}

/** Whether a job started now with this walltime ends before the reservation starts. */
export function endsBefore(r: Reservation, now: number, walltime: number | undefined): boolean {
  return walltime !== undefined && now + walltime <= r.start;
}

/** Whether a job placed on `used` (per node) may start now without delaying the reservation. */
export function allowedNow(
  r: Reservation,
  now: number,
  walltime: number | undefined,
  used: Map<string, Free>,
): boolean {
  if (endsBefore(r, now, walltime)) return true;
  for (const [node, u] of used) {
    const s = r.spare.get(node);
    if (!s || s.ncpus < u.ncpus || s.mem < u.mem || s.gpus < u.gpus) return false;
  }
  return true;
}

/** A job that runs past the reservation takes its resources out of what is spare then. */
export function takeSpare(
  r: Reservation,
  now: number,
  walltime: number | undefined,
  used: Map<string, Free>,
): void {
  if (endsBefore(r, now, walltime)) return;
  for (const [node, u] of used) {
    const s = r.spare.get(node);
    if (!s) continue;
    s.ncpus -= u.ncpus;
    s.mem -= u.mem;
    s.gpus -= u.gpus;
  }
}

/** Per node totals of a set of slots. */
export function perNode(
  slots: { node: string; ncpus: number; mem: number; gpus: number[] }[],
): Map<string, Free> {
  const out = new Map<string, Free>();
  for (const s of slots) {
    const f = out.get(s.node) ?? { ncpus: 0, mem: 0, gpus: 0 };
    out.set(s.node, { ncpus: f.ncpus + s.ncpus, mem: f.mem + s.mem, gpus: f.gpus + s.gpus.length });
  }
  return out;
}
