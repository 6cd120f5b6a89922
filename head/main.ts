// `drover head`: the one place that starts real resources (home directory, database, node links,
// API sockets, timers) and stops them on SIGTERM/SIGINT. The parts are built in head/wiring.ts.
import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { hostname, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { type Logger, pino } from 'pino';
import type { NodeInput } from '../core/record-types.js';
import { haRoutes } from './api/ha-routes.js';
import { reservationRoutes } from './api/reservation-routes.js';
import type { HeadRole } from './api/role-gate.js';
import type { Store } from './db/store.js';
import { FarmOps } from './farm/farm-commands.js';
import type { HaHooks, HaWired } from './ha/ha-hooks.js';
import type { HeadOptions } from './head-options.js';
import { openHeadStore, upsertLocalNode } from './head-store.js';
import { Operations } from './jobs/operations.js';
import { openListeners, type Peer, splitHostPort, tcpIdentify } from './listeners.js';
import { metricsOptions, openMetricsListener } from './metrics/metrics-listener.js';
import { metricsRoute } from './metrics/metrics-route.js';
import { addNode, removeNode } from './nodes/node-admin.js';
import { baseUrlOf, noWebRoutes, type WebHeadParts, wireWeb } from './web/web-wiring.js';
import { type Head, wireHead } from './wiring.js';

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

/** The head's home, made private (a root head's is passable: head.sock and the local node's job files are in it). */
function prepareHome(opts: HeadOptions, uid: number): string {
  const home = resolve(opts.home);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  if (uid === 0) chmodSync(home, 0o711);
  return home;
}

/** Links to every node (the local one only with --local); waits for the local node's welcome. */
async function startNodes(store: Store, head: Head, opts: HeadOptions, home: string): Promise<void> {
  if (opts.local) upsertLocalNode(store, home, opts);
  for (const node of store.nodes.all()) {
    if (node.kind === 'local' && !opts.local) continue;
    head.links.start(node);
  }
  const local = store.nodes.all().find((n) => n.kind === 'local');
  if (opts.local && local && (await head.links.whenUp(local.name, 15_000))) {
    // its welcome (the node's capacity) is recorded before the head says it is ready
    await head.group.run(() => undefined);
  }
}

/** The timers of a running head: scheduling, fencing, cron jobs, reservations. Returns how to stop them. */
function startTimers(head: Head, ops: Operations, log: Logger): () => void {
  head.dispatcher.startTimer(1000);
  head.fencer.start();
  const cron = setInterval(
    () =>
      ops.submissions.fireCrons((id, message) =>
        log.warn({ cron: id, message }, 'recurring job not submitted'),
      ),
    1000,
  );
  cron.unref();
  head.reservations.start();
  head.dispatcher.poke();
  return () => {
    head.reservations.stop();
    head.dispatcher.stop();
    head.fencer.stop();
    clearInterval(cron);
  };
}

/** What the API of a head with a standby adds: its role at the door, the HA routes, durable answers. */
function haDeps(wired: HaWired | undefined) {
  if (!wired) return {};
  return {
    role: (): HeadRole =>
      wired.acting()
        ? { primary: true }
        : { primary: false, primaryAt: wired.api.status().primaryApi ?? undefined },
    haRoutes: haRoutes(wired.api),
    durable: wired.durable,
  };
}

/** A head that runs: its parts, and how to stop it (timers, node links, listeners, database). */
export interface RunningHead {
  store: Store;
  head: Head;
  stop(): Promise<void>;
}

/**
 * Open the database and start the head's parts: node links, listeners, timers. Returns the
 * running head, or why it cannot start and the exit code. `ha` connects a head that has a
 * standby (head/ha/ha-controller.ts): it is called with the store before anything else runs.
 */
export async function startHead(
  opts: HeadOptions,
  log: Logger,
  ha?: HaHooks,
): Promise<RunningHead | { error: string; code: number }> {
  // what the head writes (database, checkpoints, logs, undelivered output) is its own
  process.umask(0o077);
  const me = userInfo();
  const peer: Peer = { headUid: me.uid, headUser: me.username, host: hostname() };
  const tcp = opts.listen ? tcpIdentify(opts, peer) : undefined;
  if (typeof tcp === 'string') return { error: tcp, code: 2 };
  const webProblem = webOptionsProblem(opts);
  if (webProblem) return { error: webProblem, code: 2 };
  const home = prepareHome(opts, me.uid);
  const socket = join(home, 'head.sock');
  if (await headRunning(socket)) return { error: `a head is already running on ${socket}`, code: 1 };
  const root = projectRoot();
  const opened = openHeadStore(home, root, opts, log);
  if (typeof opened === 'string') return { error: opened, code: 2 };
  const { store, server } = opened;
  const wired = ha?.opened(store);
  const head = wireHead(store, { home, root, server }, opts, log, wired);
  const metrics = await openMetrics(opts, head);
  if (typeof metrics === 'string') {
    store.db.close();
    return { error: metrics, code: 1 };
  }
  await startNodes(store, head, opts, home);
  const { ops, web, deps, webApp } = apiParts({ store, server, root, head, opts, wired, headUid: me.uid });
  const listeners = await openListeners(deps, socket, peer, tcp, opts, webApp);
  const stopTimers = startTimers(head, ops, log);
  log.info(
    { server, home, socket, listen: opts.listen, web: opts.webListen, metrics: opts.metrics?.listen },
    'head ready',
  );
  return {
    store,
    head,
    stop: async () => {
      stopTimers();
      web?.stop();
      head.links.stopAll();
      head.delivery.stop();
      await listeners.close();
      await metrics?.close();
      store.db.close();
      rmSync(socket, { force: true });
    },
  };
}

/** What the API listeners serve: the operations, the web view when asked for, its listener's parts. */
function apiParts(p: {
  store: Store;
  server: string;
  root: string;
  head: Head;
  opts: HeadOptions;
  wired: HaWired | undefined;
  headUid: number;
}) {
  const { store, server, head, opts } = p;
  const { cluster, dispatcher, group, checkpoints, links, tails } = head;
  const ops = new Operations({ store, cluster, dispatcher, server, group, checkpoints, tails });
  const nodeAdmin = {
    add: (input: NodeInput) => addNode(store, links, input),
    remove: (name: string) => removeNode(store, links, name),
  };
  const farms = new FarmOps(store, head.farms, server, () => dispatcher.poke());
  const haStatus = p.wired ? { haStatus: p.wired.api.status } : {};
  const web = webOf(opts, { store, server, ops, cluster, dispatcher, ...haStatus });
  const deps = {
    ...{ ops, server, nodeAdmin, farms, services: head.services, waits: head.waits, headUid: p.headUid },
    ...haDeps(p.wired),
    terminals: head.terminals,
    moreRoutes: [web ? web.routes : noWebRoutes, reservationRoutes(head.reservations)],
  };
  const token = opts.metrics?.token !== undefined ? { token: opts.metrics.token } : {};
  const webApp = web && {
    sessions: web.sessions,
    baseUrl: web.baseUrl,
    staticDir: join(p.root, 'dist', 'web'),
    // outside the session: Prometheus has no cookie
    open: [(app: FastifyInstance) => metricsRoute(app, head.metrics, token)],
  };
  return { ops, web, deps, webApp };
}

/** Why the web flags do not make sense, or undefined. */
function webOptionsProblem(opts: HeadOptions): string | undefined {
  if (opts.web && !opts.listen)
    return '--web serves the web view on the --listen address: give --listen HOST:PORT';
  if (opts.webUrl && !/^https?:\/\/[^/\s]+/.test(opts.webUrl))
    return `--web-url wants http(s)://HOST[:PORT], got ${opts.webUrl}`;
  try {
    if (opts.webListen) splitHostPort(opts.webListen, '--web-listen');
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

/** The web view's parts, when a flag asks for it. */
function webOf(opts: HeadOptions, parts: Omit<WebHeadParts, 'baseUrl'>) {
  const listen = opts.webListen ?? (opts.web ? opts.listen : undefined);
  return listen ? wireWeb({ ...parts, baseUrl: baseUrlOf(listen, opts.webUrl) }) : undefined;
}

/** The metrics listener (--metrics-listen), or why it cannot listen. */
async function openMetrics(opts: HeadOptions, head: Head) {
  if (!opts.metrics) return undefined;
  try {
    return await openMetricsListener(opts.metrics, head.metrics);
  } catch (e) {
    return `--metrics-listen ${opts.metrics.listen}: ${(e as Error).message}`;
  }
}

/** `--metrics-listen` and `--metrics-token-file` as the head's options, or why not (exit 2). */
export function metricsOptionsFrom(a: { 'metrics-listen'?: string; 'metrics-token-file'?: string }) {
  return metricsOptions(a['metrics-listen'], a['metrics-token-file']);
}

export function headLog(): Logger {
  return pino({ name: 'drover-head', level: process.env.DROVER_LOG_LEVEL ?? 'info' });
}

/** `drover head` without a standby: start, then run until SIGTERM or SIGINT. */
export async function runHead(opts: HeadOptions): Promise<number> {
  const log = headLog();
  const started = await startHead(opts, log);
  if ('error' in started) return fail(started.error, started.code);
  return new Promise<number>((res) => {
    const stop = async () => {
      log.info('shutting down');
      await started.stop();
      res(0);
    };
    process.once('SIGTERM', () => void stop());
    process.once('SIGINT', () => void stop());
  });
}

export function fail(message: string, code: number): number {
  process.stderr.write(`drover: ${message}\n`);
  return code;
}
