// The server attributes an admin sets with qmgr besides the default queue: whether the scheduler
// starts jobs (scheduling), who administers the server (managers, operators), who may see other
// users' jobs (query_other_jobs), whose jobs may run as root (acl_roots), how much one user may
// submit (max_queued, max_script_size), and preemption (preemptive_sched, preempt_order,
// preempt_queue_prio: core/scheduling/preemption.ts).
// Pure: defaults, qmgr's value syntax, and how a change is laid over the current settings.
import { ok, type Result, refuse } from '../errors.js';
import { formatSize, parseSize } from '../pbs/size.js';
import { DEFAULT_PREEMPT_ORDER } from '../scheduling/preempt-order.js';

/** PBS's entity limits `[o:PBS_ALL=N]`, `[u:PBS_GENERIC=N]`, `[u:alice=N]`. */
export interface EntityLimits {
  /** every job of the server */
  all?: number;
  /** each user without a limit of their own */
  generic?: number;
  /** named users */
  users: Record<string, number>;
}

export interface ServerSettings {
  /** false: the scheduler starts no job (running ones go on), as PBS's `scheduling = False` */
  scheduling: boolean;
  /** ACL entries `user@host` (`*` and `*.domain` hosts) */
  managers: string[];
  operators: string[];
  /** owners allowed to run jobs as root */
  aclRoots: string[];
  /** false: users see only their own jobs */
  queryOtherJobs: boolean;
  /** unfinished jobs (each subjob counts) */
  maxQueued: EntityLimits;
  /** bytes of a job script */
  maxScriptSize: number;
  /** express queues' jobs may preempt others (PBS's sched_config `preemptive_sched`) */
  preemptiveSched: boolean;
  /** how preempted jobs are stopped, e.g. `SCR` (core/scheduling/preempt-order.ts) */
  preemptOrder: string;
  /** queues with at least this priority are express queues */
  preemptQueuePrio: number;
}

/** PBS's preempt_queue_prio default. */
export const DEFAULT_PREEMPT_QUEUE_PRIO = 150;

export const DEFAULT_MAX_SCRIPT_SIZE = 4 * 2 ** 20;
/** The largest max_script_size: a script must fit in one API request (head/api/app.ts). */
export const MAX_SCRIPT_SIZE_CEILING = 8 * 2 ** 20;

export function defaultSettings(): ServerSettings {
  return {
    scheduling: true,
    managers: [],
    operators: [],
    aclRoots: [],
    queryOtherJobs: true,
    maxQueued: { users: {} },
    maxScriptSize: DEFAULT_MAX_SCRIPT_SIZE,
    preemptiveSched: true,
    preemptOrder: DEFAULT_PREEMPT_ORDER,
    preemptQueuePrio: DEFAULT_PREEMPT_QUEUE_PRIO,
  };
}

/** `=` replaces the list, `+=` adds to it, `-=` removes from it. */
export type ListChange = { op: '=' | '+=' | '-='; entries: string[] };
export type LimitsChange = { op: '=' | '+=' | '-='; limits: EntityLimits };

/** A `set server`/`unset server` command; null unsets (back to the default). */
export interface ServerChanges {
  defaultQueue?: string;
  scheduling?: boolean | null;
  managers?: ListChange | null;
  operators?: ListChange | null;
  aclRoots?: ListChange | null;
  queryOtherJobs?: boolean | null;
  maxQueued?: LimitsChange | null;
  maxScriptSize?: number | null;
  preemptiveSched?: boolean | null;
  /** canonical (formatPreemptOrder) */
  preemptOrder?: string | null;
  preemptQueuePrio?: number | null;
}

const USER = '(?:\\*|[A-Za-z0-9._][A-Za-z0-9._-]*)';
const HOST = '(?:\\*|(?:\\*\\.)?[A-Za-z0-9][A-Za-z0-9.-]*)';
const ACL_ENTRY = new RegExp(`^${USER}(?:@${HOST})?$`);

/** One ACL entry, `user@host`; a bare `user` means `user@*`. */
export function parseAclEntry(text: string): Result<string> {
  const e = text.trim();
  if (!ACL_ENTRY.test(e)) return refuse('BAD_RESOURCE_VALUE', `Illegal attribute or resource value ${e}`);
  return ok(e.includes('@') ? e : `${e}@*`);
}

function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (p === '*' || p === h) return true;
  return p.startsWith('*.') && h.endsWith(p.slice(1));
}

/** Whether `user@host` is in the ACL. */
export function aclMatches(entries: string[], user: string, host: string): boolean {
  return entries.some((e) => {
    const at = e.indexOf('@');
    const u = at < 0 ? e : e.slice(0, at);
    const h = at < 0 ? '*' : e.slice(at + 1);
    return (u === '*' || u === user) && hostMatches(h, host);
  });
}

/** `[o:PBS_ALL=100],[u:PBS_GENERIC=10],[u:alice=5]` (a bare number is `o:PBS_ALL`). */
export function parseEntityLimits(text: string): Result<EntityLimits> {
  const limits: EntityLimits = { users: {} };
  const bad = refuse<EntityLimits>('BAD_RESOURCE_VALUE', `Illegal attribute or resource value ${text}`);
  const items = text
    .replace(/"/g, '')
    .split(/\s*,\s*|\s+/)
    .filter(Boolean);
  if (items.length === 0) return bad;
  for (const item of items) {
    if (/^\d+$/.test(item)) {
      limits.all = Number(item);
      continue;
    }
    const m = /^\[([ou]):([A-Za-z0-9._][A-Za-z0-9._-]*)=(\d+)\]$/.exec(item);
    if (!m || Number(m[3]) > 1e9) return bad;
    const [, kind, who, n] = m;
    if (kind === 'o' && who === 'PBS_ALL') limits.all = Number(n);
    else if (kind === 'u' && who === 'PBS_GENERIC') limits.generic = Number(n);
    else if (kind === 'u' && who !== 'PBS_ALL') limits.users[who!] = Number(n);
    else return bad;
  }
  return ok(limits);
}

export function formatEntityLimits(l: EntityLimits): string {
  const parts: string[] = [];
  if (l.all !== undefined) parts.push(`[o:PBS_ALL=${l.all}]`);
  if (l.generic !== undefined) parts.push(`[u:PBS_GENERIC=${l.generic}]`);
  for (const [user, n] of Object.entries(l.users).sort()) parts.push(`[u:${user}=${n}]`);
  return parts.join(',');
}

function changeList(current: string[], c: ListChange | null): string[] {
  if (c === null) return [];
  if (c.op === '=') return [...new Set(c.entries)];
  if (c.op === '+=') return [...new Set([...current, ...c.entries])];
  return current.filter((e) => !c.entries.includes(e));
}

function changeLimits(current: EntityLimits, c: LimitsChange | null): EntityLimits {
  if (c === null || (c.op === '=' && Object.keys(c.limits).length === 0)) return { users: {} };
  if (c.op === '=') return { ...c.limits, users: { ...c.limits.users } };
  const next: EntityLimits = { ...current, users: { ...current.users } };
  const adding = c.op === '+=';
  if (c.limits.all !== undefined) next.all = adding ? c.limits.all : undefined;
  if (c.limits.generic !== undefined) next.generic = adding ? c.limits.generic : undefined;
  for (const [user, n] of Object.entries(c.limits.users)) {
    if (adding) next.users[user] = n;
    else delete next.users[user];
  }
  if (next.all === undefined) delete next.all;
  if (next.generic === undefined) delete next.generic;
  return next;
}

/** The settings after a `set server`/`unset server` command. */
export function applyServerChanges(s: ServerSettings, c: ServerChanges): ServerSettings {
  const d = defaultSettings();
  const next = { ...s };
  if (c.scheduling !== undefined) next.scheduling = c.scheduling ?? d.scheduling;
  if (c.managers !== undefined) next.managers = changeList(s.managers, c.managers);
  if (c.operators !== undefined) next.operators = changeList(s.operators, c.operators);
  if (c.aclRoots !== undefined) next.aclRoots = changeList(s.aclRoots, c.aclRoots);
  if (c.queryOtherJobs !== undefined) next.queryOtherJobs = c.queryOtherJobs ?? d.queryOtherJobs;
  if (c.maxQueued !== undefined) next.maxQueued = changeLimits(s.maxQueued, c.maxQueued);
  if (c.maxScriptSize !== undefined) next.maxScriptSize = c.maxScriptSize ?? d.maxScriptSize;
  if (c.preemptiveSched !== undefined) next.preemptiveSched = c.preemptiveSched ?? d.preemptiveSched;
  if (c.preemptOrder !== undefined) next.preemptOrder = c.preemptOrder ?? d.preemptOrder;
  if (c.preemptQueuePrio !== undefined) next.preemptQueuePrio = c.preemptQueuePrio ?? d.preemptQueuePrio;
  return next;
}

/** A max_script_size value: a size (`4mb`) from 1 KiB up to the ceiling. */
export function parseScriptSize(text: string): Result<number> {
  const bytes = parseSize(text.trim())?.bytes;
  if (bytes === undefined || bytes < 1024 || bytes > MAX_SCRIPT_SIZE_CEILING)
    return refuse(
      'BAD_RESOURCE_VALUE',
      `Illegal attribute or resource value max_script_size (a size from 1kb to ${formatSize(MAX_SCRIPT_SIZE_CEILING)})`,
    );
  return ok(bytes);
}

/** The settings as `list server` shows them (non-default ones, PBS names). */
export function settingAttributes(s: ServerSettings): [string, string][] {
  const attrs: [string, string][] = [];
  if (s.managers.length > 0) attrs.push(['managers', s.managers.join(',')]);
  if (s.operators.length > 0) attrs.push(['operators', s.operators.join(',')]);
  attrs.push(['query_other_jobs', s.queryOtherJobs ? 'True' : 'False']);
  if (s.aclRoots.length > 0) attrs.push(['acl_roots', s.aclRoots.join(',')]);
  const queued = formatEntityLimits(s.maxQueued);
  if (queued !== '') attrs.push(['max_queued', queued]);
  attrs.push(['max_script_size', formatSize(s.maxScriptSize)]);
  if (!s.preemptiveSched) attrs.push(['preemptive_sched', 'False']);
  if (s.preemptOrder !== DEFAULT_PREEMPT_ORDER) attrs.push(['preempt_order', s.preemptOrder]);
  if (s.preemptQueuePrio !== DEFAULT_PREEMPT_QUEUE_PRIO)
    attrs.push(['preempt_queue_prio', String(s.preemptQueuePrio)]);
  return attrs;
}

/**
 * max_queued at submission: `adding` more unfinished jobs (an array's subjobs each count) on top
 * of `serverTotal` of everybody and `userTotal` of `user`. The refusal carries PBS's message.
 */
export function maxQueuedRefusal(
  limits: EntityLimits,
  user: string,
  adding: number,
  serverTotal: number,
  userTotal: number,
): Result<void> {
  const over = (limit: number | undefined, have: number) => limit !== undefined && have + adding > limit;
  if (over(limits.all, serverTotal))
    return refuse('ENTITY_LIMIT', 'Maximum number of jobs already in complex');
  const own = limits.users[user];
  if (own !== undefined) {
    if (over(own, userTotal))
      return refuse('ENTITY_LIMIT', `Maximum number of jobs for user ${user} already in complex`);
  } else if (over(limits.generic, userTotal)) {
    return refuse('ENTITY_LIMIT', "would exceed complex's per-user limit");
  }
  return ok(undefined);
}
