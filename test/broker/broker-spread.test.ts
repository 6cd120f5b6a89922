// The broker spreads calls by the service's policy, forwards them whole, and follows the head's
// stream (updates, removals, a stream that ends).
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Broker, startBroker } from '../../broker/main.js';
import type { ServiceView } from '../../core/protocol/service-view.js';
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
let broker: Broker;
let instances: TestInstance[];

async function start(view: (ports: number[]) => ServiceView, n = 3) {
  instances = await Promise.all(Array.from({ length: n }, () => instanceServer()));
  head.services = [view(instances.map((i) => i.port))];
  broker = await brokerOf(head, head.services[0]!.name);
}

const url = (path: string) => `http://127.0.0.1:${broker.port}${path}`;

beforeEach(async () => {
  head = await fakeHead();
});

afterEach(async () => {
  await broker?.close();
  await Promise.all(instances.map((i) => i.close()));
  await head.close();
});

describe('spreading calls', () => {
  it('round robin: 30 calls, 10 to each of 3 instances', async () => {
    await start((p) => serviceView('web', p, { policy: 'round-robin' }));
    for (let k = 0; k < 30; k++) expect((await fetch(url('/svc/web/x'))).status).toBe(200);
    expect(instances.map((i) => i.total())).toEqual([10, 10, 10]);
  });

  it('least outstanding: idle instances take turns', async () => {
    await start((p) => serviceView('web', p));
    for (let k = 0; k < 30; k++) await (await fetch(url('/svc/web/'))).text();
    expect(instances.map((i) => i.total())).toEqual([10, 10, 10]);
  });

  it('power of two choices reaches every instance', async () => {
    await start((p) => serviceView('web', p, { policy: 'p2c' }));
    await Promise.all(Array.from({ length: 60 }, () => fetch(url('/svc/web/')).then((r) => r.text())));
    for (const i of instances) expect(i.total()).toBeGreaterThan(5);
  });

  it('hash: one session key always reaches the same instance, keys spread over all', async () => {
    await start((p) =>
      serviceView('web', p, { policy: 'hash', hashKey: { header: 'x-session', cookie: 'sid' } }),
    );
    const owners = new Set<string>();
    for (let k = 0; k < 10; k++)
      owners.add(await (await fetch(url('/svc/web/'), { headers: { 'x-session': 'alice' } })).text());
    expect(owners.size).toBe(1);
    const byCookie = await (await fetch(url('/svc/web/'), { headers: { cookie: 'a=1; sid=alice' } })).text();
    expect(byCookie).toBe([...owners][0]);
    const all = new Set<string>();
    for (let k = 0; k < 60; k++)
      all.add(await (await fetch(url('/svc/web/'), { headers: { 'x-session': `user-${k}` } })).text());
    expect(all.size).toBe(3);
  });

  it('forwards method, path, query, headers and body, and returns the answer with its headers', async () => {
    let seen: { method?: string; url?: string; header?: string; body?: string } = {};
    const echo = await instanceServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen = { method: req.method, url: req.url, header: req.headers['x-test'] as string, body };
        res.writeHead(201, { 'x-answer': 'yes', connection: 'keep-alive' }).end('made');
      });
    });
    instances = [echo];
    head.services = [serviceView('echo', [echo.port])];
    broker = await startBroker({
      listen: '127.0.0.1:0',
      head: { socketPath: head.socketPath },
      stateDir: join(head.dir, 'sessions'),
      log: () => {},
    });
    await until(broker.table, 'change', () => broker.table.get('echo') !== undefined);
    const r = await fetch(url('/svc/echo/a/b?c=1&d=2'), {
      method: 'POST',
      headers: { 'x-test': 't' },
      body: 'hello',
    });
    expect(r.status).toBe(201);
    expect(r.headers.get('x-answer')).toBe('yes');
    expect(await r.text()).toBe('made');
    expect(seen).toEqual({ method: 'POST', url: '/a/b?c=1&d=2', header: 't', body: 'hello' });
    await fetch(url('/svc/echo?q=1'));
    expect(seen.url).toBe('/?q=1');
  });

  it('answers 404 (JSON) for a service it does not know, and for a service the head removed', async () => {
    await start((p) => serviceView('web', p));
    const r = await fetch(url('/svc/nope/x'));
    expect(r.status).toBe(404);
    expect(((await r.json()) as { message: string }).message).toBe('no service nope');
    head.send({ t: 'removed', name: 'web' });
    await until(broker.table, 'change', () => broker.table.get('web') === undefined);
    expect((await fetch(url('/svc/web/x'))).status).toBe(404);
  });

  it("follows the head's updates, and opens the stream again when it ends", async () => {
    await start((p) => serviceView('web', p, { policy: 'round-robin' }));
    head.set(serviceView('web', [instances[0]!.port], { policy: 'round-robin' }));
    await until(broker.table, 'change', () => broker.table.get('web')!.instances.length === 1);
    for (let k = 0; k < 6; k++) await (await fetch(url('/svc/web/'))).text();
    expect(instances.map((i) => i.total())).toEqual([6, 0, 0]);
    head.services = [serviceView('api', [instances[1]!.port])];
    head.endStreams();
    await until(
      broker.table,
      'change',
      () => broker.table.get('api') !== undefined && !broker.table.get('web'),
    );
    expect(head.watches).toBe(2);
    expect(await (await fetch(url('/svc/api/'))).text()).toBe(String(instances[1]!.port));
  });

  it('opens the stream again when the head says nothing for the ping timeout', async () => {
    instances = [];
    broker = await startBroker({
      listen: '127.0.0.1:0',
      head: { socketPath: head.socketPath },
      stateDir: join(head.dir, 'sessions'),
      pingTimeoutMs: 300,
      log: () => {},
    });
    await until(head.events, 'watch', () => head.watches >= 2);
  });
});
