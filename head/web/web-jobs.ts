// The web view's jobs: a page of the jobs table (filtered, sorted and paginated in SQLite), and one
// job with its history, its checkpoints and what the viewer may do to it. What a viewer sees and
// may do follows the commands' rules (core/policy/permissions.ts).
import { ok, type Result, refuse } from '../../core/errors.js';
import { describeEvent } from '../../core/lifecycle/event-text.js';
import { mayControl, mayHold, mayQuery, type Requester } from '../../core/policy/permissions.js';
import type { JobRecord } from '../../core/record-types.js';
import type { JobPageQuery, WebSort } from '../db/jobs-table-web.js';
import type { Store } from '../db/store.js';
import { arraySummary } from '../jobs/arrays.js';
import type { JobQueries } from '../jobs/job-queries.js';
import { toJobRecord } from '../jobs/job-records.js';

/** The query string of GET /v1/web/jobs, as its schema lets it through. */
export interface JobPageParams {
  user?: string;
  state?: string;
  queue?: string;
  name?: string;
  array?: string;
  sort?: WebSort;
  dir?: 'asc' | 'desc';
  page?: number;
  per?: number;
}

export const MAX_PER_PAGE = 200;

/** One row of the jobs table. */
function row(record: JobRecord, reason: string | undefined) {
  return {
    id: record.id,
    name: record.name,
    owner: record.owner,
    queue: record.queue,
    state: record.state,
    ctime: record.ctime * 1000,
    node: record.execHost ?? null,
    exitStatus: record.exitStatus ?? null,
    reason: record.state === 'Q' ? (reason ?? record.comment ?? null) : null,
    array: record.array !== undefined,
    arrayParent: record.arrayId ?? null,
  };
}

export function jobsPage(store: Store, server: string, who: Requester, p: JobPageParams): Result<unknown> {
  const settings = store.meta.settings();
  let arrayParent: number | undefined;
  if (p.array !== undefined) {
    const id = p.array.includes('.') ? p.array : `${p.array}.${server}`;
    const parent = store.jobs.byId(id);
    // an array the viewer may not see is as unknown as one that does not exist
    if (!parent || parent.kind !== 'array' || !mayQuery(who, parent.owner, settings))
      return refuse('UNKNOWN_JOB', `Unknown Job Id ${id}`);
    arrayParent = parent.seq;
  }
  const per = Math.min(p.per ?? 50, MAX_PER_PAGE);
  const page = p.page ?? 1;
  const q: JobPageQuery = {
    ...(p.user !== undefined ? { user: p.user } : {}),
    // may the viewer see jobs that are not hers (an owner nobody has: '')?
    ...(!mayQuery(who, '', settings) ? { onlyUser: who.user } : {}),
    ...(p.state !== undefined ? { states: [...p.state] } : {}),
    ...(p.queue !== undefined ? { queue: p.queue } : {}),
    ...(p.name !== undefined ? { name: p.name } : {}),
    ...(arrayParent !== undefined ? { arrayParent } : {}),
    sort: p.sort ?? 'id',
    desc: (p.dir ?? 'desc') === 'desc',
    limit: per,
    offset: (page - 1) * per,
  };
  const found = store.jobs.page(q);
  const jobs = found.jobs.map((j) => {
    const summary = j.kind === 'array' ? arraySummary(store, j) : undefined;
    return row(toJobRecord(j, server, true, summary), j.schedComment);
  });
  return ok({ total: found.total, page, per, jobs });
}

/** What the viewer may do to a job now: the buttons the job page shows. */
export function mayDo(who: Requester, job: JobRecord) {
  const holds = job.holdTypes === 'n' ? '' : job.holdTypes;
  return {
    hold: ['Q', 'W', 'H'].includes(job.state) && !holds.includes('u') && mayHold(who, job.owner, 'u'),
    release: job.state === 'H' && holds !== '' && mayHold(who, job.owner, holds),
    delete: !['F', 'X'].includes(job.state) && mayControl(who, job.owner),
    rerun: job.state === 'R' && mayControl(who, job.owner),
  };
}

/** One job for its page: its record, its history as tracejob tells it, its checkpoints. */
export function jobPage(queries: JobQueries, who: Requester, operand: string): Result<unknown> {
  const traced = queries.trace(operand, who);
  if (!traced.ok) return traced;
  const { job, events } = traced.value;
  return ok({
    job,
    trace: events.map((e) => {
      const [source, text] = describeEvent(e, job);
      return { at: e.at, type: e.type, source, text };
    }),
    checkpoints: events.flatMap((e) =>
      e.type === 'checkpointed' ? [{ at: e.at, bytes: e.size, attempt: e.attempt, count: e.count }] : [],
    ),
    may: mayDo(who, job),
  });
}
