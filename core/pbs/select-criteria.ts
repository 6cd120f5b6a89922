// qselect's selection list, as PBS sends it to the server: one test per option (`-p.gt.5` is
// Priority .gt. 5, `-l walltime.gt.01:00:00` is Resource_List.walltime .gt. 01:00:00), each
// comparing one job attribute with a value. compileTests checks the values once and gives the
// predicate the head applies to each job record (head/jobs/job-queries.ts).
import { ok, type Result, refuse } from '../errors.js';
import { aclMatches } from '../policy/server-settings.js';
import type { JobRecord } from '../record-types.js';
import { parseDuration } from './duration.js';
import { type ResourceKind, resourceKind } from './resources.js';
import { parseSize } from './size.js';

export const SELECT_OPS = ['eq', 'ne', 'ge', 'gt', 'le', 'lt'] as const;
export type SelectOp = (typeof SELECT_OPS)[number];

/** The times `-t` compares (its letter: a c e g m q s t), and `-a`'s Execution_Time. */
export const SELECT_TIMES = {
  a: 'executionTime',
  c: 'ctime',
  e: 'etime',
  g: 'eligibleTime',
  m: 'mtime',
  q: 'qtime',
  s: 'stime',
  t: 'estimatedStart',
} as const;
type TimeAttr = (typeof SELECT_TIMES)[keyof typeof SELECT_TIMES];

export type SelectAttr =
  | 'user'
  | 'queue'
  | 'state'
  | 'name'
  | 'resource'
  | 'hold'
  | 'account'
  | 'project'
  | 'priority'
  | 'rerunable'
  | 'checkpoint'
  | 'array'
  | TimeAttr;

export const SELECT_ATTRS: readonly SelectAttr[] = [
  'user',
  'queue',
  'state',
  'name',
  'resource',
  'hold',
  'account',
  'project',
  'priority',
  'rerunable',
  'checkpoint',
  'array',
  ...Object.values(SELECT_TIMES),
];

/** One entry of the selection list; `resource` names the Resource_List member for `resource`. */
export interface SelectTest {
  attr: SelectAttr;
  op: SelectOp;
  value: string;
  resource?: string;
}

/** How a job's value compares with the test's: below, equal, above (PBS's at_comp). */
type Compare = (job: JobRecord) => number;

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);
/** Byte order, as strcmp */
const text = (a: string | undefined, b: string) => ((a ?? '') < b ? -1 : (a ?? '') > b ? 1 : 0);

/** Whether `rc` (the job's value against the test's) passes `op`. */
function passes(rc: number, op: SelectOp): boolean {
  if (rc < 0) return op === 'ne' || op === 'lt' || op === 'le';
  if (rc > 0) return op === 'ne' || op === 'gt' || op === 'ge';
  return op === 'eq' || op === 'ge' || op === 'le';
}

const HOLD_BITS: Record<string, number> = { n: 0, u: 1, o: 2, s: 4, p: 8 };
const holdBits = (letters: string) => [...new Set(letters)].reduce((n, l) => n | (HOLD_BITS[l] ?? 0), 0);

/** Checkpoint intervals in PBS's order: n > s > c=minutes > c > u (anything else lowest). */
function checkpointRank(value: string | undefined): number {
  if (!value) return 0;
  if (value[0] === 'n') return 5;
  if (value[0] === 's') return 4;
  if (value[0] === 'c') return value.length > 1 ? 3 : 2;
  return value[0] === 'u' ? 1 : 0;
}

/** A value of `kind` as a number (durations in seconds, sizes in bytes), or undefined. */
function numeric(kind: ResourceKind, value: string): number | undefined {
  if (kind === 'duration') return parseDuration(value);
  if (kind === 'size') return parseSize(value)?.bytes;
  if (kind === 'count') return /^\d+$/.test(value) ? Number(value) : undefined;
  return undefined;
}

const BAD_VALUE = 'Illegal attribute or resource value';

/** A Resource_List member against a value; a job without it counts as below (PBS). */
function resourceCompare(name: string, value: string): Result<Compare> {
  const kind = resourceKind(name);
  if (kind === undefined) return refuse('UNKNOWN_RESOURCE', `Unknown resource Resource_List.${name}`);
  const key = name.toLowerCase();
  if (kind === 'text' || kind === 'chunks') {
    if (value === '') return refuse('BAD_RESOURCE_VALUE', BAD_VALUE);
    return ok((job) => {
      const have = job.spec.resources.list[key];
      return have === undefined ? -1 : text(have, value);
    });
  }
  const wanted = numeric(kind, value);
  if (wanted === undefined) return refuse('BAD_RESOURCE_VALUE', BAD_VALUE);
  return ok((job) => {
    const have = numeric(kind, job.spec.resources.list[key] ?? '');
    return have === undefined ? -1 : sign(have - wanted);
  });
}

const whole = (value: string) => (/^[+-]?\d{1,15}$/.test(value) ? Number(value) : undefined);

/** A time attribute (epoch seconds; eligible_time is not kept: 0) against epoch seconds. */
function timeOf(job: JobRecord, attr: TimeAttr): number {
  if (attr === 'executionTime') return job.spec.executionTime ?? 0;
  if (attr === 'eligibleTime') return 0;
  return job[attr] ?? 0;
}

function compareOf(t: SelectTest): Result<Compare> {
  const v = t.value;
  switch (t.attr) {
    case 'user': {
      // a user list: `user[@host]`, hosts may start with `*.`; the op plays no part (PBS)
      const entries = v.split(',').map((e) => (e.includes('@') ? e : `${e}@*`));
      return ok((job) => {
        const at = job.owner.indexOf('@');
        return aclMatches(entries, job.owner.slice(0, at), job.owner.slice(at + 1)) ? 0 : 1;
      });
    }
    case 'state':
      return ok((job) => (v.includes(job.state) ? 0 : 1));
    case 'queue':
      return ok((job) => text(job.queue, v));
    case 'name':
      return ok((job) => text(job.name, v));
    case 'account':
      return ok((job) => text(job.spec.account, v));
    case 'project':
      return ok((job) => text(job.spec.project, v));
    case 'array':
      return ok((job) => (String(job.id.includes('[]')) === v.toLowerCase() ? 0 : 1));
    case 'rerunable':
      return ok((job) => (job.spec.rerunable === v.startsWith('y') ? 0 : 1));
    case 'checkpoint':
      return ok((job) => sign(checkpointRank(job.spec.checkpoint) - checkpointRank(v)));
    case 'hold': {
      if (!/^(n|[uosp]+)$/.test(v)) return refuse('BAD_RESOURCE_VALUE', BAD_VALUE);
      return ok((job) => sign(holdBits(job.holdTypes) - holdBits(v)));
    }
    case 'priority': {
      const p = whole(v);
      if (p === undefined) return refuse('BAD_RESOURCE_VALUE', BAD_VALUE);
      return ok((job) => sign(job.spec.priority - p));
    }
    case 'resource':
      return resourceCompare(t.resource ?? '', v);
    default: {
      const at = whole(v);
      if (at === undefined) return refuse('BAD_RESOURCE_VALUE', BAD_VALUE);
      const attr = t.attr;
      return ok((job) => sign(timeOf(job, attr) - at));
    }
  }
}

/** The predicate of a whole selection list (every test must pass), or why a test is refused. */
export function compileTests(tests: SelectTest[]): Result<(job: JobRecord) => boolean> {
  const compiled: { compare: Compare; op: SelectOp; attr: SelectAttr }[] = [];
  for (const t of tests) {
    const compare = compareOf(t);
    if (!compare.ok) return compare;
    compiled.push({ compare: compare.value, op: t.op, attr: t.attr });
  }
  return ok((job) =>
    compiled.every(({ compare, op, attr }) => {
      const rc = compare(job);
      // a user list selects its users whatever the op
      return attr === 'user' ? rc === 0 : passes(rc, op);
    }),
  );
}
