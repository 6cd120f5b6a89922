// The chunk grammars of `-l`: `select=`, `place=`, and the single chunk PBS makes from job-wide
// resources (`-l ncpus=4,mem=2gb` → `select=1:ncpus=4:mem=2gb`). Old-style `nodes=`: nodes-spec.ts.
import { ok, type Result, refuse } from '../errors.js';
import type { Chunk, PlaceArrangement, PlaceSharing, ResourceRequest } from '../job-spec-types.js';
import { parseSize, sizeUnit } from './size.js';

/** Chunks with the select string PBS shows and the terms of their memory sum. */
export interface ChunkSet {
  chunks: Chunk[];
  select: string;
  /** count × mem of each chunk with mem, and the unit it was written in */
  memTerms: { bytes: number; unit: number }[];
}

export type Placement = ResourceRequest['place'];

/** Job-wide resources that describe one chunk; they may not be combined with select or place. */
export const CHUNK_RESOURCES = ['ncpus', 'mem', 'ngpus', 'mpiprocs', 'ompthreads', 'vmem'];

/** Job-wide resources copied into the generated chunk when no select is given, in select order. */
const JOB_WIDE_CHUNK_ORDER = ['ncpus', 'mem', 'ngpus', 'mpiprocs', 'ompthreads', 'host', 'arch', 'vnode'];

/** Chunk resources held in Chunk's own fields; any other chunk resource is a label. */
const CHUNK_FIELDS = ['ncpus', 'mem', 'ngpus', 'mpiprocs', 'ompthreads'];
/** chunk sizes that are validated and shown but not scheduled against (nodes do not report them) */
const UNSCHEDULED_SIZES = ['vmem'];

const ARRANGEMENTS: PlaceArrangement[] = ['free', 'pack', 'scatter', 'vscatter'];
const SHARINGS: PlaceSharing[] = ['excl', 'shared', 'exclhost'];
const RESOURCE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const COUNT = /^\d+$/;

function badValue<T>(name: string): Result<T> {
  return refuse('BAD_RESOURCE_VALUE', `Illegal attribute or resource value Resource_List.${name}`);
}

/** `select=[N:]res=val[:res=val...][+...]` */
export function parseSelect(value: string): Result<ChunkSet> {
  const set: ChunkSet = { chunks: [], select: value, memTerms: [] };
  for (const text of value.split('+')) {
    const fields = text.split(':');
    const count = COUNT.test(fields[0] ?? '') ? Number(fields.shift()) : 1;
    const pairs = fields.map(splitPair);
    if (count < 1 || pairs.length === 0 || pairs.some((pair) => pair === undefined)) {
      return badValue('select');
    }
    const added = addChunk(set, count, pairs as [string, string][], 'select');
    if (!added.ok) return added;
  }
  return ok(set);
}

function splitPair(text: string): [string, string] | undefined {
  const eq = text.indexOf('=');
  const name = text.slice(0, eq);
  const value = text.slice(eq + 1);
  return eq > 0 && RESOURCE_NAME.test(name) && value !== '' ? [name, value] : undefined;
}

/** Adds one chunk (defaults applied) to `set`; errors name `errorName`, or each resource. */
export function addChunk(
  set: ChunkSet,
  count: number,
  pairs: [string, string][],
  errorName?: string,
): Result<void> {
  const chunk: Chunk = { count, ncpus: 1, mpiprocs: -1, ompthreads: -1, labels: {} };
  const seen = new Set<string>();
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    if (seen.has(key)) return badValue(errorName ?? name);
    seen.add(key);
    if (!setChunkField(chunk, key, value)) return badValue(errorName ?? name);
    if (key === 'mem') set.memTerms.push({ bytes: (chunk.mem as number) * count, unit: sizeUnit(value) });
    if (!CHUNK_FIELDS.includes(key) && !UNSCHEDULED_SIZES.includes(key)) chunk.labels[name] = value;
  }
  if (chunk.mpiprocs < 0) chunk.mpiprocs = chunk.ncpus > 0 ? 1 : 0;
  if (chunk.ompthreads < 0) chunk.ompthreads = chunk.ncpus;
  set.chunks.push(chunk);
  return ok(undefined);
}

/** Sets a numeric chunk field; false when the value is invalid. Other names are labels. */
function setChunkField(chunk: Chunk, key: string, value: string): boolean {
  if (key === 'mem') {
    const size = parseSize(value);
    if (size) chunk.mem = size.bytes;
    return size !== undefined;
  }
  if (UNSCHEDULED_SIZES.includes(key)) return parseSize(value) !== undefined;
  if (!CHUNK_FIELDS.includes(key)) return true;
  if (!COUNT.test(value)) return false;
  const n = Number(value);
  if (key === 'ncpus') chunk.ncpus = n;
  else if (key === 'ngpus') chunk.ngpus = n;
  else if (key === 'mpiprocs') chunk.mpiprocs = n;
  else chunk.ompthreads = n;
  return true;
}

/** `place=[free|pack|scatter|vscatter][:excl|shared|exclhost][:group=x]`, any order. */
export function parsePlace(value: string): Result<Placement> {
  let arrangement: PlaceArrangement | undefined;
  let sharing: PlaceSharing | undefined;
  let group: string | undefined;
  for (const token of value.split(':')) {
    if (ARRANGEMENTS.includes(token as PlaceArrangement) && arrangement === undefined) {
      arrangement = token as PlaceArrangement;
    } else if (SHARINGS.includes(token as PlaceSharing) && sharing === undefined) {
      sharing = token as PlaceSharing;
    } else if (/^group=[^=]+$/.test(token) && group === undefined) {
      group = token.slice('group='.length);
    } else {
      return badValue('place');
    }
  }
  const place: Placement = { arrangement: arrangement ?? 'free' };
  if (sharing) place.sharing = sharing;
  if (group) place.group = group;
  return ok(place);
}

/** The one chunk PBS makes from job-wide resources (display values, already validated). */
export function jobWideChunk(values: Map<string, string>): Result<ChunkSet> {
  const pairs = jobWidePairs(values);
  const set: ChunkSet = { chunks: [], select: selectText(1, pairs), memTerms: [] };
  const added = addChunk(set, 1, pairs);
  return added.ok ? ok(set) : added;
}

/** The select string PBS generates for these job-wide values (to recognise it again). */
export function generatedSelect(values: Map<string, string>): string {
  return selectText(1, jobWidePairs(values));
}

function jobWidePairs(values: Map<string, string>): [string, string][] {
  const pairs: [string, string][] = [['ncpus', values.get('ncpus') ?? '1']];
  for (const name of JOB_WIDE_CHUNK_ORDER.slice(1)) {
    const value = values.get(name);
    if (value !== undefined) pairs.push([name, value]);
  }
  return pairs;
}

/** One element of a select string: `2:ncpus=4:mpiprocs=4`. */
export function selectText(count: number, pairs: [string, string][]): string {
  return [String(count), ...pairs.map(([name, value]) => `${name}=${value}`)].join(':');
}
