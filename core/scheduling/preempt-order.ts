// PBS's preempt_order (pure): the methods a preempted job is tried with, in order, optionally by
// how much of its walltime is left: `SCR` (the default), or `SCR 80 SC 50 S` (with more than 80 %
// of its requested walltime left S, C then R; from 80 % to 50 % S then C; below that S only).
// S suspends, C checkpoints then requeues, R requeues. PBS's D (delete) is not offered.
import { ok, type Result, refuse } from '../errors.js';

export type PreemptMethod = 'S' | 'C' | 'R';

/** One range of the order: the methods for a job with `low`..`high` percent of its walltime left. */
export interface PreemptRange {
  high: number;
  low: number;
  methods: PreemptMethod[];
}

export const DEFAULT_PREEMPT_ORDER = 'SCR';

/** The words tracejob and the job's comment use: `Job preempted by checkpointing`. */
export const PREEMPT_WORDS: Record<PreemptMethod, 'suspension' | 'checkpointing' | 'requeuing'> = {
  S: 'suspension',
  C: 'checkpointing',
  R: 'requeuing',
};

const bad = (why: string) =>
  refuse<PreemptRange[]>('BAD_RESOURCE_VALUE', `Illegal attribute or resource value preempt_order (${why})`);

/**
 * `SCR`, `SCR 80 SC 50 S`: methods, then alternately a percentage and methods, as OpenPBS's
 * server checks it (each letter once per range, a range never empty, no number first or last);
 * the percentages must also fall from 99 to 1.
 */
export function parsePreemptOrder(text: string): Result<PreemptRange[]> {
  const words = text.trim().split(/\s+/);
  if (words.length === 0 || words[0] === '') return bad('empty');
  if (words.length % 2 === 0) return bad('it starts and ends with methods: SCR, or SCR 80 SC 50 S');
  const ranges: PreemptRange[] = [];
  let high = 100;
  for (let i = 0; i < words.length; i += 2) {
    const letters = words[i]!;
    if (letters.includes('D')) return bad('D, deletion, is not offered: S, C and R are');
    if (!/^[SCR]{1,3}$/.test(letters) || new Set(letters).size !== letters.length)
      return bad(`${letters}: each of S, C and R at most once`);
    const next = words[i + 1];
    let low = 0;
    if (next !== undefined) {
      if (!/^\d{1,2}$/.test(next)) return bad(`${next} is not a percentage from 1 to 99`);
      const percent = Number(next);
      if (percent < 1 || percent >= high) return bad(`${next}: the percentages fall from 99 to 1`);
      low = percent + 1;
    }
    ranges.push({ high, low, methods: [...letters] as PreemptMethod[] });
    if (next !== undefined) high = Number(next);
  }
  return ok(ranges);
}

/** The canonical text of an order (single spaces). */
export function formatPreemptOrder(ranges: PreemptRange[]): string {
  return ranges.map((r, i) => (i === 0 ? r.methods.join('') : `${r.high} ${r.methods.join('')}`)).join(' ');
}

/**
 * The methods for a job that has run `used` of its `walltime` seconds (none: the first range), as
 * OpenPBS's get_preemption_order chooses them: the percentage left, truncated, at least 1.
 */
export function methodsFor(
  ranges: PreemptRange[],
  walltime: number | undefined,
  used: number,
): PreemptMethod[] {
  const first = ranges[0]?.methods ?? [];
  if (ranges.length < 2 || walltime === undefined || walltime <= 0 || used < 0) return first;
  let left = Math.trunc(100 - (used / walltime) * 100);
  if (left < 0) left = 1;
  return ranges.find((r) => left <= r.high && left >= r.low)?.methods ?? first;
}
