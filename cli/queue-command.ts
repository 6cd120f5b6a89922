// Queue administration through the head's API, shared by `drover queue` and `qmgr`.
import { parseDuration } from '../core/pbs/duration.js';
import type { QueueChanges, QueueRecord, ServerRecord } from '../core/record-types.js';
import { bodyOf } from './api-errors.js';
import { api } from './client.js';
import { report } from './command.js';
import { formatQueues } from './format/qstat-server.js';

export type QueueAction = 'create' | 'set' | 'delete' | 'default';

const PATHS: Record<QueueAction, string> = {
  create: '/v1/queues',
  set: '/v1/queues/set',
  delete: '/v1/queues/delete',
  default: '/v1/server/default-queue',
};

/** Ask the head; 0, or the refusal printed as `cmd: message` and its exit code. */
export async function queueAction(
  cmd: string,
  action: QueueAction,
  name: string,
  changes?: QueueChanges,
): Promise<number> {
  const body = action === 'create' || action === 'set' ? { name, changes: changes ?? {} } : { name };
  const r = await api('POST', PATHS[action], body);
  return r.ok ? 0 : report(cmd, r.error);
}

export async function serverAndQueues(): Promise<{ server: ServerRecord; queues: QueueRecord[] }> {
  return bodyOf(await api<{ server: ServerRecord; queues: QueueRecord[] }>('GET', '/v1/server'));
}

export async function queueList(): Promise<number> {
  process.stdout.write(formatQueues((await serverAndQueues()).queues));
  return 0;
}

/** `drover queue add|set` flags as typed. */
export interface QueueFlags {
  priority?: number;
  maxRun?: string;
  maxRunPerUser?: string;
  maxWalltime?: string;
  defaultWalltime?: string;
  enabled?: boolean;
  disabled?: boolean;
  started?: boolean;
  stopped?: boolean;
  fairshare?: boolean;
}

/** The flags as changes, or what is wrong with one; `none` clears a limit. */
export function changesFromFlags(f: QueueFlags): QueueChanges | string {
  const changes: QueueChanges = {};
  if (f.priority !== undefined) {
    if (!Number.isInteger(f.priority) || Math.abs(f.priority) > 1024)
      return '--priority wants an integer in -1024..1024';
    changes.priority = f.priority;
  }
  const count = (flag: string, v: string) =>
    v === 'none' ? null : /^\d+$/.test(v) ? Number(v) : `${flag} wants a number or none, not ${v}`;
  const duration = (flag: string, v: string) =>
    v === 'none' ? null : (parseDuration(v) ?? `${flag} wants [[HH:]MM:]SS or none, not ${v}`);
  const limits: [keyof QueueChanges, string | undefined, string, typeof count][] = [
    ['maxRun', f.maxRun, '--max-run', count],
    ['maxRunPerUser', f.maxRunPerUser, '--max-run-per-user', count],
    ['maxWalltime', f.maxWalltime, '--max-walltime', duration],
    ['defaultWalltime', f.defaultWalltime, '--default-walltime', duration],
  ];
  for (const [key, value, flag, parse] of limits) {
    if (value === undefined) continue;
    const v = parse(flag, value);
    if (typeof v === 'string') return v;
    (changes as Record<string, number | null>)[key] = v;
  }
  if (f.enabled && f.disabled) return '--enabled and --disabled cannot be used together';
  if (f.started && f.stopped) return '--started and --stopped cannot be used together';
  if (f.enabled || f.disabled) changes.enabled = f.enabled === true;
  if (f.started || f.stopped) changes.started = f.started === true;
  if (f.fairshare !== undefined) changes.fairshare = f.fairshare;
  return changes;
}

export async function queueAddOrSet(
  action: 'create' | 'set',
  name: string,
  flags: QueueFlags,
): Promise<number> {
  const changes = changesFromFlags(flags);
  if (typeof changes === 'string') return report('drover', { code: 'USAGE', message: changes });
  const rc = await queueAction('drover', action, name, changes);
  if (rc === 0) process.stdout.write(`queue ${name} ${action === 'create' ? 'added' : 'changed'}\n`);
  return rc;
}
