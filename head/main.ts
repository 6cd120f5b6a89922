// The only file that wires real resources: database, nodes, scheduler, API sockets, signals.
import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { AgentMessages } from './agent-messages.js';
import { buildApp } from './app.js';
import { Cluster } from './cluster.js';
import { openStore } from './db/index.js';
import { Dispatcher } from './dispatcher.js';
import { LocalAgentTransport } from './local-agent.js';
import { NodeLink } from './node-link.js';
import { Operations } from './operations.js';

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

  const cluster = new Cluster(store);
  const dispatcher = new Dispatcher(store, cluster, log);
  const capacity = new Map<string, { ncpus?: number; mem?: number }>();
  const messages = new AgentMessages({
    store,
    cluster,
    log,
    poke: () => dispatcher.poke(),
    undeliveredDir: join(home, 'undelivered'),
    capacity: (node) => capacity.get(node) ?? {},
  });

  let localUp: (() => void) | undefined;
  const firstUp = new Promise<void>((res) => {
    localUp = res;
  });
  if (opts.local) {
    const name = hostname().split('.')[0]!;
    const stateDir = join(home, 'local-node');
    store.nodes.upsert({
      name,
      kind: 'local',
      host: name,
      stateDir,
      ncpus: 0,
      mem: 0,
      ngpus: 0,
      labels: {},
      lastStateChange: Date.now(),
    });
    capacity.set(name, {
      ...(opts.localNcpus ? { ncpus: opts.localNcpus } : {}),
      ...(opts.localMem ? { mem: opts.localMem } : {}),
    });
    const command = [
      process.execPath,
      join(root, 'dist', 'cli', 'drover.js'),
      'agent',
      '--state-dir',
      stateDir,
      '--kill-delay',
      String(opts.killDelay),
      '--usage-interval',
      String(opts.usageInterval),
    ];
    const link = new NodeLink(name, new LocalAgentTransport({ stateDir, command }), {
      messages: (batch) => messages.handleAll(name, batch),
      up: () => {
        cluster.markUp(name);
        log.info({ node: name }, 'node up');
        localUp?.();
      },
      down: (reason) => {
        cluster.markDown(name, reason);
        log.warn({ node: name, reason }, 'node down');
      },
    });
    cluster.attach(link);
    link.start();
    await Promise.race([firstUp, new Promise((r) => setTimeout(r, 15_000).unref())]);
  }

  const ops = new Operations({ store, cluster, dispatcher, server });
  const app = buildApp({ ops, server });
  rmSync(socket, { force: true });
  await app.listen({ path: socket });
  chmodSync(socket, 0o600);
  // fastify listens once per instance: TCP gets its own app over the same operations
  const tcp = opts.listen ? buildApp({ ops, server }) : undefined;
  if (tcp && opts.listen) {
    const [host, port] = splitHostPort(opts.listen);
    await tcp.listen({ host, port });
  }
  dispatcher.startTimer(1000);
  dispatcher.poke();
  log.info({ server, home, socket, listen: opts.listen }, 'head ready');

  return new Promise<number>((res) => {
    const stop = async () => {
      log.info('shutting down');
      dispatcher.stop();
      cluster.stop();
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
