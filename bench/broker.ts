// Drover's broker against nginx, in one run: 4 instances of a tiny node:http service
// (bench/broker-instance.ts, a process each), then wrk at 16 and 64 connections against one
// instance directly (the ceiling), against nginx in front of the 4 (Debian's nginx, upstream with
// least_conn, keepalive 64 and a shared zone), and against `drover broker` in front of the same 4,
// fed by a fake head that streams the service (core/protocol/service-view.ts). Prints requests/s
// and p50/p99 latency of each, and the broker/nginx ratios. Not a test: it prints figures.
//   npm run bench:broker [-- --duration 5 --nginx-workers 1]
// nginx runs one worker by default: the broker is one Node process with one event loop, so one
// nginx worker is the like-for-like comparison (on this 2-core VM a second worker would mostly
// take CPU from wrk and the instances).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, chmodSync, constants, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ServiceView } from '../core/protocol/service-view.js';
import { freePort, ROOT } from '../test/helpers/head.js';

const { values } = parseArgs({
  options: { duration: { type: 'string', default: '5' }, 'nginx-workers': { type: 'string', default: '1' } },
});
const SECONDS = Number(values.duration);
const CONNECTIONS = [16, 64];
const SERVICE = 'bench';
/** where the broker takes live calls to a service (broker/README.md) */
const BROKER_PATH = `/svc/${SERVICE}/`;

function which(cmd: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin']) {
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return join(dir, cmd);
    } catch {}
  }
  return undefined;
}

const NGINX = which('nginx');
const WRK = which('wrk');
const missing = [!NGINX && 'nginx', !WRK && 'wrk'].filter((m): m is string => typeof m === 'string');
if (missing.length > 0) {
  process.stderr.write(
    `bench:broker needs ${missing.join(' and ')} (Debian's): apt-get install -y ${missing.join(' ')}\n`,
  );
  process.exit(1);
}

const children: ChildProcess[] = [];
const work = mkdtempSync(join(tmpdir(), 'drover-bench-broker-'));
chmodSync(work, 0o755); // nginx's worker may run as another user
function stopAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) process.kill(c.pid!, 'SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
process.on('exit', stopAll);
process.on('SIGINT', () => process.exit(130));

function start(cmd: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d).slice(-2000);
  });
  child.on('exit', (code, signal) => {
    if (code && !signal) process.stderr.write(`bench: ${cmd} exited ${code}: ${err}\n`);
  });
  children.push(child);
  return child;
}

async function startInstance(k: number): Promise<number> {
  const child = start(process.execPath, [join(ROOT, 'dist/bench/broker-instance.js'), String(k)]);
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return JSON.parse(line.toString()).port;
}

/** Resolves once `url` answers 200; false after `ms`. */
async function answers(url: string, ms: number): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until; ) {
    try {
      if ((await fetch(url)).status === 200) return true;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function startNginx(ports: number[]): Promise<string> {
  const port = await freePort();
  const conf = join(work, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes ${values['nginx-workers']};
daemon off;
pid ${work}/nginx.pid;
error_log ${work}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${work}/body; proxy_temp_path ${work}/proxy; fastcgi_temp_path ${work}/fastcgi;
  uwsgi_temp_path ${work}/uwsgi; scgi_temp_path ${work}/scgi;
  upstream ${SERVICE} {
    zone ${SERVICE} 64k;
    least_conn;
${ports.map((p) => `    server 127.0.0.1:${p};`).join('\n')}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://${SERVICE};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`,
  );
  start(NGINX!, ['-p', work, '-e', `${work}/error.log`, '-c', conf]);
  const url = `http://127.0.0.1:${port}/`;
  if (!(await answers(url, 10_000))) throw new Error('nginx does not answer');
  return url;
}

/** A head that only streams one service with these instances, and takes the broker's reports; its socket. */
async function fakeHead(ports: number[]): Promise<string> {
  const service: ServiceView = {
    name: SERVICE,
    owner: 'bench@localhost',
    policy: 'least-outstanding',
    // as many calls per instance as nginx would send it: no queueing at the broker for capacity
    maxConcurrency: 64,
    queue: { max: 10_000, timeoutMs: 10_000 },
    retries: 1,
    wanted: ports.length,
    instances: ports.map((port, k) => ({
      id: `${SERVICE}.${k}`,
      jobId: `${k}.bench`,
      attempt: 1,
      node: 'localhost',
      host: '127.0.0.1',
      port,
      ncpus: 1,
    })),
  };
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.startsWith('/v1/services/watch')) {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(`${JSON.stringify({ t: 'snapshot', services: [service] })}\n`);
      const ping = setInterval(() => res.write('{"t":"ping"}\n'), 2000);
      res.on('close', () => clearInterval(ping));
      return;
    }
    req.resume();
    res.writeHead(req.method === 'POST' && req.url === '/v1/brokers/report' ? 204 : 404).end();
  });
  // the head's Unix socket, as a broker on the head host reaches it
  const socket = join(work, 'head.sock');
  server.listen(socket);
  await once(server, 'listening');
  server.unref();
  return socket;
}

/** `drover broker` as it is started for real; undefined (and why, on stderr) when it cannot run. */
async function startBroker(head: string): Promise<string | undefined> {
  if (!existsSync(join(ROOT, 'dist/broker/main.js'))) {
    process.stderr.write(
      'bench: the broker target is skipped: this tree has no broker yet (broker/main.ts, `drover broker`)\n',
    );
    return undefined;
  }
  const port = await freePort();
  const args = [
    'broker',
    '--listen',
    `127.0.0.1:${port}`,
    '--head-socket',
    head,
    '--state-dir',
    join(work, 'broker'),
  ];
  start(process.execPath, [join(ROOT, 'dist/cli/drover.js'), ...args]);
  const url = `http://127.0.0.1:${port}${BROKER_PATH}`;
  if (await answers(url, 15_000)) return url;
  process.stderr.write(
    `bench: the broker target is skipped: drover ${args.join(' ')} does not answer at ${url}\n`,
  );
  return undefined;
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: string;
}

const MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };

async function wrk(url: string, connections: number, seconds: number): Promise<Figures> {
  const child = spawn(WRK!, ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d;
  });
  await once(child, 'exit');
  const latency = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
    return m ? Number(m[1]) * MS[m[2]!]! : Number.NaN;
  };
  const errors = [/Non-2xx or 3xx responses: \d+/, /Socket errors: .*/]
    .map((r) => r.exec(out)?.[0])
    .filter(Boolean);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN),
    p50: latency('50'),
    p99: latency('99'),
    errors: errors.join('; '),
  };
}

async function measure(name: string, url: string): Promise<Map<number, Figures>> {
  await wrk(url, 16, 1); // warm-up: connections, JIT
  const out = new Map<number, Figures>();
  for (const c of CONNECTIONS) {
    const f = await wrk(url, c, SECONDS);
    out.set(c, f);
    const row = `${name.padEnd(22)} c=${String(c).padEnd(3)} ${f.rps.toFixed(0).padStart(8)} req/s   p50 ${f.p50.toFixed(2).padStart(6)} ms   p99 ${f.p99.toFixed(2).padStart(7)} ms`;
    process.stdout.write(`${row}${f.errors ? `   (${f.errors})` : ''}\n`);
  }
  return out;
}

process.stdout.write(
  `${cpus().length} cores (${cpus()[0]?.model.trim()}): wrk (1 thread), the proxy and the 4 instances share them, ` +
    `so the figures compare the proxies with one another, not with a cluster; ${SECONDS} s per run\n\n`,
);
const ports = await Promise.all([0, 1, 2, 3].map(startInstance));
const direct = await measure('direct, one instance', `http://127.0.0.1:${ports[0]}/`);
for (const c of CONNECTIONS)
  process.stdout.write(
    `  ×4 estimate at c=${c}: ${(direct.get(c)!.rps * 4).toFixed(0)} req/s (4 instances on cores of their own)\n`,
  );
const nginx = await measure(
  `nginx (${values['nginx-workers']} worker${values['nginx-workers'] === '1' ? '' : 's'})`,
  await startNginx(ports),
);
const brokerUrl = await startBroker(await fakeHead(ports));
if (brokerUrl) {
  const broker = await measure('drover broker', brokerUrl);
  for (const c of CONNECTIONS) {
    const b = broker.get(c)!;
    const n = nginx.get(c)!;
    process.stdout.write(
      `broker/nginx at c=${c}: requests/s ×${(b.rps / n.rps).toFixed(2)}, p99 ×${(b.p99 / n.p99).toFixed(2)}\n`,
    );
  }
}
process.exit(0);
