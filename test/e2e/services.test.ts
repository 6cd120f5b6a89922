// Services end to end on a real head and its local node: `drover service start` runs two instances
// of a small HTTP server as jobs; the watch stream (read over head.sock, no polling) gives their
// addresses, and each answers there with its number and PORT; an instance killed with SIGKILL is
// started again on a new port and comes back in the stream; scale to 3, to 1; stop removes it.
// Also what `drover service` and `drover broker list` print, and their exit codes for bad input.
import { writeFileSync } from 'node:fs';
import { type ClientRequest, request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceView, WatchEvent } from '../../core/protocol/service-view.js';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import type { TestHead } from '../helpers/head.js';

let cluster: Cluster;
let head: TestHead;
let server: string;

/** What the watch stream said so far: every event, and each service's latest view. */
class Watcher {
  readonly events: WatchEvent[] = [];
  readonly views = new Map<string, ServiceView>();
  private waiters: (() => void)[] = [];
  private req: ClientRequest | undefined;

  open(socketPath: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.req = request({ socketPath, path: '/v1/services/watch' }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
          const lines = text.split('\n');
          text = lines.pop()!;
          for (const line of lines) this.take(JSON.parse(line) as WatchEvent);
        });
        resolve();
      });
      this.req.on('error', reject);
      this.req.end();
    });
  }

  private take(e: WatchEvent): void {
    this.events.push(e);
    if (e.t === 'snapshot') for (const s of e.services) this.views.set(s.name, s);
    if (e.t === 'service') this.views.set(e.service.name, e.service);
    if (e.t === 'removed') this.views.delete(e.name);
    for (const w of this.waiters) w();
  }

  /** Resolves with the first value `probe` gives, checked now and after each event. */
  until<T>(what: string, probe: () => T | undefined, ms = 30_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      const check = () => {
        const v = probe();
        if (v === undefined) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve(v);
      };
      this.waiters.push(check);
      check();
    });
  }

  /** The service's instances that answer, once `ok` holds for them. */
  instances(name: string, ok: (i: ServiceView['instances']) => boolean, what: string) {
    return this.until(what, () => {
      const v = this.views.get(name);
      return v && ok(v.instances) ? v.instances : undefined;
    });
  }

  close(): void {
    this.req?.destroy();
  }
}

let watcher: Watcher;

beforeAll(async () => {
  cluster = await startCluster({ name: 'svc', head: { ncpus: 4, mem: '2gb', killDelay: 1 } });
  head = cluster.head;
  server = join(head.work, 'server.cjs');
  writeFileSync(
    server,
    `const http = require('node:http');
http.createServer((req, res) => {
  if (req.url === '/health') return res.end('ok');
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ instance: process.env.DROVER_INSTANCE, port: process.env.PORT, service: process.env.DROVER_SERVICE, pid: process.pid }));
}).listen(Number(process.env.PORT), '0.0.0.0');
`,
  );
  watcher = new Watcher();
  await watcher.open(join(head.stateDir, 'head.sock'));
});

afterAll(async () => {
  watcher?.close();
  await cluster?.stop();
});

const drover = (...args: string[]) => head.run('drover', args);

interface Answer {
  instance: string;
  port: string;
  service: string;
  pid: number;
}

const call = async (i: { host: string; port: number }) =>
  (await (await fetch(`http://${i.host}:${i.port}/`)).json()) as Answer;

describe('services', () => {
  it('runs instances as jobs, restarts a killed one on a new port, scales and stops', async () => {
    expect(watcher.events[0]).toEqual({ t: 'snapshot', services: [] });
    const started = await drover(
      'service',
      'start',
      'web',
      '--instances',
      '2',
      '--health',
      '/health',
      '--',
      process.execPath,
      server,
    );
    expect(started.stderr).toBe('');
    expect(started.stdout).toMatch(/^service web started: \d+\.\S+ \d+\.\S+\n$/);
    const two = await watcher.instances('web', (l) => l.length === 2, 'two instances up');
    const answers = await Promise.all(two.map(call));
    expect(answers.map((a) => [a.service, a.instance, Number(a.port)])).toEqual(
      two.map((i) => ['web', i.id.split('.')[1], i.port]),
    );

    // SIGKILL one instance: it leaves the stream, and comes back with a new attempt and port
    const victim = two.find((i) => i.id === 'web.1')!;
    process.kill(answers[two.indexOf(victim)]!.pid, 'SIGKILL');
    await watcher.instances('web', (l) => !l.some((i) => i.id === 'web.1'), 'web.1 to leave the stream');
    const back = await watcher.instances('web', (l) => l.some((i) => i.id === 'web.1'), 'web.1 to come back');
    const again = back.find((i) => i.id === 'web.1')!;
    expect(again).toMatchObject({ jobId: victim.jobId, attempt: victim.attempt + 1 });
    expect(again.port).not.toBe(victim.port);
    expect((await call(again)).instance).toBe('1');

    const status = await drover('service', 'status', 'web');
    expect(status.stdout).toMatch(
      /^service web \(root@\S+\): running, 2 of 2 instances up, policy least-outstanding\n/,
    );
    expect(status.stdout).toMatch(
      new RegExp(
        `web\\.1\\s+${victim.jobId.replace(/\./g, '\\.')}\\s+\\S+\\s+${again.host}:${again.port}\\s+R`,
      ),
    );

    expect((await drover('service', 'scale', 'web', '3')).code).toBe(0);
    await watcher.instances('web', (l) => l.length === 3, 'three instances');
    expect((await drover('service', 'scale', 'web', '1')).code).toBe(0);
    const one = await watcher.instances('web', (l) => l.length === 1, 'one instance');
    expect(one[0]!.id).toBe('web.0');

    expect((await drover('service', 'stop', 'web')).stdout).toBe(
      'service web stopping: its instance jobs are deleted\n',
    );
    await watcher.until('web removed', () =>
      watcher.events.some((e) => e.t === 'removed' && e.name === 'web') ? true : undefined,
    );
    expect(JSON.parse((await drover('service', 'list', '--json')).stdout)).toEqual([]);
  });

  it('keeps where an instance answers when the head restarts and its agent reconnects', async () => {
    expect(
      (await drover('service', 'start', 'keep', '--instances', '1', '--', process.execPath, server)).code,
    ).toBe(0);
    const [before] = await watcher.instances('keep', (l) => l.length === 1, 'keep up');
    watcher.close();
    await head.kill9();
    await head.start(); // resolves once the local agent's welcome is recorded and reconciled
    watcher = new Watcher();
    await watcher.open(join(head.stateDir, 'head.sock'));
    const snapshot = watcher.events[0] as Extract<WatchEvent, { t: 'snapshot' }>;
    expect(snapshot.services.find((s) => s.name === 'keep')?.instances).toEqual([before]);
    expect((await call(before!)).instance).toBe('0');
    expect((await drover('service', 'stop', 'keep')).code).toBe(0);
    await watcher.until('keep removed', () => (watcher.views.has('keep') ? undefined : true));
  });

  it('shows broker reports, and refuses bad input with drover: message and PBS-like exit codes', async () => {
    expect((await drover('broker', 'list')).stdout).toBe('no brokers heard from lately\n');
    const report = {
      name: 'b1',
      listen: '0.0.0.0:8080',
      services: {
        api: {
          inFlight: 2,
          queued: 1,
          served: 40,
          failed: 3,
          queueWaitMs: 5,
          idle: 0.1,
          latencyMs: { p50: 4, p90: 9, p99: 20 },
        },
      },
    };
    await new Promise<void>((resolve, reject) => {
      const req = request(
        {
          socketPath: join(head.stateDir, 'head.sock'),
          path: '/v1/brokers/report',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
        },
        (res) => (res.statusCode === 200 ? resolve() : reject(new Error(`report: ${res.statusCode}`))),
      );
      req.end(JSON.stringify(report));
    });
    const brokers = await drover('broker', 'list');
    expect(brokers.stdout).toMatch(
      /^NAME\s+LISTEN\s+ZONE\s+LAST\s+SERVICES\nb1\s+0\.0\.0\.0:8080\s+-\s+\d+s\s+api\n$/,
    );
    expect(JSON.parse((await drover('broker', 'list', '--json')).stdout)[0]).toMatchObject({ name: 'b1' });

    const started = await drover('service', 'start', 'api', '--instances', '1', '--', '/bin/sleep', '300');
    expect(started.code).toBe(0);
    const status = await drover('service', 'status', 'api');
    expect(status.stdout).toMatch(
      /BROKER\s+IN-FLIGHT\s+QUEUED\s+SERVED\s+FAILED\s+LATENCY ms p50\/p90\/p99\nb1\s+2\s+1\s+40\s+3\s+4\/9\/20\n/,
    );

    const bad: [string[], number, RegExp][] = [
      [
        ['service', 'start', 'api', '--instances', '1', '--', '/bin/true'],
        168,
        /^drover: service api exists already\n$/,
      ],
      [
        ['service', 'start', '9x', '--instances', '1', '--', '/bin/true'],
        2,
        /^drover: illegal service name "9x"/,
      ],
      [
        ['service', 'start', 'x', '--instances', '1'],
        2,
        /^drover: no command given after --\nusage: drover service start/,
      ],
      [['service', 'status', 'nope'], 153, /^drover: Unknown service nope\n$/],
      [['service', 'scale', 'nope', '2'], 153, /^drover: Unknown service nope\n$/],
      [
        ['service', 'scale', 'api', 'many'],
        2,
        /^drover: INSTANCES wants a whole number from 0 to 1000, not "many"\n$/,
      ],
      [['service', 'stop', 'nope'], 153, /^drover: Unknown service nope\n$/],
      [['service'], 2, /^drover: name a service command: start, list, status, scale or stop\n/],
    ];
    for (const [args, code, stderr] of bad) {
      const r = await drover(...args);
      expect([r.code, r.stderr], args.join(' ')).toEqual([code, expect.stringMatching(stderr)]);
    }
    expect((await drover('service', 'stop', 'api')).code).toBe(0);
  });
});
