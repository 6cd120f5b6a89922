// What the broker tests run against: a fake head (a real HTTP server on a Unix socket in a temp
// directory, serving the service stream the test writes and recording the load reports), instance
// servers (node:http on 127.0.0.1, in this process or as child processes the test can kill or
// stop by PID), and a view of a service as the head would stream it.
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Broker, type BrokerOptions, startBroker } from '../../broker/main.js';
import type { BrokerReport, ServiceView, WatchEvent } from '../../core/protocol/service-view.js';

export interface FakeHead {
  /** says `watch` when a stream opens and `report` when a report arrives */
  events: EventEmitter;
  dir: string;
  socketPath: string;
  services: ServiceView[];
  reports: BrokerReport[];
  /** watch streams opened so far */
  watches: number;
  /** answer 404 to reports, as a head without the route */
  refuseReports: boolean;
  /** replace the service (or add it) and tell every open stream */
  set(view: ServiceView): void;
  send(e: WatchEvent): void;
  /** end every open stream (the broker opens a new one) */
  endStreams(): void;
  close(): Promise<void>;
}

export async function fakeHead(): Promise<FakeHead> {
  const dir = mkdtempSync(join(tmpdir(), 'drover-broker-'));
  const streams = new Set<ServerResponse>();
  const head: FakeHead = {
    events: new EventEmitter(),
    dir,
    socketPath: join(dir, 'head.sock'),
    services: [],
    reports: [],
    watches: 0,
    refuseReports: false,
    set(view) {
      head.services = [...head.services.filter((s) => s.name !== view.name), view];
      head.send({ t: 'service', service: view });
    },
    send(e) {
      for (const res of streams) res.write(`${JSON.stringify(e)}\n`);
    },
    endStreams() {
      for (const res of streams) res.end();
      streams.clear();
    },
    async close() {
      head.endStreams();
      server.closeAllConnections();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/v1/services/watch') {
      head.watches++;
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(`${JSON.stringify({ t: 'snapshot', services: head.services })}\n`);
      streams.add(res);
      res.on('close', () => streams.delete(res));
      head.events.emit('watch');
      return;
    }
    if (req.method === 'POST' && req.url === '/v1/brokers/report') {
      void readJson(req).then((r) => {
        if (head.refuseReports) return void res.writeHead(404).end('{}');
        head.reports.push(r as BrokerReport);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        head.events.emit('report');
      });
      return;
    }
    res.writeHead(404).end();
  });
  server.listen(head.socketPath);
  await once(server, 'listening');
  return head;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const c of req) text += c;
  return JSON.parse(text);
}

export function serviceView(name: string, ports: number[], o: Partial<ServiceView> = {}): ServiceView {
  return {
    name,
    owner: 'root@test',
    policy: 'least-outstanding',
    queue: { max: 100, timeoutMs: 5_000 },
    retries: 2,
    wanted: ports.length,
    instances: ports.map((port, k) => ({
      id: `${name}.${k}`,
      jobId: `${k}.test`,
      attempt: 1,
      node: 'local',
      host: '127.0.0.1',
      port,
      ncpus: 1,
    })),
    ...o,
  };
}

export interface TestInstance {
  port: number;
  /** calls taken, by method */
  calls: Map<string, number>;
  total(): number;
  server: Server;
  close(): Promise<void>;
}

/** An instance in this process; `handle` answers (default: 200 with its port in the body). */
export async function instanceServer(
  handle?: (req: IncomingMessage, res: ServerResponse, port: number) => void,
): Promise<TestInstance> {
  const calls = new Map<string, number>();
  let port = 0;
  const server = createServer((req, res) => {
    calls.set(req.method!, (calls.get(req.method!) ?? 0) + 1);
    if (handle) return handle(req, res, port);
    req.resume();
    req.on('end', () => res.writeHead(200, { 'x-instance': String(port) }).end(String(port)));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
  return {
    port,
    calls,
    server,
    total: () => [...calls.values()].reduce((a, b) => a + b, 0),
    close: async () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

const CHILD = `
import { createServer } from 'node:http';
import { openSync, writeSync } from 'node:fs';
const [log, delay] = [process.argv[2], Number(process.argv[3])];
const fd = openSync(log, 'a');
const server = createServer((req, res) => {
  if (req.url === '/health') return res.end('ok');
  writeSync(fd, req.method + ' ' + (req.headers['x-call'] ?? '-') + '\\n');
  req.resume();
  req.on('end', () => setTimeout(() => res.end(String(server.address().port)), delay));
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

export interface ChildInstance {
  port: number;
  pid: number;
  child: ChildProcess;
  /** `METHOD CALL-ID` for every call it received, read from its log (it survives a SIGKILL) */
  received(): string[];
  stop(): Promise<void>;
}

/** An instance in a child process that logs each call (synchronously) before answering after `delayMs`. */
export async function childInstance(dir: string, name: string, delayMs: number): Promise<ChildInstance> {
  const script = join(dir, 'instance.mjs');
  writeFileSync(script, CHILD);
  const log = join(dir, `${name}.log`);
  writeFileSync(log, '');
  const child = spawn(process.execPath, [script, log, String(delayMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return {
    port: Number(line.toString().trim()),
    pid: child.pid!,
    child,
    received: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(child.pid!, 'SIGCONT');
      process.kill(child.pid!, 'SIGKILL');
      await once(child, 'exit');
    },
  };
}

/** Resolve once `test` holds, checking it again after each `event` of `emitter`. */
export async function until(
  emitter: EventEmitter,
  event: string,
  test: () => boolean,
  timeoutMs = 10_000,
): Promise<void> {
  if (test()) return;
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (!test()) return;
      clearTimeout(timer);
      emitter.off(event, check);
      resolve();
    };
    const timer = setTimeout(() => {
      emitter.off(event, check);
      reject(new Error(`timed out waiting on ${event}`));
    }, timeoutMs);
    emitter.on(event, check);
  });
}

/**
 * A broker of `head` (its sessions in the head's temp dir, its log silent), returned once it has
 * service `name` from the stream.
 */
export async function brokerOf(
  head: FakeHead,
  name: string,
  extra: Partial<BrokerOptions> = {},
): Promise<Broker> {
  const broker = await startBroker({
    listen: '127.0.0.1:0',
    head: { socketPath: head.socketPath },
    stateDir: join(head.dir, 'sessions'),
    log: () => {},
    ...extra,
  });
  await until(broker.table, 'change', () => broker.table.get(name) !== undefined);
  return broker;
}
