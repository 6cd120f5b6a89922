// A broker node (`drover broker`): learns the services from the head's stream, serves calls to
// them on --listen, checks their instances' health and reports its load to the head. It keeps no
// state of its own beyond what the stream told it (the durable sessions aside).
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_LIVENESS, type LivenessConfig } from '../core/balancing/liveness.js';
import { brokerSessions } from './broker-sessions.js';
import { callService, type ServiceAnswer, type ServiceRequest } from './call-service.js';
import { type HeadAddress, parseHostPort } from './head-link.js';
import { HealthChecks } from './health-checks.js';
import { LoadReporter } from './load-report.js';
import { brokerHandler } from './proxy-server.js';
import { ServiceTable } from './service-table.js';
import { ServiceWatch } from './service-watch.js';
import type { SessionsMount } from './session-routes.js';
import { defaultBrokerStateDir } from './sessions-store.js';
import { brokerStats } from './stats-view.js';

export interface BrokerOptions {
  /** HOST:PORT to serve calls on (port 0: any free port) */
  listen: string;
  zone?: string | undefined;
  /** default: the listen address */
  name?: string | undefined;
  head: HeadAddress;
  reportIntervalMs?: number;
  pingTimeoutMs?: number;
  liveness?: Partial<LivenessConfig>;
  panicThreshold?: number;
  bufferLimit?: number;
  maxBody?: number;
  log?: (line: string) => void;
  /** where durable sessions are kept (default: broker/sessions-store.ts's defaultBrokerStateDir) */
  stateDir?: string;
}

export interface Broker {
  /** where it listens, as HOST:PORT with the real port */
  listen: string;
  port: number;
  table: ServiceTable;
  watch: ServiceWatch;
  reporter: LoadReporter;
  /** one call through the queue, policy and retries (for the session worker) */
  call(name: string, request: ServiceRequest): Promise<ServiceAnswer>;
  close(): Promise<void>;
}

export async function startBroker(o: BrokerOptions): Promise<Broker> {
  const log = o.log ?? ((line: string) => process.stderr.write(`drover broker: ${line}\n`));
  const now = Date.now;
  const table = new ServiceTable({
    zone: o.zone,
    liveness: { ...DEFAULT_LIVENESS, ...o.liveness },
    panicThreshold: o.panicThreshold ?? 0.5,
    boundFactor: 1.25,
    now,
  });
  const at = parseHostPort(o.listen);
  const who = { name: o.name ?? o.listen, listen: o.listen, zone: o.zone };
  const calls = brokerHandler(table, {
    bufferLimit: o.bufferLimit ?? 1 << 20,
    maxBody: o.maxBody ?? 64 << 20,
    resolveTtlS: 5,
    stats: () => brokerStats(who, table, now()),
    now,
  });
  let sessions: SessionsMount | undefined;
  const server: Server = createServer(
    { keepAliveTimeout: 60_000, headersTimeout: 65_000, requestTimeout: 0, noDelay: true },
    (req, res) => {
      const url = req.url ?? '';
      const maybeSession = url.startsWith('/sessions/') || url.endsWith('/batch');
      if (!(maybeSession && sessions?.handle(req, res))) calls(req, res);
    },
  );
  server.listen(at.port, at.host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  sessions = brokerSessions(table, o.stateDir ?? defaultBrokerStateDir(port));
  const listen = `${at.host.includes(':') ? `[${at.host}]` : at.host}:${port}`;
  who.listen = listen;
  who.name = o.name ?? listen;
  const health = new HealthChecks(table, now);
  table.on('change', () => health.sync());
  const watch = new ServiceWatch(o.head, (e) => table.apply(e), {
    pingTimeoutMs: o.pingTimeoutMs ?? 15_000,
    minBackoffMs: 100,
    maxBackoffMs: 5_000,
    log,
  });
  watch.start();
  const reporter = new LoadReporter(o.head, table, who, now, log);
  reporter.start(o.reportIntervalMs ?? 5_000);
  const close = async () => {
    sessions?.close();
    watch.stop();
    reporter.stop();
    health.stop();
    server.close();
    server.closeAllConnections();
    table.close();
  };
  return { listen, port, table, watch, reporter, call: (n, r) => callService(table, n, r), close };
}

/** `drover broker`: run until SIGINT or SIGTERM; the exit code. */
export async function runBroker(o: BrokerOptions): Promise<number> {
  let broker: Broker;
  try {
    broker = await startBroker(o);
  } catch (e) {
    process.stderr.write(`drover broker: ${(e as Error).message}\n`);
    return 1;
  }
  process.stderr.write(
    `drover broker: ${broker.listen}${o.zone ? ` in zone ${o.zone}` : ''}, services from ${
      'socketPath' in o.head ? o.head.socketPath : `${o.head.host}:${o.head.port}`
    }\n`,
  );
  await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  await broker.close();
  return 0;
}
