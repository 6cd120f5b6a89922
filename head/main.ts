// The only file that wires real resources: database, nodes, scheduler, API sockets, signals.
import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { AgentMessages } from './agent-messages.js';
import { buildApp } from './app.js';
import { Checkpoints } from './checkpoints.js';
import { Cluster } from './cluster.js';
import { GroupCommit } from './db/group-commit.js';
import { openStore } from './db/index.js';
import { Dispatcher } from './dispatcher.js';
import { FarmOps } from './farm-ops.js';
import { Farms } from './farms.js';
import { Fencer } from './fencing.js';
import { addNode, type NodeInput, removeNode } from './node-admin.js';
import { NodeLinks } from './node-links.js';
import { Operations } from './operations.js';
import { submitJob } from './submit.js';

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

export async function runHead(opts: HeadOptions): Promise<number> {
  const log = pino({ name: 'drover-head', level: process.env.DROVER_LOG_LEVEL ?? 'info' });
  const home = resolve(opts.home);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const socket = join(home, 'head.sock');
  if (await headRunning(socket)) {
    process.stderr.write(`drover: a head is already running on ${socket}\n`);
    return 1;
  }
  const root = projectRoot();
  const store = openStore(join(home, 'head.db'), join(root, 'migrations'));
  const server = opts.serverName ?? store.meta.get('server_name') ?? hostname().split('.')[0]!;
  store.meta.set('server_name', server);
  if (opts.torque !== undefined) store.meta.set('compat', opts.torque ? 'torque' : 'pbs');
  if (opts.keepCompleted !== undefined) store.meta.set('keep_completed', String(opts.keepCompleted));

  const cluster = new Cluster(store);
  const group = new GroupCommit(store);
  const checkpoints = new Checkpoints(join(home, 'checkpoints'));
  const dispatcher = new Dispatcher(store, cluster, log, Date.now, group, checkpoints);
  const farms = new Farms({
    store,
    logsDir: join(home, 'farm-logs'),
    submit: (spec) => submitJob({ store, server, nodes: () => cluster.schedNodes() }, spec),
  });
  const messages = new AgentMessages({
    farms,
    store,
    cluster,
    log,
    poke: () => dispatcher.poke(),
    undeliveredDir: join(home, 'undelivered'),
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
  if (opts.local && local) await links.whenUp(local.name, 15_000);

  const ops = new Operations({ store, cluster, dispatcher, server, group, checkpoints });
  const nodeAdmin = {
    add: (input: NodeInput) => addNode(store, links, input),
    remove: (name: string) => removeNode(store, links, name),
  };
  const farmOps = new FarmOps(store, farms, server, () => dispatcher.poke());
  const app = buildApp({ ops, server, nodeAdmin, farms: farmOps });
  rmSync(socket, { force: true });
  await app.listen({ path: socket });
  chmodSync(socket, 0o600);
  // fastify listens once per instance: TCP gets its own app over the same operations
  const tcp = opts.listen ? buildApp({ ops, server, nodeAdmin, farms: farmOps }) : undefined;
  if (tcp && opts.listen) {
    const [host, port] = splitHostPort(opts.listen);
    await tcp.listen({ host, port });
  }
  dispatcher.startTimer(1000);
  fencer.start();
  const cronTimer = setInterval(
    () => ops.fireCrons((id, message) => log.warn({ cron: id, message }, 'recurring job not submitted')),
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
      await app.close();
      await tcp?.close();
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
