// The head starts even when a job's record in the database is damaged (edited by hand, a disk
// error, a job an older head accepted beyond today's bounds). Before the scheduler or any query
// reads the jobs, each unfinished one is checked against the API's own schema and bounds, and any
// record whose JSON cannot be read is found; such a job ends at once (`failed`: state F,
// Exit_status -1, the reason in its comment and in tracejob) and is reported in the log, and the
// head goes on with the others. Its array's other subjobs end with it.
import { Ajv } from 'ajv';
import type { Logger } from 'pino';
import type { JobSpec, ResourceRequest } from '../../core/job-spec-types.js';
import type { JobRow } from '../../core/lifecycle/job-events.js';
import { applyEvent, initialRow } from '../../core/lifecycle/lifecycle.js';
import { EXIT } from '../../core/lifecycle/states.js';
import { resourceBounds } from '../../core/policy/limits.js';
import { ownerUser } from '../../core/policy/permissions.js';
import { serviceInstanceSchema } from '../api/service-schemas.js';
import { jobSpecSchema, resourcesSchema } from '../api/spec-schemas.js';
import type { RawRecord } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';

const ajv = new Ajv({ allErrors: false, strict: false });
/** A stored spec is a submitted one plus what only the head sets. */
const storedSpec = ajv.compile({
  ...jobSpecSchema,
  properties: {
    ...jobSpecSchema.properties,
    farmPost: { type: 'integer', minimum: 0 },
    service: serviceInstanceSchema,
  },
});
const storedResources = ajv.compile(resourcesSchema);

const ONE_CPU: ResourceRequest = {
  chunks: [{ count: 1, ncpus: 1, mpiprocs: 1, ompthreads: 1, labels: {} }],
  place: { arrangement: 'free' },
  list: {},
};

/** What is wrong with a record, or nothing. */
function damage(raw: RawRecord, spec: string): string | undefined {
  let row: JobRow;
  let parsed: unknown;
  try {
    row = JSON.parse(raw.row) as JobRow;
    parsed = JSON.parse(spec);
  } catch (e) {
    return `cannot be read (${(e as Error).message})`;
  }
  if (!storedSpec(parsed)) return `spec ${ajv.errorsText(storedSpec.errors)}`;
  if (!storedResources(row.resources)) return `resources ${ajv.errorsText(storedResources.errors)}`;
  const bounds = resourceBounds(row.resources);
  return bounds.ok ? undefined : bounds.error.message;
}

/** A stand-in for a spec that cannot be read, so that qstat can still show the job. */
function placeholderSpec(raw: RawRecord): JobSpec {
  return {
    name: 'damaged',
    resources: ONE_CPU,
    join: 'n',
    keepFiles: 'n',
    hold: false,
    priority: 0,
    variables: [],
    project: '_pbs_project_default',
    rerunable: false,
    checkpoint: 'u',
    mailPoints: 'a',
    submitArgs: '',
    workdir: '/',
    submitHost: raw.owner.slice(raw.owner.indexOf('@') + 1) || 'unknown',
    user: ownerUser(raw.owner),
  };
}

function parsed<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** A row that has at least the shape the reducer and qstat work on (its values may be out of bounds). */
function usableRow(text: string): JobRow | undefined {
  const row = parsed<JobRow>(text);
  const shaped = typeof row === 'object' && row !== null && typeof row.state === 'string';
  return shaped && Array.isArray(row.resources?.chunks) ? row : undefined;
}

function end(store: Store, raw: RawRecord, reason: string, now: number): void {
  const row = usableRow(raw.row);
  const spec = raw.kind !== 'subjob' && parsed(raw.spec) === undefined ? placeholderSpec(raw) : undefined;
  // a finished job keeps its outcome; only what cannot be read is replaced
  if (row?.state === 'F') {
    store.jobs.repair(raw.seq, row, spec);
    return;
  }
  const event = { type: 'failed' as const, status: EXIT.startFailed, reason, at: now };
  const from =
    row ??
    initialRow({ type: 'queued', at: now, hold: false, name: 'damaged', priority: 0, resources: ONE_CPU });
  const { isArray: _, ...plain } = from;
  const ended = applyEvent(plain, event);
  if (!ended.ok) return;
  store.jobs.repair(raw.seq, raw.kind === 'array' ? { ...ended.value, isArray: true } : ended.value, spec);
  store.events.append(raw.seq, event);
  store.allocations.release(raw.seq);
}

/** End every damaged job (and its array's unfinished subjobs); returns their ids, for the log. */
export function endDamagedJobs(store: Store, log: Logger, now = Date.now()): string[] {
  return store.transaction(() => {
    const parents = new Map<number, string>();
    const found = new Map<number, { raw: RawRecord; why: string }>();
    for (const raw of store.jobs.rawUnreadable()) found.set(raw.seq, { raw, why: 'cannot be read' });
    for (const raw of store.jobs.rawUnfinished()) {
      if (raw.kind === 'array') parents.set(raw.seq, raw.spec);
      if (found.has(raw.seq)) continue;
      const why = damage(raw, raw.kind === 'subjob' ? (parents.get(raw.arrayParent!) ?? raw.spec) : raw.spec);
      if (why) found.set(raw.seq, { raw, why });
    }
    for (const { raw } of [...found.values()].filter((f) => f.raw.kind === 'array'))
      for (const sub of store.jobs.rawSubjobs(raw.seq))
        if (!found.has(sub.seq)) found.set(sub.seq, { raw: sub, why: `its array ${raw.id} is damaged` });
    for (const { raw, why } of found.values()) {
      log.error(
        { job: raw.id, why, row: raw.row.slice(0, 4096), spec: raw.spec.slice(0, 4096) },
        'damaged job record ended',
      );
      end(store, raw, `Job record damaged, job ended when the head started: ${why}`, now);
    }
    return [...found.values()].map((f) => f.raw.id);
  });
}
