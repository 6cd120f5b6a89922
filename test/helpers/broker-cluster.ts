// Brokers end to end: a real head with SSH nodes labelled with zones (test/helpers/cluster.ts), the
// small HTTP server the services' instances run (written into the head's work directory), and
// `drover broker` processes that reach the head over head.sock. Every broker is stopped by its PID.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cluster, startCluster } from './cluster.js';
import { ROOT, waitUntil } from './head.js';

/**
 * The instance: answers on $PORT with its DROVER_INSTANCE (header `x-instance` and body), after
 * `?ms=N` milliseconds on any path; `GET /health` is 200; `POST /count` records the call's id
 * (`x-id`, else `Idempotency-Key`) in memory (`GET /seen`) and, before answering, as a line
 * `ID INSTANCE` of DIR/SERVICE.count, which outlives the process. It writes its PID to
 * DIR/SERVICE.INSTANCE.pid.
 */
const INSTANCE_PROGRAM = `const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const dir = process.argv[2];
const service = process.env.DROVER_SERVICE;
const instance = process.env.DROVER_INSTANCE;
const log = fs.openSync(path.join(dir, service + '.count'), 'a');
const seen = [];
http.createServer((req, res) => {
  const url = new URL(req.url, 'http://instance');
  res.setHeader('x-instance', instance);
  if (url.pathname === '/health') return res.end('ok');
  if (url.pathname === '/seen') return res.end(JSON.stringify(seen));
  if (req.method === 'POST' && url.pathname === '/count') {
    const id = String(req.headers['x-id'] ?? req.headers['idempotency-key']);
    fs.writeSync(log, id + ' ' + instance + '\\n');
    seen.push(id);
  }
  req.resume();
  req.on('end', () => setTimeout(() => res.end(instance), Number(url.searchParams.get('ms') ?? 0)));
}).listen(Number(process.env.PORT), '0.0.0.0', () => {
  fs.writeFileSync(path.join(dir, service + '.' + instance + '.pid'), String(process.pid));
});
`;

export interface InstanceStats {
  id: string;
  host: string;
  port: number;
  zone?: string;
  capacity: number;
  inFlight: number;
  served: number;
  failed: number;
  healthy: boolean;
  ejectedMs: number;
  weight: number;
}

export interface ServiceStats {
  policy: string;
  inFlight: number;
  queued: number;
  served: number;
  failed: number;
  shed: number;
  instances: InstanceStats[];
}

/** A `drover broker --listen` process. */
export class BrokerProcess {
  private log = '';

  private constructor(
    readonly child: ChildProcess,
    readonly opts: BrokerOptions,
  ) {}

  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Start it and resolve once it listens (on `opts.port`, else any free port). */
  static async start(opts: BrokerOptions): Promise<BrokerProcess> {
    const args = [join(ROOT, 'dist/cli/drover.js'), 'broker', '--listen', `127.0.0.1:${opts.port ?? 0}`];
    args.push('--zone', opts.zone, '--name', opts.name, '--head-socket', opts.headSocket);
    args.push('--state-dir', opts.stateDir);
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const b = new BrokerProcess(child, opts);
    const listening = new Promise<number>((resolve, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        b.log += d.toString();
        const m = /drover broker: 127\.0\.0\.1:(\d+) in zone/.exec(b.log);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code, signal) => reject(new Error(`broker exited (${code ?? signal}): ${b.log}`)));
    });
    b.port = await listening;
    return b;
  }

  /** The same broker again: same port, zone, name and state directory. */
  restart(): Promise<BrokerProcess> {
    return BrokerProcess.start({ ...this.opts, port: this.port });
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stats(): Promise<Record<string, ServiceStats>> {
    const r = await fetch(`${this.url}/stats`);
    return ((await r.json()) as { services: Record<string, ServiceStats> }).services;
  }

  /** A bounded poll of /stats until `probe` gives a value (nothing else signals a broker's view). */
  until<T>(what: string, probe: (s: Record<string, ServiceStats>) => T | undefined, ms = 30_000): Promise<T> {
    return waitUntil(async () => probe(await this.stats()), ms, `${what} at broker ${this.opts.name}`);
  }

  /** The service's instances once `ok` holds for them here. */
  instances(name: string, ok: (l: InstanceStats[]) => boolean, what: string, ms = 30_000) {
    return this.until(
      what,
      (s) => {
        const l = s[name]?.instances;
        return l && ok(l) ? l : undefined;
      },
      ms,
    );
  }

  async kill9(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM, and SIGKILL if it has not exited within 10 s. */
  async stop(): Promise<void> {
    const timer = setTimeout(() => this.alive && this.child.kill('SIGKILL'), 10_000);
    await this.signal('SIGTERM');
    clearTimeout(timer);
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    if (!this.alive) return;
    const exited = once(this.child, 'exit');
    process.kill(this.child.pid!, sig);
    await exited;
  }
}

export interface BrokerOptions {
  zone: string;
  name: string;
  headSocket: string;
  stateDir: string;
  port?: number;
}

/** What one call through a broker gave. */
export interface Answer {
  status: number;
  /** the instance's DROVER_INSTANCE (`x-instance`), when an instance answered */
  instance: string | null;
  body: string;
  retryAfter: string | null;
  ms: number;
}

export async function call(b: BrokerProcess, path: string, init: RequestInit = {}): Promise<Answer> {
  const started = Date.now();
  const r = await fetch(`${b.url}${path}`, init);
  const body = await r.text();
  const [instance, retryAfter] = [r.headers.get('x-instance'), r.headers.get('retry-after')];
  return { status: r.status, instance, body, retryAfter, ms: Date.now() - started };
}

/** How many of the answers each instance gave, by DROVER_INSTANCE. */
export function tally(answers: Answer[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) out[String(a.instance)] = (out[String(a.instance)] ?? 0) + 1;
  return out;
}

/** The head with SSH nodes `a1` (zone a) and `b1` (zone b), 8 CPUs each, and two brokers. */
export class ZoneCluster {
  private constructor(
    readonly cluster: Cluster,
    /** where the instance program, its PID files and count logs are */
    readonly dir: string,
    readonly program: string,
    readonly stateBase: string,
    readonly brokers: { a: BrokerProcess; b: BrokerProcess },
  ) {}

  static async start(name: string, [a, b]: [string, string]): Promise<ZoneCluster> {
    const nodes = [
      { name: 'a1', address: a, args: ['--ncpus', '8', '--labels', 'zone=a'] },
      { name: 'b1', address: b, args: ['--ncpus', '8', '--labels', 'zone=b'] },
    ];
    const cluster = await startCluster({ name, head: { killDelay: 1 }, nodes });
    const stateBase = mkdtempSync(join(tmpdir(), `drover-${name}-brokers-`));
    const brokers: BrokerProcess[] = [];
    try {
      const headSocket = join(cluster.head.stateDir, 'head.sock');
      for (const zone of ['a', 'b'])
        brokers.push(
          await BrokerProcess.start({
            zone,
            name: `broker-${zone}`,
            headSocket,
            stateDir: join(stateBase, zone),
          }),
        );
    } catch (e) {
      for (const broker of brokers) await broker.stop();
      await cluster.stop();
      rmSync(stateBase, { recursive: true, force: true });
      throw e;
    }
    const dir = cluster.head.work;
    const program = join(dir, 'instance.cjs');
    writeFileSync(program, INSTANCE_PROGRAM);
    return new ZoneCluster(cluster, dir, program, stateBase, { a: brokers[0]!, b: brokers[1]! });
  }

  get head() {
    return this.cluster.head;
  }

  /** `drover service start NAME --instances N …options -- node instance.cjs DIR`; resolves once
   * both brokers list its N instances. */
  async service(name: string, instances: number, options: string[] = []): Promise<InstanceStats[]> {
    const r = await this.head.run('drover', [
      'service',
      'start',
      name,
      '--instances',
      String(instances),
      ...options,
      '--',
      process.execPath,
      this.program,
      this.dir,
    ]);
    if (r.code !== 0) throw new Error(`service start ${name} failed (${r.code}): ${r.stderr}`);
    const up = (l: InstanceStats[]) => l.length === instances;
    await this.brokers.b.instances(name, up, `${instances} instances of ${name}`, 60_000);
    return this.brokers.a.instances(name, up, `${instances} instances of ${name}`, 60_000);
  }

  /** The PID the instance NAME.K wrote. */
  pid(service: string, k: number): number {
    return Number(readFileSync(join(this.dir, `${service}.${k}.pid`), 'utf8'));
  }

  /** The lines `ID INSTANCE` of the service's POST /count calls, as the instances recorded them. */
  counted(service: string): string[][] {
    const file = join(this.dir, `${service}.count`);
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' '));
  }

  async stop(): Promise<void> {
    for (const b of [this.brokers.a, this.brokers.b]) await b.stop();
    await this.cluster.stop();
    rmSync(this.stateBase, { recursive: true, force: true });
  }
}
