// `qstat -Q`, `-Qf`, `-B`, `-Bf` and their `-F json` forms.

import type { JobState } from '../../core/lifecycle/states.js';
import { formatDuration } from '../../core/pbs/duration.js';
import { settingAttributes } from '../../core/policy/server-settings.js';
import type { QueueRecord, ServerRecord } from '../../core/record-types.js';
import { attributesJson, type JsonObject, jsonDocument, wrapAttribute } from './qstat-full.js';
import { left, right, star } from './units.js';

/** `Transit:0 Queued:1 Held:0 Waiting:0 Running:1 Exiting:0 Begun:0` */
export function stateCount(counts: Record<JobState, number>): string {
  const order: [string, JobState][] = [
    ['Transit', 'T'],
    ['Queued', 'Q'],
    ['Held', 'H'],
    ['Waiting', 'W'],
    ['Running', 'R'],
    ['Exiting', 'E'],
    ['Begun', 'B'],
  ];
  return order.map(([word, state]) => `${word}:${counts[state] ?? 0}`).join(' ');
}

const bool = (value: boolean): string => (value ? 'True' : 'False');
const NO_STRINGS: ReadonlySet<string> = new Set();
const VERSION_STRING: ReadonlySet<string> = new Set(['pbs_version']);

/** Counts as the table columns Que Run Hld Wat Trn Ext, each cut to 5 with `*`. */
function countColumns(counts: Record<JobState, number>): string[] {
  const states: JobState[] = ['Q', 'R', 'H', 'W', 'T', 'E'];
  return states.map((s) => right(star(String(counts[s] ?? 0), 5), 5));
}

// ---- queues --------------------------------------------------------------------------------------

const QUEUE_HEADER =
  'Queue              Max   Tot Ena Str   Que   Run   Hld   Wat   Trn   Ext Type\n' +
  '---------------- ----- ----- --- --- ----- ----- ----- ----- ----- ----- ----\n';

function queueRow(q: QueueRecord): string {
  const cols = [
    left(star(q.name, 16), 16),
    right(star(String(q.maxRun ?? 0), 5), 5),
    right(star(String(q.total), 5), 5),
    right(q.enabled ? 'yes' : 'no', 3),
    right(q.started ? 'yes' : 'no', 3),
    ...countColumns(q.counts),
    left(star(q.type, 4), 4),
  ];
  return `${cols.join(' ')}\n`;
}

/** `qstat -Q`: header and one row per queue; empty string for no queues. */
export function formatQueues(queues: QueueRecord[]): string {
  if (queues.length === 0) return '';
  return QUEUE_HEADER + queues.map(queueRow).join('');
}

export function queueAttributes(q: QueueRecord): [string, string][] {
  return [
    ['queue_type', q.type],
    ['Priority', String(q.priority)],
    ['total_jobs', String(q.total)],
    ['state_count', stateCount(q.counts)],
    ...limitAttributes(q),
    ...(q.fairshare ? ([['fairshare', 'True']] as [string, string][]) : []),
    ['enabled', bool(q.enabled)],
    ['started', bool(q.started)],
  ];
}

/** The limits a queue has, by their PBS attribute names. */
function limitAttributes(q: QueueRecord): [string, string][] {
  const out: [string, string][] = [];
  if (q.maxRun !== undefined) out.push(['max_running', String(q.maxRun)]);
  if (q.maxRunPerUser !== undefined) out.push(['max_user_run', String(q.maxRunPerUser)]);
  if (q.maxWalltime !== undefined) out.push(['resources_max.walltime', formatDuration(q.maxWalltime)]);
  if (q.defaultWalltime !== undefined)
    out.push(['resources_default.walltime', formatDuration(q.defaultWalltime)]);
  return out;
}

function fullBlock(title: string, attrs: [string, string][]): string {
  return `${title}\n${attrs.map(([name, value]) => `${wrapAttribute(name, value)}\n`).join('')}\n`;
}

/** `qstat -Qf`: `Queue: <name>`, the attributes, a blank line. */
export function formatQueuesFull(queues: QueueRecord[]): string {
  return queues.map((q) => fullBlock(`Queue: ${q.name}`, queueAttributes(q))).join('');
}

/** `qstat -Qf -F json`: `"Queue":{"<name>":{...}}`. */
export function formatQueuesJson(
  queues: QueueRecord[],
  server: { name: string; version: string; now: number },
): string {
  const body: JsonObject = new Map(
    queues.map((q) => [q.name, attributesJson(queueAttributes(q), NO_STRINGS)]),
  );
  return jsonDocument(server, 'Queue', body);
}

// ---- server --------------------------------------------------------------------------------------

const SERVER_HEADER =
  'Server             Max   Tot   Que   Run   Hld   Wat   Trn   Ext Status\n' +
  '---------------- ----- ----- ----- ----- ----- ----- ----- ----- -----------\n';

/** `qstat -B`: header and the server's row. */
export function formatServer(server: ServerRecord): string {
  const cols = [
    left(star(server.name, 16), 16),
    right('0', 5),
    right(star(String(server.total), 5), 5),
    ...countColumns(server.counts),
    left(star(server.status, 10), 10),
  ];
  return `${SERVER_HEADER}${cols.join(' ')}\n`;
}

export function serverAttributes(server: ServerRecord): [string, string][] {
  return [
    ['server_state', server.status],
    ['server_host', server.name],
    ['scheduling', bool(server.settings?.scheduling ?? true)],
    ['total_jobs', String(server.total)],
    ['state_count', stateCount(server.counts)],
    ['default_queue', server.defaultQueue],
    ...(server.settings ? settingAttributes(server.settings) : []),
    ['pbs_version', server.version],
  ];
}

/** `qstat -Bf`: `Server: <name>`, the attributes, a blank line. */
export function formatServerFull(server: ServerRecord): string {
  return fullBlock(`Server: ${server.name}`, serverAttributes(server));
}

/** `qstat -Bf -F json`: `"Server":{"<name>":{...}}`. */
export function formatServerJson(server: ServerRecord): string {
  const attrs = attributesJson(serverAttributes(server), VERSION_STRING);
  const body: JsonObject = new Map([[server.name, attrs]]);
  return jsonDocument(server, 'Server', body);
}
