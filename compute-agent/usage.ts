// Resource usage of running jobs, sampled from /proc: every process of a job's session counts.
import { readdirSync, readFileSync } from 'node:fs';
import type { ResourceUsage } from '../core/record-types.js';

const TICKS_PER_SECOND = 100;
const PAGE_SIZE = 4096;

export interface ProcSample {
  session: number;
  /** seconds of CPU, including reaped children */
  cpu: number;
  /** bytes */
  rss: number;
  vsize: number;
}

/** Parse one /proc/PID/stat line (the command name may hold spaces and parentheses). */
export function parseStat(line: string): ProcSample | undefined {
  const close = line.lastIndexOf(')');
  if (close < 0) return undefined;
  const f = line.slice(close + 2).split(' ');
  // f[0] is field 3 (state): field N is f[N - 3]
  const num = (n: number) => Number(f[n - 3]);
  return {
    session: num(6),
    cpu: (num(14) + num(15) + num(16) + num(17)) / TICKS_PER_SECOND,
    rss: num(24) * PAGE_SIZE,
    vsize: num(23),
  };
}

/** Sum CPU and memory per session over every process on the host. */
export function sampleSessions(
  sessions: Set<number>,
): Map<number, { cpu: number; rss: number; vsize: number }> {
  const totals = new Map<number, { cpu: number; rss: number; vsize: number }>();
  if (sessions.size === 0) return totals;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let line: string;
    try {
      line = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // the process ended while we looked
    }
    const s = parseStat(line);
    if (!s || !sessions.has(s.session)) continue;
    const t = totals.get(s.session) ?? { cpu: 0, rss: 0, vsize: 0 };
    t.cpu += s.cpu;
    t.rss += s.rss;
    t.vsize += s.vsize;
    totals.set(s.session, t);
  }
  return totals;
}

/** Fold a new sample into a job's usage: CPU time only grows, memory keeps its peak. */
export function foldUsage(
  prev: ResourceUsage,
  sample: { cpu: number; rss: number; vsize: number } | undefined,
  walltime: number,
): ResourceUsage {
  const cput = Math.max(prev.cput, Math.round(sample?.cpu ?? 0));
  return {
    cput,
    mem: Math.max(prev.mem, sample?.rss ?? 0),
    vmem: Math.max(prev.vmem, sample?.vsize ?? 0),
    walltime,
    cpupercent: walltime > 0 ? Math.round((100 * cput) / walltime) : 0,
    ncpus: prev.ncpus,
  };
}
