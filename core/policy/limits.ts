// The largest values Drover accepts anywhere: on the command line, in the API
// (head/api/schema-parts.ts) and in the database at start-up. A job beyond them could overflow a
// buffer or a timer, or take the head down when it is placed; refusing them at the edge keeps one
// bad job one job's problem.

import { type Result, refuse } from '../errors.js';
import type { ResourceRequest } from '../job-spec-types.js';
import { formatDuration } from '../pbs/duration.js';

export const LIMITS = {
  /** per chunk */
  ncpus: 65_536,
  mpiprocs: 65_536,
  ompthreads: 65_536,
  ngpus: 1_024,
  /** chunks of one kind (`N:` in `select=N:…`) */
  chunkCount: 10_000,
  /** chunk kinds in one select (`1:ncpus=2+3:ncpus=1` has two) */
  chunkKinds: 1_000,
  /** PBS_NODEFILE lines: Σ count × mpiprocs */
  slots: 1_000_000,
  /** seconds (ten years); longer timers are re-armed (compute-agent/long-timer.ts) */
  walltime: 10 * 365 * 86_400,
  /** minutes between periodic checkpoints (a year) */
  checkpointMinutes: 525_600,
  /** characters of a name, a path, a word */
  name: 230,
  path: 4_096,
  word: 65_536,
  /** environment entries of a job and the length of one value (Linux's MAX_ARG_STRLEN) */
  variables: 10_000,
  variableValue: 131_072,
  /** command words of `qsub -- prog args` and of pbsdsh */
  argv: 10_000,
  /** job ids in one request */
  operands: 100_000,
} as const;

/** Characters no name, path or word may hold: C0 controls and DEL (tabs and newlines too). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
export const CONTROL = /[\u0000-\u001f\u007f]/;

/** What is out of bounds in a resource request, or nothing. */
export function resourceBounds(r: ResourceRequest): Result<void> {
  const bad = (name: string, max: number | string) =>
    refuse<void>(
      'BAD_RESOURCE_VALUE',
      `Illegal attribute or resource value Resource_List.${name} (at most ${max})`,
    );
  if (r.chunks.length > LIMITS.chunkKinds) return bad('select', LIMITS.chunkKinds);
  let slots = 0;
  for (const c of r.chunks) {
    if (c.count > LIMITS.chunkCount) return bad('select', LIMITS.chunkCount);
    if (c.ncpus > LIMITS.ncpus) return bad('ncpus', LIMITS.ncpus);
    if (c.mpiprocs > LIMITS.mpiprocs) return bad('mpiprocs', LIMITS.mpiprocs);
    if (c.ompthreads > LIMITS.ompthreads) return bad('ompthreads', LIMITS.ompthreads);
    if ((c.ngpus ?? 0) > LIMITS.ngpus) return bad('ngpus', LIMITS.ngpus);
    if (c.mem !== undefined && !Number.isSafeInteger(c.mem)) return bad('mem', Number.MAX_SAFE_INTEGER);
    slots += c.count * Math.max(1, c.mpiprocs);
  }
  if (slots > LIMITS.slots) return bad('mpiprocs', LIMITS.slots);
  const longest = formatDuration(LIMITS.walltime);
  if ((r.walltime ?? 0) > LIMITS.walltime) return bad('walltime', longest);
  if ((r.cput ?? 0) > LIMITS.walltime) return bad('cput', longest);
  return { ok: true, value: undefined };
}
