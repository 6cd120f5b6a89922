// Job array indices: PBS's `-J X-Y[:Z][%N]` and Torque's
// `-t 1,10,50-100[%N]`, the subjob ranges qstat and qdel take (`123[2-5]`), and the compact form
// qstat prints (`1-10:2`, `5,7-9`).
import { ok, type Result, refuse } from '../errors.js';

/** PBS's max_array_size: an array larger than this is refused. */
export const MAX_ARRAY_SIZE = 10_000;

export interface ArraySpec {
  /** sorted, no repeats */
  indices: number[];
  /** array_indices_submitted as typed, without the `%N` */
  submitted: string;
  /** `%N`: at most N subjobs run at once */
  maxRun?: number;
}

const PBS_RANGE = /^(\d+)-(\d+)(?::(\d+))?$/;
const TORQUE_ITEM = /^(\d+)(?:-(\d+))?$/;

/** Split off a `%N` slot limit. */
function slotLimit(value: string): Result<{ body: string; maxRun?: number }> {
  const [body = '', limit, ...more] = value.split('%');
  if (more.length > 0) return refuse('USAGE', 'illegal array value', true);
  if (limit === undefined) return ok({ body });
  if (!/^\d+$/.test(limit) || Number(limit) < 1) return refuse('USAGE', 'illegal array value', true);
  return ok({ body, maxRun: Number(limit) });
}

function sized(indices: number[], submitted: string, maxRun?: number): Result<ArraySpec> {
  if (indices.length > MAX_ARRAY_SIZE)
    return refuse(
      'EXCEEDS_LIMITS',
      `Array job exceeds server or queue size limit (${indices.length} subjobs, at most ${MAX_ARRAY_SIZE})`,
    );
  return ok({ indices, submitted, ...(maxRun !== undefined ? { maxRun } : {}) });
}

/** `-J X-Y[:Z][%N]`: X ≥ 0, X < Y, Z ≥ 1 (a single index or a list is not a PBS array). */
export function parsePbsArray(value: string): Result<ArraySpec> {
  const bad = refuse<ArraySpec>('USAGE', 'illegal -J value', true);
  const split = slotLimit(value.trim());
  if (!split.ok) return bad;
  const m = PBS_RANGE.exec(split.value.body);
  if (!m) return bad;
  const [from, to, step] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 1)];
  if (from >= to || step < 1) return bad;
  if ((to - from) / step >= MAX_ARRAY_SIZE) return sized(new Array(MAX_ARRAY_SIZE + 1), split.value.body);
  const indices: number[] = [];
  for (let i = from; i <= to; i += step) indices.push(i);
  return sized(indices, split.value.body, split.value.maxRun);
}

/** Torque's `-t`: a comma list of indices and ranges, a single index allowed, `%N` at the end. */
export function parseTorqueArray(value: string): Result<ArraySpec> {
  const bad = refuse<ArraySpec>('USAGE', 'illegal -t value', true);
  const split = slotLimit(value.trim());
  if (!split.ok || split.value.body === '') return bad;
  const seen = new Set<number>();
  for (const item of split.value.body.split(',')) {
    const m = TORQUE_ITEM.exec(item);
    if (!m) return bad;
    const from = Number(m[1]);
    const to = Number(m[2] ?? m[1]);
    if (to < from) return bad;
    if (to - from >= MAX_ARRAY_SIZE) return sized(new Array(MAX_ARRAY_SIZE + 1), split.value.body);
    for (let i = from; i <= to; i++) seen.add(i);
    if (seen.size > MAX_ARRAY_SIZE) break;
  }
  const indices = [...seen].sort((a, b) => a - b);
  return sized(indices, split.value.body, split.value.maxRun);
}

/** What the brackets of a job-id operand select: the whole array, one subjob, or a range. */
export type ArraySelector =
  | { kind: 'parent' }
  | { kind: 'index'; index: number }
  | { kind: 'range'; from: number; to: number; step: number };

/** The text between the brackets: ``, `7`, `2-5`, `2-10:2`. */
export function parseSelector(inner: string): ArraySelector | undefined {
  if (inner === '') return { kind: 'parent' };
  if (/^\d+$/.test(inner)) return { kind: 'index', index: Number(inner) };
  const m = PBS_RANGE.exec(inner);
  if (!m) return undefined;
  const [from, to, step] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 1)];
  return from <= to && step >= 1 ? { kind: 'range', from, to, step } : undefined;
}

export function inRange(sel: Extract<ArraySelector, { kind: 'range' }>, index: number): boolean {
  return index >= sel.from && index <= sel.to && (index - sel.from) % sel.step === 0;
}

/**
 * Indices in PBS's compact form: runs with one step become `a-b:s` (`:1` left out), lone
 * indices stand alone, joined by commas (`1-9:2,12,20-22`).
 */
export function formatIndices(indices: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < indices.length) {
    const start = indices[i]!;
    if (i + 2 < indices.length || (i + 1 < indices.length && indices[i + 1]! - start === 1)) {
      const step = indices[i + 1]! - start;
      let j = i + 1;
      while (j + 1 < indices.length && indices[j + 1]! - indices[j]! === step) j++;
      if (j - i >= 2 || step === 1) {
        const end = indices[j]!;
        parts.push(step === 1 ? `${start}-${end}` : `${start}-${end}:${step}`);
        i = j + 1;
        continue;
      }
    }
    parts.push(String(start));
    i++;
  }
  return parts.join(',');
}
