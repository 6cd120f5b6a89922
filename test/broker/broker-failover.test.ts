import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Broker } from '../../broker/main.js';
import type { LivenessConfig } from '../../core/balancing/liveness.js';
import {
  brokerOf,
  type ChildInstance,
  childInstance,
  type FakeHead,
  fakeHead,
  instanceServer,
  serviceView,
  type TestInstance,
  until,
} from '../helpers/broker-fixture.js';

let head: FakeHead;
let broker: Broker;
let instances: TestInstance[] = [];
let children: ChildInstance[] = [];

beforeEach(async () => {
  head = await fakeHead();
});

afterEach(async () => {
  await broker?.close();
  await Promise.all([...instances.map((i) => i.close()), ...children.map((c) => c.stop())]);
  instances = [];
  children = [];
  await head.close();
});

const health = { path: '/health', intervalMs: 100, timeoutMs: 150, rise: 2, fall: 2 };

async function start(view: ReturnType<typeof serviceView>, liveness: Partial<LivenessConfig> = {}) {
  head.services = [view];
  broker = await brokerOf(head, view.name, { liveness });
}

const url = (path: string) => `http://127.0.0.1:${broker.port}${path}`;

describe('retries', () => {
  it('sends an idempotent call that got a 5xx to another instance; a POST never twice', async () => {
    let putBody = '';
    const bad = await instanceServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(500).end('bad'));
    });
    const good = await instanceServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        if (req.method === 'PUT') putBody = body;
        res.end('good');
      });
    });
    instances = [bad, good];
    // no ejection here: every call but the first meets the bad instance first (round robin)
    const view = serviceView('r', [bad.port, good.port], { policy: 'round-robin', retries: 1 });
    await start(view, { consecutiveFailures: 1000 });
    for (let k = 0; k < 6; k++) expect(await (await fetch(url('/svc/r/'))).text()).toBe('good');
    expect(bad.calls.get('GET')).toBe(5);
    const posts = await Promise.all(
      [0, 1, 2, 3].map(() => fetch(url('/svc/r/'), { method: 'POST', body: 'p' })),
    );
    const failed = posts.filter((p) => p.status === 500).length;
    expect(failed).toBe(bad.calls.get('POST'));
    // the service counts calls, the instances attempts: a GET retried after a 500 is served
    expect([broker.table.get('r')!.served, broker.table.get('r')!.failed]).toEqual([10 - failed, failed]);
    expect(broker.table.get('r')!.instances[0]!.failed).toBe(5 + failed);
    expect((bad.calls.get('POST') ?? 0) + (good.calls.get('POST') ?? 0)).toBe(4);
    const marks: Record<string, string>[] = [
      { 'idempotency-key': 'k1' },
      { 'x-drover-idempotent': '1' },
      { 'idempotency-key': 'k2' },
    ];
    for (const h of marks) {
      const r = await fetch(url('/svc/r/'), { method: 'POST', body: 'p', headers: h });
      expect(r.status).toBe(200);
    }
    const put = await fetch(url('/svc/r/'), { method: 'PUT', body: 'the body' });
    expect(put.status).toBe(200);
    const put2 = await fetch(url('/svc/r/'), { method: 'PUT', body: 'the body' });
    expect(put2.status).toBe(200);
    expect(putBody).toBe('the body');
  });

  it('ejects an instance after 5 failed calls in a row, and the calls go elsewhere meanwhile', async () => {
    const bad = await instanceServer((req, res) => {
      req.resume();
      res.writeHead(503).end();
    });
    const good = await instanceServer();
    instances = [bad, good];
    await start(serviceView('r', [bad.port, good.port], { policy: 'round-robin', retries: 1 }));
    for (let k = 0; k < 20; k++) expect((await fetch(url('/svc/r/'))).status).toBe(200);
    expect(bad.total()).toBe(5);
    const stats = (await (await fetch(url('/stats'))).json()) as {
      services: { r: { instances: { ejections: number; ejectedMs: number; failed: number }[] } };
    };
    expect(stats.services.r.instances[0]).toMatchObject({ ejections: 1, failed: 5 });
    expect(stats.services.r.instances[0]!.ejectedMs).toBeGreaterThan(5_000);
  });

  it('loses no GET when an instance is SIGKILLed under load, and sends no POST twice', async () => {
    children = await Promise.all(['a', 'b', 'c'].map((n) => childInstance(head.dir, n, 5)));
    await start(
      serviceView(
        'k',
        children.map((c) => c.port),
        { health, retries: 2, maxConcurrency: 8 },
      ),
    );
    const results: { id: string; method: string; status: number }[] = [];
    let next = 0;
    // the load runs until 1.5 s after the kill (however slow the machine is to get there)
    let end = Number.POSITIVE_INFINITY;
    const worker = async () => {
      while (Date.now() < end && next < 20_000) {
        const id = String(next++);
        const method = Number(id) % 2 ? 'POST' : 'GET';
        const r = await fetch(url('/svc/k/'), {
          method,
          headers: { 'x-call': id },
          ...(method === 'POST' ? { body: id } : {}),
        });
        await r.arrayBuffer();
        results.push({ id, method, status: r.status });
      }
    };
    const load = Promise.all(Array.from({ length: 16 }, worker));
    const victim = children[1]!;
    await until(broker.table, 'checked', () => victim.received().length > 50);
    process.kill(victim.pid, 'SIGKILL');
    end = Date.now() + 1500;
    await load;
    const received = children.flatMap((c) => c.received());
    const times = new Map<string, number>();
    for (const line of received) times.set(line, (times.get(line) ?? 0) + 1);
    const gets = results.filter((r) => r.method === 'GET');
    const posts = results.filter((r) => r.method === 'POST');
    expect(gets.filter((r) => r.status !== 200)).toEqual([]);
    for (const p of posts) {
      expect(times.get(`POST ${p.id}`) ?? 0).toBeLessThanOrEqual(1);
      if (p.status === 200) expect(times.get(`POST ${p.id}`)).toBe(1);
      else expect(p.status).toBe(502);
    }
    expect(results.length).toBeGreaterThan(200);
    const after = victim.received().length;
    expect(children[0]!.received().length + children[2]!.received().length).toBeGreaterThan(after);
  });
});

describe('health checks', () => {
  it('takes out a SIGSTOPped instance, lets it back after SIGCONT, with slow start', async () => {
    children = await Promise.all(['a', 'b'].map((n) => childInstance(head.dir, n, 10)));
    const [a, b] = children as [ChildInstance, ChildInstance];
    await start(serviceView('h', [a.port, b.port], { health, maxConcurrency: 16 }), { slowStartMs: 1500 });
    const service = broker.table.get('h')!;
    const [ia, ib] = service.instances as [(typeof service.instances)[0], (typeof service.instances)[0]];
    process.kill(b.pid, 'SIGSTOP');
    await until(broker.table, 'checked', () => !ib.liveness.checkedUp);
    const burst = async (n: number) => {
      const before = [ia.served, ib.served];
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let k = 0; k < n; k++) expect((await fetch(url('/svc/h/'))).status).toBe(200);
        }),
      );
      return [ia.served - before[0]!, ib.served - before[1]!];
    };
    expect(await burst(5)).toEqual([40, 0]);
    process.kill(b.pid, 'SIGCONT');
    await until(broker.table, 'checked', () => ib.liveness.checkedUp);
    expect(ib.liveness.weight(Date.now())).toBeLessThan(0.5);
    const early = await burst(5);
    expect(early[1]).toBeLessThan(early[0]! / 2);
    // the ramp is a matter of time: wait it out
    await new Promise((r) => setTimeout(r, 1600));
    expect(ib.liveness.weight(Date.now())).toBe(1);
    const late = await burst(10);
    expect(late[1]).toBeGreaterThan(late[0]! / 3);
  });
});
