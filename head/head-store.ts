// The head's database at start: opened (migrations applied), damaged records ended, and the
// settings given on the command line stored as the server's.
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { parseAclEntry } from '../core/policy/server-settings.js';
import { openStore, type Store } from './db/store.js';
import type { HeadOptions } from './head-options.js';
import { endDamagedJobs } from './jobs/damaged-records.js';

/** The store and the server's name, or why the head cannot start (a message for stderr). */
export function openHeadStore(
  home: string,
  root: string,
  opts: HeadOptions,
  log: Logger,
): { store: Store; server: string } | string {
  const entries = opts.aclRoots?.map(parseAclEntry);
  const bad = entries?.find((e) => !e.ok);
  if (bad && !bad.ok) return `--acl-roots: ${bad.error.message}`;
  const store = openStore(join(home, 'head.db'), join(root, 'migrations'));
  // a damaged record ends its job, not the head (head/jobs/damaged-records.ts)
  endDamagedJobs(store, log);
  const server = opts.serverName ?? store.meta.get('server_name') ?? hostname().split('.')[0]!;
  store.meta.set('server_name', server);
  if (opts.torque !== undefined) store.meta.set('compat', opts.torque ? 'torque' : 'pbs');
  if (opts.keepCompleted !== undefined) store.meta.set('keep_completed', String(opts.keepCompleted));
  if (entries)
    store.meta.setSettings({ ...store.meta.settings(), aclRoots: entries.map((e) => (e.ok ? e.value : '')) });
  return { store, server };
}

/** The head host as a compute node of its own (`--local`). */
export function upsertLocalNode(store: Store, home: string, opts: HeadOptions): string {
  const name = hostname().split('.')[0]!;
  store.nodes.upsert({
    name,
    kind: 'local',
    host: name,
    port: 0,
    stateDir: join(home, 'local-node'),
    fixed: {
      ...(opts.localNcpus ? { ncpus: opts.localNcpus } : {}),
      ...(opts.localMem ? { mem: opts.localMem } : {}),
    },
    labels: {},
    lastStateChange: Date.now(),
  });
  return name;
}
