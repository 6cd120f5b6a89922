// /resolve and its redirect, /stats, the load reports to the head, the call path for callers
// inside the broker, and `drover broker` as a process of its own.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Broker } from '../../broker/main.js';
import type { BrokerReport } from '../../core/protocol/service-view.js';
import {
  brokerOf,
  type FakeHead,
  fakeHead,
  instanceServer,
  serviceView,
  type TestInstance,
  until,
} from '../helpers/broker-fixture.js';

let head: FakeHead;
let broker: Broker | undefined;
let instances: TestInstance[] = [];

beforeEach(async () => {
  head = await fakeHead();
  instances = await Promise.all([instanceServer(), instanceServer()]);
  head.services = [
    serviceView(
      'web',
      instances.map((i) => i.port),
      { policy: 'round-robin' },
    ),
  ];
  head.services[0]!.instances[1]!.zone = 'z2';
});

afterEach(async () => {
  await broker?.close();
  broker = undefined;
  await Promise.all(instances.map((i) => i.close()));
  await head.close();
});

async function start(zone?: string) {
  broker = await brokerOf(head, 'web', { zone, reportIntervalMs: 100 });
  return broker;
}

describe('resolve, stats, reports', () => {
  it('/resolve names the best instance (its own zone first); ?redirect=1 answers 307 to it', async () => {
    const b = await start('z2');
    const r = await fetch(`http://127.0.0.1:${b.port}/resolve/web`);
    expect(await r.json()).toEqual({ host: '127.0.0.1', port: instances[1]!.port, zone: 'z2', ttl: 5 });
    const redirect = await fetch(`http://127.0.0.1:${b.port}/resolve/web/a/b?redirect=1`, {
      redirect: 'manual',
    });
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get('location')).toBe(`http://127.0.0.1:${instances[1]!.port}/a/b`);
    const followed = await fetch(`http://127.0.0.1:${b.port}/resolve/web?redirect=1`);
    expect(await followed.text()).toBe(String(instances[1]!.port));
    expect((await fetch(`http://127.0.0.1:${b.port}/resolve/nope`)).status).toBe(404);
  });

  it('/stats counts per service and instance; reports reach the head', async () => {
    const b = await start();
    for (let k = 0; k < 10; k++) await (await fetch(`http://127.0.0.1:${b.port}/svc/web/`)).text();
    const stats = (await (await fetch(`http://127.0.0.1:${b.port}/stats`)).json()) as {
      listen: string;
      services: {
        web: { served: number; inFlight: number; latencyMs: { p99: number }; instances: unknown[] };
      };
    };
    expect(stats.listen).toBe(`127.0.0.1:${b.port}`);
    expect(stats.services.web).toMatchObject({
      served: 10,
      inFlight: 0,
      queued: 0,
      failed: 0,
      policy: 'round-robin',
    });
    expect(stats.services.web.latencyMs.p99).toBeGreaterThan(0);
    expect(stats.services.web.instances).toMatchObject([
      { id: 'web.0', served: 5, inFlight: 0, healthy: true },
      { id: 'web.1', served: 5, zone: 'z2' },
    ]);
    await until(head.events, 'report', () => head.reports.some((r) => r.services.web?.served === 10));
    const report = head.reports.find((r) => r.services.web?.served === 10) as BrokerReport;
    expect(report).toMatchObject({ name: `127.0.0.1:${b.port}`, listen: `127.0.0.1:${b.port}` });
    expect(report.services.web).toMatchObject({ inFlight: 0, queued: 0, failed: 0 });
    expect(report.services.web!.idle).toBeGreaterThanOrEqual(0);
    expect(report.services.web!.idle).toBeLessThanOrEqual(1);
  });

  it('keeps serving when the head refuses reports (404)', async () => {
    head.refuseReports = true;
    const b = await start();
    await b.reporter.send();
    expect(head.reports).toEqual([]);
    expect((await fetch(`http://127.0.0.1:${b.port}/svc/web/`)).status).toBe(200);
  });

  it('callService: one call through the same path, its answer in memory', async () => {
    const b = await start();
    const a = await b.call('web', { method: 'GET', path: '/x' });
    expect(a.status).toBe(200);
    expect([String(instances[0]!.port), String(instances[1]!.port)]).toContain(a.body.toString());
    expect(a.headers).toContain('x-instance');
    expect((await b.call('nope', { method: 'GET', path: '/' })).status).toBe(404);
    expect(b.table.get('web')!.served).toBe(1);
  });
});

describe('drover broker', () => {
  it('runs as a process, serves calls, and exits 0 on SIGTERM', async () => {
    const drover = join(resolve(import.meta.dirname, '../..'), 'dist/cli/drover.js');
    const child = spawn(
      process.execPath,
      [
        drover,
        'broker',
        '--listen',
        '127.0.0.1:0',
        '--zone',
        'z1',
        '--head-socket',
        head.socketPath,
        '--state-dir',
        join(head.dir, 'sessions'),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    try {
      const [line] = (await once(child.stderr!, 'data')) as [Buffer];
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(line.toString())?.[1]);
      expect(port).toBeGreaterThan(0);
      await until(head.events, 'watch', () => head.watches === 1);
      let status = 0;
      while (status !== 200) status = (await fetch(`http://127.0.0.1:${port}/svc/web/`)).status;
      process.kill(child.pid!, 'SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) process.kill(child.pid!, 'SIGKILL');
    }
  });
});
