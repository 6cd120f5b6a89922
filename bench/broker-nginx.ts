// The broker against nginx (least_conn, keepalive 64) in front of the same two instances (node:http
// processes answering 12 bytes), with wrk at 64 connections: requests/s and p99 of each, rounds
// alternating so that both meet the same machine (not a timed test: it prints figures). Needs
// nginx and wrk on the PATH (Debian: nginx-light, wrk).
//   npm run build && node dist/bench/broker-nginx.js [--rounds 3] [--seconds 5] [--max-concurrency 64]
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ServiceView } from '../core/protocol/service-view.js';
import { stopPid } from '../test/helpers/head.js';

const ROOT = resolve(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    'max-concurrency': { type: 'string', default: '64' },
  },
});
const dir = mkdtempSync(join(tmpdir(), 'drover-brokerbench-'));
const children: ChildProcess[] = [];
const PORTS = { a: 19101, b: 19102, nginx: 19080, broker: 19090 };

/** A child process of the bench, its stderr in the temp dir (shown when something fails). */
function start(args: string[]): ChildProcess {
  const err = openSync(join(dir, `${children.length}.stderr`), 'w');
  const child = spawn(args[0]!, args.slice(1), { stdio: ['ignore', 'ignore', err] });
  children.push(child);
  return child;
}

const INSTANCE = `require('node:http').createServer((q, s) => { q.resume(); s.writeHead(200, {'content-type': 'text/plain'}); s.end('hello world\\n'); }).listen(Number(process.argv[1]), '127.0.0.1');`;

async function fakeHead(socketPath: string, view: ServiceView) {
  const server = createServer((req, res) => {
    if (req.url !== '/v1/services/watch') return void res.writeHead(404).end('{}');
    res.writeHead(200);
    res.write(`${JSON.stringify({ t: 'snapshot', services: [view] })}\n`);
    const ping = setInterval(() => res.write('{"t":"ping"}\n'), 5_000);
    res.on('close', () => clearInterval(ping));
  });
  server.listen(socketPath);
  await once(server, 'listening');
  return server;
}

function nginxConf(): string {
  return `worker_processes 2; pid ${dir}/nginx.pid; error_log ${dir}/nginx-error.log; daemon off;
events { worker_connections 1024; }
http { access_log off;
  upstream web { least_conn; server 127.0.0.1:${PORTS.a}; server 127.0.0.1:${PORTS.b}; keepalive 64; }
  server { listen 127.0.0.1:${PORTS.nginx};
    location /svc/web/ { proxy_pass http://web/; proxy_http_version 1.1; proxy_set_header Connection ""; } } }`;
}

function wrk(port: number): { rps: number; p99: string } {
  const out = execFileSync(
    'wrk',
    ['-t2', '-c64', `-d${values.seconds}s`, '--latency', `http://127.0.0.1:${port}/svc/web/`],
    { encoding: 'utf8' },
  );
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    p99: /^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '?',
  };
}

async function answering(port: number, path = '/svc/web/'): Promise<void> {
  for (let k = 0; k < 100; k++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}${path}`)).status === 200) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  const logs = readdirSync(dir).filter((f) => f.endsWith('.stderr') || f.endsWith('.log'));
  const text = logs.map((f) => readFileSync(join(dir, f), 'utf8')).join('');
  throw new Error(`nothing answers on ${port}:\n${text.slice(0, 2000)}`);
}

const view: ServiceView = {
  name: 'web',
  owner: 'bench@localhost',
  policy: 'least-outstanding',
  maxConcurrency: Number(values['max-concurrency']),
  queue: { max: 1000, timeoutMs: 5_000 },
  retries: 2,
  wanted: 2,
  instances: [PORTS.a, PORTS.b].map((port, k) => ({
    id: `web.${k}`,
    jobId: `${k}.bench`,
    attempt: 1,
    node: 'local',
    host: '127.0.0.1',
    port,
    ncpus: 1,
  })),
};

const head = await fakeHead(join(dir, 'head.sock'), view);
try {
  for (const port of [PORTS.a, PORTS.b]) start([process.execPath, '-e', INSTANCE, String(port)]);
  // nginx takes an instance that refuses its first request for dead (10 s): start it after them
  await answering(PORTS.a, '/');
  await answering(PORTS.b, '/');
  writeFileSync(join(dir, 'nginx.conf'), nginxConf());
  start(['nginx', '-c', join(dir, 'nginx.conf'), '-p', dir]);
  const drover = join(ROOT, 'dist/cli/drover.js');
  start([
    process.execPath,
    drover,
    'broker',
    '--listen',
    `127.0.0.1:${PORTS.broker}`,
    '--head-socket',
    join(dir, 'head.sock'),
  ]);
  await answering(PORTS.nginx);
  await answering(PORTS.broker);
  for (let r = 1; r <= Number(values.rounds); r++) {
    const nginx = wrk(PORTS.nginx);
    const broker = wrk(PORTS.broker);
    console.log(
      `round ${r}: nginx ${nginx.rps.toFixed(0)} req/s p99 ${nginx.p99}; broker ${broker.rps.toFixed(0)} req/s p99 ${broker.p99} (${((100 * broker.rps) / nginx.rps).toFixed(0)} % of nginx)`,
    );
  }
} finally {
  await Promise.all(children.map((c) => (c.pid ? stopPid(c.pid) : undefined)));
  head.close();
  rmSync(dir, { recursive: true, force: true });
}
