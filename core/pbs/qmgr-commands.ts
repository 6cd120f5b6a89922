// The qmgr subset Drover understands: create/set/unset/delete queue, set/unset
// server attributes (core/policy/server-settings.ts), list and print. Verbs and objects may be
// abbreviated as in PBS (`c q`, `s q`, `p s`); attributes take PBS's names.

import { ok, type Result, refuse } from '../errors.js';
import {
  type ListChange,
  parseAclEntry,
  parseEntityLimits,
  parseScriptSize,
  type ServerChanges,
} from '../policy/server-settings.js';
import type { QueueChanges } from '../record-types.js';
import { formatPreemptOrder, parsePreemptOrder } from '../scheduling/preempt-order.js';
import { parseDuration } from './duration.js';

export type QmgrCommand =
  | { verb: 'create' | 'set'; object: 'queue'; name: string; changes: QueueChanges }
  | { verb: 'unset'; object: 'queue'; name: string; changes: QueueChanges }
  | { verb: 'delete'; object: 'queue'; name: string }
  | { verb: 'set' | 'unset'; object: 'server'; changes: ServerChanges }
  | { verb: 'list' | 'print'; object: 'server' | 'queue'; name?: string };

const VERBS: Record<string, 'create' | 'set' | 'unset' | 'delete' | 'list' | 'print'> = {
  c: 'create',
  create: 'create',
  s: 'set',
  set: 'set',
  u: 'unset',
  unset: 'unset',
  d: 'delete',
  delete: 'delete',
  l: 'list',
  list: 'list',
  p: 'print',
  print: 'print',
};
const OBJECTS: Record<string, 'queue' | 'server'> = {
  q: 'queue',
  queue: 'queue',
  s: 'server',
  server: 'server',
};

const syntax = (message: string) => refuse<never>('FAILED', `syntax error: ${message}`);

/** One qmgr command line, e.g. `set queue batch max_running = 4, enabled = true`. */
export function parseQmgr(line: string): Result<QmgrCommand> {
  const m = /^\s*(\w+)\s+(\w+)(?:\s+([A-Za-z][\w-]*))?\s*(.*?)\s*$/.exec(line);
  const verb = m ? VERBS[m[1]!.toLowerCase()] : undefined;
  const object = m ? OBJECTS[m[2]!.toLowerCase()] : undefined;
  if (!m || !verb || !object)
    return syntax(`${line.trim()} (try: create queue NAME, set queue NAME attr = value)`);
  const [name, rest] = [m[3], m[4]!];
  if (verb === 'list' || verb === 'print') return ok({ verb, object, ...(name ? { name } : {}) });
  if (object === 'server') return serverCommand(verb, name, rest);
  if (!name) return syntax(`${verb} queue needs a queue name`);
  if (verb === 'delete') return rest ? syntax(`unexpected ${rest}`) : ok({ verb, object, name });
  const changes = verb === 'unset' ? unsetChanges(rest) : setChanges(rest);
  if (!changes.ok) return changes;
  if (verb === 'set' && rest === '') return syntax('set queue needs attr = value');
  return ok({ verb, object, name, changes: changes.value });
}

/** `set server ATTR OP VALUE` (one attribute: list values hold commas) or `unset server ATTR`. */
function serverCommand(verb: string, name: string | undefined, rest: string): Result<QmgrCommand> {
  const text = `${name ?? ''} ${rest}`.trim();
  if (verb === 'unset') {
    const attr = /^\w+$/.exec(text)?.[0];
    const changes = attr === undefined ? undefined : unsetServer(attr);
    if (!changes) return refuse('INVALID_REQUEST', `cannot unset server ${text}`);
    return ok({ verb, object: 'server', changes });
  }
  const m = /^(\w+)\s*([+-]?=)\s*(.*)$/.exec(text);
  if (verb !== 'set' || !m) return syntax(`${verb} server ${text} (try: set server ATTR = VALUE)`);
  const changes = setServer(m[1]!, m[2] as ListChange['op'], m[3]!.replace(/^"(.*)"$/, '$1').trim());
  return changes.ok ? ok({ verb: 'set', object: 'server', changes: changes.value }) : changes;
}

const SERVER_LISTS = { managers: 'managers', operators: 'operators', acl_roots: 'aclRoots' } as const;

function setServer(attr: string, op: ListChange['op'], value: string): Result<ServerChanges> {
  const bad = () =>
    refuse<ServerChanges>('BAD_RESOURCE_VALUE', `Illegal attribute or resource value ${attr}`);
  const plain = (c: ServerChanges) => (op === '=' ? ok(c) : bad());
  if (attr in SERVER_LISTS) {
    const entries: string[] = [];
    for (const item of value.split(',').filter((e) => e.trim() !== '')) {
      const e = parseAclEntry(item);
      if (!e.ok) return e;
      entries.push(e.value);
    }
    if (entries.length === 0) return bad();
    return ok({ [SERVER_LISTS[attr as keyof typeof SERVER_LISTS]]: { op, entries } });
  }
  switch (attr) {
    case 'default_queue':
      return /^[A-Za-z][\w-]*$/.test(value) ? plain({ defaultQueue: value }) : bad();
    case 'query_other_jobs': {
      const b = boolean(value);
      return b === undefined ? bad() : plain({ queryOtherJobs: b });
    }
    case 'scheduling': {
      const b = boolean(value);
      return b === undefined ? bad() : plain({ scheduling: b });
    }
    case 'max_queued': {
      const limits = parseEntityLimits(value);
      return limits.ok ? ok({ maxQueued: { op, limits: limits.value } }) : limits;
    }
    case 'max_script_size': {
      const size = parseScriptSize(value);
      return size.ok ? plain({ maxScriptSize: size.value }) : size;
    }
    case 'preemptive_sched': {
      // sched_config's `preemptive_sched: true ALL`: the ALL (every prime time) is implied
      const b = boolean(value.replace(/\s+ALL$/i, ''));
      return b === undefined ? bad() : plain({ preemptiveSched: b });
    }
    case 'preempt_order': {
      const order = parsePreemptOrder(value);
      return order.ok ? plain({ preemptOrder: formatPreemptOrder(order.value) }) : order;
    }
    case 'preempt_queue_prio':
      return /^-?\d+$/.test(value) && Math.abs(Number(value)) <= 1024
        ? plain({ preemptQueuePrio: Number(value) })
        : bad();
  }
  return refuse(
    'INVALID_REQUEST',
    `Unknown attribute ${attr} (Drover's server has scheduling, default_queue, managers, operators, acl_roots, query_other_jobs, max_queued, max_script_size, preemptive_sched, preempt_order, preempt_queue_prio)`,
  );
}

function unsetServer(attr: string): ServerChanges | undefined {
  if (attr in SERVER_LISTS) return { [SERVER_LISTS[attr as keyof typeof SERVER_LISTS]]: null };
  if (attr === 'query_other_jobs') return { queryOtherJobs: null };
  if (attr === 'scheduling') return { scheduling: null };
  if (attr === 'max_queued') return { maxQueued: null };
  if (attr === 'max_script_size') return { maxScriptSize: null };
  if (attr === 'preemptive_sched') return { preemptiveSched: null };
  if (attr === 'preempt_order') return { preemptOrder: null };
  if (attr === 'preempt_queue_prio') return { preemptQueuePrio: null };
  return undefined;
}

function setChanges(text: string): Result<QueueChanges> {
  const changes: QueueChanges = {};
  for (const item of text.split(',').filter((s) => s.trim() !== '')) {
    const m = /^\s*([\w.]+)\s*=\s*"?([^"]*?)"?\s*$/.exec(item);
    if (!m) return syntax(`${item.trim()} (want attr = value)`);
    const r = setOne(changes, m[1]!, m[2]!);
    if (!r.ok) return r;
  }
  return ok(changes);
}

function setOne(changes: QueueChanges, attr: string, value: string): Result<void> {
  const bad = () => refuse<void>('BAD_RESOURCE_VALUE', `Illegal attribute or resource value ${attr}`);
  switch (attr) {
    case 'queue_type':
      return /^e(xecution)?$/i.test(value)
        ? ok(undefined)
        : refuse('NOT_SUPPORTED', 'only execution queues are supported');
    case 'enabled':
    case 'started':
    case 'fairshare': {
      const b = boolean(value);
      if (b === undefined) return bad();
      changes[attr] = b;
      return ok(undefined);
    }
    case 'priority':
    case 'Priority':
      if (!/^-?\d+$/.test(value) || Math.abs(Number(value)) > 1024) return bad();
      changes.priority = Number(value);
      return ok(undefined);
    case 'max_running':
    case 'max_run':
    case 'max_user_run':
    case 'max_run_per_user': {
      // the limits syntax `[o:PBS_ALL=4]` / `[u:PBS_GENERIC=2]` carries one number too
      const n = /^(?:\[[ou]:PBS_(?:ALL|GENERIC)=)?(\d+)\]?$/.exec(value)?.[1];
      if (n === undefined) return bad();
      if (attr === 'max_running' || attr === 'max_run') changes.maxRun = Number(n);
      else changes.maxRunPerUser = Number(n);
      return ok(undefined);
    }
    case 'resources_max.walltime':
    case 'resources_default.walltime': {
      const seconds = parseDuration(value);
      if (seconds === undefined) return bad();
      if (attr === 'resources_max.walltime') changes.maxWalltime = seconds;
      else changes.defaultWalltime = seconds;
      return ok(undefined);
    }
  }
  return refuse(
    'INVALID_REQUEST',
    `Unknown attribute ${attr} (Drover's queues have queue_type, enabled, started, fairshare, priority, max_running, max_user_run, resources_max.walltime, resources_default.walltime)`,
  );
}

const UNSETTABLE: Record<string, keyof QueueChanges> = {
  max_running: 'maxRun',
  max_run: 'maxRun',
  max_user_run: 'maxRunPerUser',
  max_run_per_user: 'maxRunPerUser',
  'resources_max.walltime': 'maxWalltime',
  'resources_default.walltime': 'defaultWalltime',
};

function unsetChanges(text: string): Result<QueueChanges> {
  const changes: Record<string, null> = {};
  for (const attr of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const key = UNSETTABLE[attr];
    if (!key) return refuse('INVALID_REQUEST', `cannot unset ${attr}`);
    changes[key] = null;
  }
  return ok(changes as QueueChanges);
}

function boolean(value: string): boolean | undefined {
  if (/^(true|t|y|yes|1)$/i.test(value)) return true;
  if (/^(false|f|n|no|0)$/i.test(value)) return false;
  return undefined;
}
