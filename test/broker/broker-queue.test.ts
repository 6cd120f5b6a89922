// Capacity: each instance takes at most maxConcurrency calls at once; more wait in the broker's
// FIFO queue and go to whichever instance frees a slot first; a call that waits too long, or finds
// the queue full, gets 503 with Retry-After.

import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Broker } from '../../broker/main.js';
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

/** An instance that holds every call until the test releases it; counts its peak concurrency. */
async function holdingInstance() {
  const held: { call: string; res: ServerResponse }[] = [];
  let open = 0;
  const state = { held, peak: 0, order: [] as string[] };
  const inst = await instanceServer((req, res) => {
    req.resume();
    state.peak = Math.max(state.peak, ++open);
    state.order.push(req.headers['x-call'] as string);
    res.on('finish', () => open--);
    held.push({ call: req.headers['x-call'] as string, res });
  });
  const release = (n = 1) => {
    for (const h of held.splice(0, n)) h.res.end(`done ${h.call} at ${inst.port}`);
  };
  return { inst, state, release };
}

let head: FakeHead;
let broker: Broker;
let instances: TestInstance[] = [];

async function start(view: ServiceView, maxBody?: number) {
  head.services = [view];
  broker = await brokerOf(head, view.name, maxBody ? { maxBody } : {});
}

const call = (k: number | string, init: RequestInit = {}) =>
  fetch(`http://127.0.0.1:${broker.port}/svc/q/`, { ...init, headers: { 'x-call': String(k) } });

/** Ask /stats until the service has `n` calls queued (each ask waits for the broker's answer). */
async function queued(n: number): Promise<void> {
  for (;;) {
    const s = (await (await fetch(`http://127.0.0.1:${broker.port}/stats`)).json()) as {
      services: Record<string, { queued: number }>;
    };
    if (s.services.q!.queued === n) return;
  }
}

beforeEach(async () => {
  head = await fakeHead();
});

afterEach(async () => {
  await broker?.close();
  await Promise.all(instances.map((i) => i.close()));
  await head.close();
});

describe('capacity and the queue', () => {
  it('never gives an instance more than maxConcurrency calls; the rest wait in order', async () => {
    const h = await holdingInstance();
    instances = [h.inst];
    await start(serviceView('q', [h.inst.port], { maxConcurrency: 2 }));
    const answers: Promise<Response>[] = [];
    for (let k = 0; k < 5; k++) {
      answers.push(call(k));
      if (k < 2) await until(h.inst.server, 'request', () => h.state.order.length === k + 1);
      else await queued(k - 1);
    }
    expect(h.state.held.length).toBe(2);
    for (let k = 2; k < 5; k++) {
      h.release();
      await until(h.inst.server, 'request', () => h.state.order.length === k + 1);
    }
    h.release(5);
    const texts = await Promise.all(answers.map(async (a) => (await a).text()));
    expect(texts.map((t) => t.split(' ')[1])).toEqual(['0', '1', '2', '3', '4']);
    expect(h.state.order).toEqual(['0', '1', '2', '3', '4']);
    expect(h.state.peak).toBe(2);
  });

  it('a waiting call goes to the instance that frees a slot first', async () => {
    const a = await holdingInstance();
    const b = await holdingInstance();
    instances = [a.inst, b.inst];
    await start(serviceView('q', [a.inst.port, b.inst.port], { maxConcurrency: 1 }));
    const first = [call('a0'), call('b0')];
    await until(a.inst.server, 'request', () => a.state.held.length + b.state.held.length === 2);
    expect([a.state.held.length, b.state.held.length]).toEqual([1, 1]);
    const waiting = call('w');
    await queued(1);
    b.release();
    await until(b.inst.server, 'request', () => b.state.held.length === 1);
    expect(b.state.held[0]!.call).toBe('w');
    a.release();
    b.release();
    expect((await waiting).status).toBe(200);
    await Promise.all(first);
  });

  it('answers 503 with Retry-After to a call that waited longer than queue.timeoutMs', async () => {
    const h = await holdingInstance();
    instances = [h.inst];
    await start(serviceView('q', [h.inst.port], { maxConcurrency: 1, queue: { max: 10, timeoutMs: 300 } }));
    const busy = call('busy');
    await until(h.inst.server, 'request', () => h.state.held.length === 1);
    const t0 = Date.now();
    const late = await call('late');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    expect(late.status).toBe(503);
    expect(late.headers.get('retry-after')).toBe('1');
    expect(((await late.json()) as { message: string }).message).toMatch(
      /no instance was free within 300 ms/,
    );
    expect(h.state.order).toEqual(['busy']);
    h.release();
    expect((await busy).status).toBe(200);
  });

  it('sheds at once a call that finds the queue full', async () => {
    const h = await holdingInstance();
    instances = [h.inst];
    await start(serviceView('q', [h.inst.port], { maxConcurrency: 1, queue: { max: 1, timeoutMs: 10_000 } }));
    const busy = call('busy');
    await until(h.inst.server, 'request', () => h.state.held.length === 1);
    const waiting = call('waiting');
    await queued(1);
    const t0 = Date.now();
    const shed = await call('shed');
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toBe('10');
    const withBody = await call('shed-body', { method: 'POST', body: 'x'.repeat(100) });
    expect(withBody.status).toBe(503);
    h.release();
    await until(h.inst.server, 'request', () => h.state.held.length === 1);
    h.release();
    expect((await busy).status).toBe(200);
    expect((await waiting).status).toBe(200);
    const stats = (await (await fetch(`http://127.0.0.1:${broker.port}/stats`)).json()) as {
      services: Record<string, { shed: number; served: number }>;
    };
    expect(stats.services.q).toMatchObject({ shed: 2, served: 2 });
  });

  it('a caller that goes away leaves the queue, or has its call aborted, without counting against the instance', async () => {
    const h = await holdingInstance();
    instances = [h.inst];
    await start(serviceView('q', [h.inst.port], { maxConcurrency: 1 }));
    const first = new AbortController();
    const second = new AbortController();
    // both end in an AbortError: caught at once
    const answers = [
      call('first', { signal: first.signal }).catch(() => undefined),
      call('second', { signal: second.signal }).catch(() => undefined),
    ];
    await until(h.inst.server, 'request', () => h.state.held.length === 1);
    await queued(1);
    second.abort();
    await queued(0);
    const gone = new Promise((r) => h.state.held[0]!.res.on('close', r));
    first.abort();
    await gone;
    await Promise.all(answers);
    const third = call('third');
    await until(h.inst.server, 'request', () => h.state.order.length === 2);
    h.release(2);
    expect((await third).status).toBe(200);
    expect(h.state.order).toEqual(['first', 'third']);
    const s = broker.table.get('q')!;
    expect([s.failed, s.instances[0]!.failed, s.instances[0]!.liveness.ejections]).toEqual([0, 0, 0]);
  });

  it('refuses a body larger than the limit with 413', async () => {
    const inst = await instanceServer();
    instances = [inst];
    await start(serviceView('q', [inst.port]), 1000);
    const big = await call('big', { method: 'POST', body: 'x'.repeat(2000) });
    expect(big.status).toBe(413);
    const ok = await call('ok', { method: 'POST', body: 'x'.repeat(900) });
    expect(ok.status).toBe(200);
  });
});
