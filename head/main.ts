// The only file that wires real resources: database, nodes, scheduler, API sockets, signals.
import { chmodSync, chownSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { hostname, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { parseAclEntry } from '../core/policy/server-settings.js';
import { DEFAULT_MUNGE_SOCKET } from '../core/protocol/munge-wire.js';
import { groupByName } from '../native/native.js';
import { AgentMessages } from './agent-link/agent-messages.js';
import { Checkpoints } from './agent-link/checkpoint-store.js';
import { Delivery } from './agent-link/delivery/workers.js';
import { buildApp, type Identify } from './api/app.js';
import { mungeIdentify } from './auth/munge.js';
import { ownerIdentify, peerIdentify } from './auth/peer.js';
import { GroupCommit } from './db/group-commit.js';
import { openStore } from './db/store.js';
import { FarmOps } from './farm/farm-commands.js';
import { Farms } from './farm/farm-jobs.js';
import { endDamagedJobs } from './jobs/damaged-records.js';
import { Operations } from './jobs/operations.js';
import { submitJob } from './jobs/submit-job.js';
import { Cluster } from './nodes/cluster.js';
import { Fencer } from './nodes/fencer.js';
import { NodeLinks } from './nodes/link-supervisor.js';
import { addNode, type NodeInput, removeNode } from './nodes/node-admin.js';
import { Dispatcher } from './scheduling/dispatcher.js';

export interface HeadOptions {
  home: string;
  local: boolean;
  listen?: string;
  serverName?: string;
  localNcpus?: number;
  localMem?: number;
  /** seconds between SIGTERM and SIGKILL when a job is killed */
  killDelay: number;
  /** seconds between usage reports of running jobs */
  usageInterval: number;
  /** Torque compatibility (kept in the database until changed) */
  torque?: boolean;
  /** seconds finished jobs stay visible as C in Torque mode */
  keepCompleted?: number;
  /** seconds between heartbeats to each agent (default 1) */
  heartbeat?: number;
  /** seconds of silence after which a node is down and its jobs are fenced (default 10) */
  nodeTimeout?: number;
  /** seconds an admin's fence command may take (default 60) */
  fenceTimeout?: number;
  /** how TCP requests prove who sends them (default munge; none: a non-root head's own user) */
  auth?: 'munge' | 'none';
  /** munged's socket on the head host */
  mungeSocket?: string;
  /** the group that may use head.sock (mode 0660); default every local user (0666) */
  socketGroup?: string;
  /** acl_roots to set at start (as `qmgr -c "set server acl_roots = …"` would) */
  aclRoots?: string[];
}

const here = dirname(fileURLToPath(import.meta.url));

/** The repository root, found from this module whether it runs compiled (dist/head) or not. */
export function projectRoot(): string {
  let dir = here;
  while (!existsSync(join(dir, 'migrations')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function headRunning(socket: string): Promise<boolean> {
  return new Promise((res) => {
    const s = connect(socket);
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

/** How the TCP listener identifies requests, or why it may not be opened. */
function tcpIdentify(opts: HeadOptions, peer: Parameters<typeof ownerIdentify>[0]): Identify | string {
  const auth = opts.auth ?? 'munge';
  if (auth === 'munge') return mungeIdentify({ socketPath: opts.mungeSocket ?? DEFAULT_MUNGE_SOCKET });
  if (peer.headUid === 0)
    return 'a head running as root refuses --listen without authentication (use --auth munge)';
  return ownerIdentify(peer);
}

/** head.sock is open to every local user (or one group): who connects is the kernel's answer. */
function openSocketToUsers(socket: string, group: string | undefined): void {
  if (group === undefined) {
    chmodSync(socket, 0o666);
    return;
  }
  const gid = groupByName(group);
  if (gid === undefined) throw new Error(`--socket-group: no group ${group}`);
  chownSync(socket, process.getuid?.() ?? 0, gid);
  chmodSync(socket, 0o660);
}

export async function runHead(opts: HeadOptions): Promise<number> {
  const log = pino({ name: 'drover-head', level: process.env.DROVER_LOG_LEVEL ?? 'info' });
  // what the head writes (database, checkpoints, logs, undelivered output) is its own
  process.umask(0o077);
  const home = resolve(opts.home);
  const me = userInfo();
  const peer = { headUid: me.uid, headUser: me.username, host: hostname() };
  const tcp = opts.listen ? tcpIdentify(opts, peer) : undefined;
  if (typeof tcp === 'string') {
    process.stderr.write(`drover: ${tcp}\n`);
    return 2;
  }
  mkdirSync(home, { recursive: true, mode: 0o700 });
  // a root head's home is passable (not listable) by everyone: head.sock and the local node's job
  // files are reached through it; everything else in it is private
  if (me.uid === 0) chmodSync(home, 0o711);
  const socket = join(home, 'head.sock');
  if (await headRunning(socket)) {
    process.stderr.write(`drover: a head is already running on ${socket}\n`);
    return 1;
  }
  const root = projectRoot();
  const store = openStore(join(home, 'head.db'), join(root, 'migrations'));
  // a damaged record ends its job, not the head (head/damaged.ts)
  endDamagedJobs(store, log);
  const server = opts.serverName ?? store.meta.get('server_name') ?? hostname().split('.')[0]!;
  store.meta.set('server_name', server);
  if (opts.torque !== undefined) store.meta.set('compat', opts.torque ? 'torque' : 'pbs');
  if (opts.keepCompleted !== undefined) store.meta.set('keep_completed', String(opts.keepCompleted));
  if (opts.aclRoots !== undefined) {
    const entries = opts.aclRoots.map(parseAclEntry);
    const bad = entries.find((e) => !e.ok);
    if (bad && !bad.ok) {
      process.stderr.write(`drover: --acl-roots: ${bad.error.message}\n`);
      return 2;
    }
    store.meta.setSettings({ ...store.meta.settings(), aclRoots: entries.map((e) => (e.ok ? e.value : '')) });
  }

  const cluster = new Cluster(store);
  const group = new GroupCommit(store);
  const checkpoints = new Checkpoints(join(home, 'checkpoints'));
  const dispatcher = new Dispatcher(store, cluster, log, Date.now, group, checkpoints);
  const farms = new Farms({
    store,
    logsDir: join(home, 'farm-logs'),
    submit: (spec) => submitJob({ store, server, nodes: () => cluster.schedNodes() }, spec),
  });
  const delivery = new Delivery();
  const messages = new AgentMessages({
    farms,
    store,
    cluster,
    log,
    poke: () => dispatcher.poke(),
    undeliveredDir: join(home, 'undelivered'),
    deliver: (user, umask, files) => delivery.deliver(user, umask, files),
    group,
    checkpoints,
  });
  const nodeTimeoutMs = (opts.nodeTimeout ?? 10) * 1000;
  const fencer = new Fencer(
    store,
    cluster,
    log,
    { timeoutMs: nodeTimeoutMs, commandTimeoutMs: (opts.fenceTimeout ?? 60) * 1000 },
    () => dispatcher.poke(),
  );
  const links = new NodeLinks(cluster, messages, log, home, {
    killDelay: opts.killDelay,
    usageInterval: opts.usageInterval,
    heartbeat: { heartbeatMs: (opts.heartbeat ?? 1) * 1000, timeoutMs: nodeTimeoutMs },
    localCommand: [process.execPath, join(root, 'dist', 'cli', 'drover.js')],
  });
  if (opts.local) {
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
  }
  for (const node of store.nodes.all()) {
    if (node.kind === 'local' && !opts.local) continue;
    links.start(node);
  }
  const local = store.nodes.all().find((n) => n.kind === 'local');
  if (opts.local && local && (await links.whenUp(local.name, 15_000))) {
    // its welcome (the node's capacity) is recorded before the head says it is ready
    await group.run(() => undefined);
  }

  const ops = new Operations({ store, cluster, dispatcher, server, group, checkpoints });
  const nodeAdmin = {
    add: (input: NodeInput) => addNode(store, links, input),
    remove: (name: string) => removeNode(store, links, name),
  };
  const farmOps = new FarmOps(store, farms, server, () => dispatcher.poke());
  const common = { ops, server, nodeAdmin, farms: farmOps, headUid: me.uid };
  const app = buildApp({ ...common, identify: peerIdentify(peer) });
  rmSync(socket, { force: true });
  await app.listen({ path: socket });
  openSocketToUsers(socket, opts.socketGroup);
  // fastify listens once per instance: TCP gets its own app over the same operations
  const tcpApp = tcp && opts.listen ? buildApp({ ...common, identify: tcp }) : undefined;
  if (tcpApp && opts.listen) {
    const [host, port] = splitHostPort(opts.listen);
    await tcpApp.listen({ host, port });
  }
  dispatcher.startTimer(1000);
  fencer.start();
  const cronTimer = setInterval(
    () =>
      ops.submissions.fireCrons((id, message) =>
        log.warn({ cron: id, message }, 'recurring job not submitted'),
      ),
    1000,
  );
  cronTimer.unref();
  dispatcher.poke();
  log.info({ server, home, socket, listen: opts.listen }, 'head ready');

  return new Promise<number>((res) => {
    const stop = async () => {
      log.info('shutting down');
      dispatcher.stop();
      fencer.stop();
      clearInterval(cronTimer);
      links.stopAll();
      delivery.stop();
      await app.close();
      await tcpApp?.close();
      store.db.close();
      rmSync(socket, { force: true });
      res(0);
    };
    process.once('SIGTERM', () => void stop());
    process.once('SIGINT', () => void stop());
  });
}

function splitHostPort(s: string): [string, number] {
  const i = s.lastIndexOf(':');
  const port = Number(s.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`--listen wants HOST:PORT, got ${s}`);
  }
  return [s.slice(0, i), port];
}
