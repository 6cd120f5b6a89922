// What qmgr prints: `print server` as replayable commands, `list queue`/`list server` as
// attribute blocks.

import { settingAttributes } from '../../core/policy/server-settings.js';
import type { QueueRecord, ServerRecord } from '../../core/record-types.js';
import { queueAttributes, serverAttributes } from './qstat-server.js';

/** The attributes `print` replays: the ones an admin sets, not the counts. */
const PRINTED = new Set([
  'queue_type',
  'Priority',
  'max_running',
  'max_user_run',
  'resources_max.walltime',
  'resources_default.walltime',
  'fairshare',
  'enabled',
  'started',
]);

function printQueue(q: QueueRecord): string[] {
  const sets = queueAttributes(q)
    .filter(([name, value]) => PRINTED.has(name) && !(name === 'Priority' && value === '0'))
    .map(([name, value]) => `set queue ${q.name} ${name} = ${value}`);
  return ['#', `# Create and define queue ${q.name}`, '#', `create queue ${q.name}`, ...sets];
}

/** `print server`: every queue, then the server's default queue, as commands qmgr can replay. */
export function formatPrintServer(server: ServerRecord, queues: QueueRecord[]): string {
  const lines = [
    '#',
    '# Create queues and set their attributes.',
    '#',
    ...queues.flatMap(printQueue),
    '#',
    '# Set server attributes.',
    '#',
    // PBS prints the server's attributes in its own order: scheduling comes first
    `set server scheduling = ${server.settings?.scheduling === false ? 'False' : 'True'}`,
    `set server default_queue = ${server.defaultQueue}`,
    ...(server.settings
      ? settingAttributes(server.settings).map(([n, v]) => `set server ${n} = ${/\s/.test(v) ? `"${v}"` : v}`)
      : []),
  ];
  return `${lines.join('\n')}\n`;
}

export function formatPrintQueue(q: QueueRecord): string {
  return `${printQueue(q).join('\n')}\n`;
}

const block = (title: string, attrs: [string, string][]) =>
  `${title}\n${attrs.map(([n, v]) => `    ${n} = ${v}\n`).join('')}\n`;

export function formatListQueue(q: QueueRecord): string {
  return block(`Queue ${q.name}`, queueAttributes(q));
}

export function formatListServer(server: ServerRecord): string {
  return block(`Server ${server.name}`, serverAttributes(server));
}
