// The `-l` grammar: `name=value[,name=value...]` entries, PBS's merge rules between the command
// line and `#PBS` lines, and the ResourceRequest (chunks, placement, Resource_List) they make.

import { ok, type Result, refuse } from '../errors.js';
import type { Chunk, ResourceRequest } from '../job-spec-types.js';
import { resourceBounds } from '../policy/limits.js';
import {
  CHUNK_RESOURCES,
  type ChunkSet,
  generatedSelect,
  jobWideChunk,
  type Placement,
  parsePlace,
  parseSelect,
} from './chunks.js';
import { formatDuration, parseDuration } from './duration.js';
import { parseNodes } from './nodes-spec.js';
import { mergeResourceEntries, type ResourceEntry } from './resource-entries.js';
import { formatSizeSum, parseSize } from './size.js';

export type ResourceKind = 'duration' | 'size' | 'count' | 'text' | 'chunks';

/** The job-wide resources Drover knows; any other name is refused. */
const KINDS: Record<string, ResourceKind> = {
  walltime: 'duration',
  cput: 'duration',
  pcput: 'duration',
  mem: 'size',
  vmem: 'size',
  pmem: 'size',
  pvmem: 'size',
  file: 'size',
  ncpus: 'count',
  ngpus: 'count',
  mpiprocs: 'count',
  ompthreads: 'count',
  nodes: 'chunks',
  select: 'chunks',
  place: 'chunks',
  software: 'text',
  arch: 'text',
  host: 'text',
  vnode: 'text',
};

/** The kind of a job-wide resource Drover knows (`nodect`, which it reports, is a count). */
export function resourceKind(name: string): ResourceKind | undefined {
  const lower = name.toLowerCase();
  if (lower === 'nodect') return 'count';
  return Object.hasOwn(KINDS, lower) ? KINDS[lower] : undefined;
}

/** The request PBS makes of these entries (later duplicates win), or the refusal qsub prints. */
export function buildResourceRequest(entries: ResourceEntry[]): Result<ResourceRequest> {
  const values = new Map<string, string>();
  for (const { name, value } of mergeResourceEntries(entries, [])) {
    if (KINDS[name.toLowerCase()] === undefined) {
      return refuse('UNKNOWN_RESOURCE', `Unknown resource Resource_List.${name}`);
    }
    values.set(name.toLowerCase(), value);
  }
  const displays = displayValues(values);
  if (!displays.ok) return displays;
  const conflict = checkConflicts(values);
  if (!conflict.ok) return conflict;
  const plan = planChunks(displays.value);
  if (!plan.ok) return plan;
  const request = assembleRequest(displays.value, plan.value);
  const bounded = resourceBounds(request);
  return bounded.ok ? ok(request) : bounded;
}

/** Validates scalar values and puts them in display form (`01:30:00`, `2gb`, `4`). */
function displayValues(values: Map<string, string>): Result<Map<string, string>> {
  const displays = new Map<string, string>();
  for (const [name, value] of values) {
    const display = displayValue(KINDS[name] as ResourceKind, value);
    if (display === undefined) {
      return refuse('BAD_RESOURCE_VALUE', `Illegal attribute or resource value Resource_List.${name}`);
    }
    displays.set(name, display);
  }
  return ok(displays);
}

function displayValue(kind: ResourceKind, value: string): string | undefined {
  if (kind === 'duration') {
    const seconds = parseDuration(value);
    return seconds === undefined ? undefined : formatDuration(seconds);
  }
  if (kind === 'size') return parseSize(value)?.display;
  if (kind === 'count') return /^\d+$/.test(value) ? String(Number(value)) : undefined;
  return value === '' ? undefined : value;
}

/** nodes with select/place, job-wide chunk resources with select/place, lone place. */
function checkConflicts(values: Map<string, string>): Result<void> {
  const selectOrPlace = values.has('select') || values.has('place');
  if (values.has('nodes') && selectOrPlace) {
    return refuse('NODES_WITH_SELECT', 'Cannot be used with select or place: nodes');
  }
  const chunkWide = [...values.keys()].find((name) => CHUNK_RESOURCES.includes(name));
  if (selectOrPlace && chunkWide !== undefined) {
    return refuse(
      'CHUNK_WITH_SELECT',
      `"-lresource=" cannot be used with "select" or "place", resource is: ${chunkWide}`,
    );
  }
  if (values.has('place') && !values.has('select')) {
    return refuse('PLACE_WITHOUT_SELECT', 'Cannot have "place" without "select"');
  }
  return ok(undefined);
}

interface ChunkPlan extends ChunkSet {
  kind: 'select' | 'nodes' | 'job-wide';
  placeText: string;
  place: Placement;
}

function planChunks(displays: Map<string, string>): Result<ChunkPlan> {
  const select = displays.get('select');
  const nodes = displays.get('nodes');
  if (select !== undefined) {
    const placeText = displays.get('place') ?? 'free';
    return withPlace(parseSelect(select), 'select', placeText);
  }
  if (nodes !== undefined) {
    const ncpus = displays.get('ncpus');
    const mem = displays.get('mem');
    const jobWide = {
      ncpus: ncpus === undefined ? undefined : Number(ncpus),
      mem: parseSize(mem ?? '')?.bytes,
    };
    const plan = parseNodes(nodes, jobWide);
    return plan.ok ? withPlace(plan, 'nodes', plan.value.place) : plan;
  }
  return withPlace(jobWideChunk(displays), 'job-wide', 'pack');
}

function withPlace(set: Result<ChunkSet>, kind: ChunkPlan['kind'], placeText: string): Result<ChunkPlan> {
  if (!set.ok) return set;
  const place = parsePlace(placeText);
  if (!place.ok) return place;
  const { chunks, select, memTerms } = set.value;
  return ok({ chunks, select, memTerms, kind, placeText, place: place.value });
}

function assembleRequest(displays: Map<string, string>, plan: ChunkPlan): ResourceRequest {
  const request: ResourceRequest = {
    chunks: plan.chunks,
    place: plan.place,
    list: resourceList(displays, plan),
  };
  const walltime = displays.get('walltime');
  const cput = displays.get('cput');
  if (walltime !== undefined) request.walltime = parseDuration(walltime) as number;
  if (cput !== undefined) request.cput = parseDuration(cput) as number;
  return request;
}

/** Resource_List as `qstat -f` shows it: sums over chunks, nodect, place, select, sorted. */
function resourceList(displays: Map<string, string>, plan: ChunkPlan): Record<string, string> {
  const list = new Map(displays);
  list.set('ncpus', String(total(plan.chunks, (c) => c.ncpus)));
  list.set('nodect', String(total(plan.chunks, () => 1)));
  list.set('place', plan.placeText);
  list.set('select', plan.select);
  if (plan.kind === 'select') {
    if (plan.memTerms.length > 0) list.set('mem', formatSizeSum(plan.memTerms));
    if (plan.chunks.some((c) => c.ngpus !== undefined)) {
      list.set('ngpus', String(total(plan.chunks, (c) => c.ngpus ?? 0)));
    }
  }
  const sorted = [...list.entries()].sort(([a], [b]) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
  return Object.fromEntries(sorted);
}

function total(chunks: Chunk[], per: (chunk: Chunk) => number): number {
  return chunks.reduce((sum, chunk) => sum + chunk.count * per(chunk), 0);
}

type RequestMode = ChunkPlan['kind'];

/**
 * qalter -l: the current request with `entries` laid over it, rebuilt by buildResourceRequest.
 * The current Resource_List is the starting point, minus what PBS derived from it:
 * - nodect always; for a select request the sums ncpus/mem/ngpus; for a job-wide request
 *   (its select is the generated `1:ncpus=...` and place is pack) the generated select and
 *   place; for a nodes request the generated select, place and ncpus.
 * - A new `select` replaces the old nodes and job-wide chunk resources; a new `nodes`
 *   replaces the old select/place and job-wide ncpus (a job-wide mem is kept and split).
 * - A `place` alone on a job-wide request turns it into a select request (the generated
 *   select is kept).
 * - Job-wide chunk resources on a select request are refused as qsub refuses them.
 */
export function alterResources(current: ResourceRequest, entries: ResourceEntry[]): Result<ResourceRequest> {
  const given = new Set(entries.map((entry) => entry.name.toLowerCase()));
  const base = new Map(Object.entries(current.list));
  let mode = requestMode(base);
  if (mode === 'job-wide' && given.has('place') && !given.has('select')) mode = 'select';
  for (const name of derivedNames(mode)) base.delete(name);
  for (const name of replacedNames(given)) base.delete(name);
  const baseEntries = [...base].map(([name, value]) => ({ name, value }));
  return buildResourceRequest([...baseEntries, ...entries]);
}

function requestMode(list: Map<string, string>): RequestMode {
  if (list.has('nodes')) return 'nodes';
  const generated = list.get('select') === generatedSelect(list) && list.get('place') === 'pack';
  return generated ? 'job-wide' : 'select';
}

function derivedNames(mode: RequestMode): string[] {
  if (mode === 'nodes') return ['nodect', 'select', 'place', 'ncpus'];
  if (mode === 'job-wide') return ['nodect', 'select', 'place'];
  return ['nodect', 'ncpus', 'mem', 'ngpus'];
}

function replacedNames(given: Set<string>): string[] {
  if (given.has('select')) return ['nodes', ...CHUNK_RESOURCES];
  if (given.has('nodes')) return ['select', 'place', 'ncpus', 'ngpus', 'mpiprocs', 'ompthreads'];
  return [];
}
