// Brokers end to end, failures: a real head with SSH nodes a1 (127.0.0.52, zone a) and b1
// (127.0.0.53, zone b), services whose instances run there as jobs, and two `drover broker`
// processes (zones a and b) over head.sock. An instance SIGKILLed under load costs no idempotent
// call and no non-idempotent call is sent twice, and it comes back as a new attempt at a new
// address; an instance stopped with SIGSTOP is taken out by the health checks and let back in
// slowly after SIGCONT; a broker SIGKILLed during a durable batch finishes it once restarted.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Answer,
  type BrokerProcess,
  call,
  type InstanceStats,
  tally,
  ZoneCluster,
} from '../helpers/broker-cluster.js';
import { waitUntil } from '../helpers/head.js';

let zc: ZoneCluster;

beforeAll(async () => {
  zc = await ZoneCluster.start('brokers-failures', ['127.0.0.52', '127.0.0.53']);
});

afterAll(async () => {
  await zc?.stop();
});

const stop = async (name: string) =>
  expect((await zc.head.run('drover', ['service', 'stop', name])).code).toBe(0);
const both = () => [zc.brokers.a, zc.brokers.b];
const instance = (l: InstanceStats[], id: string) => l.find((i) => i.id === id);

/** The instance's attempt and address, as `drover service status --json` gives them. */
async function statusOf(service: string, id: string): Promise<{ attempt: number; address?: string }> {
  const status = JSON.parse((await zc.head.run('drover', ['service', 'status', service, '--json'])).stdout);
  return (status.instances as { id: string; attempt: number; address?: string }[]).find((i) => i.id === id)!;
}

interface Result extends Answer {
  id: string;
  post: boolean;
}

/** Callers at both brokers, alternating GET /?ms=5 and POST /count (each with its own x-id), until `done()`. */
function load(service: string, perBroker: number, done: () => boolean) {
  const results: Result[] = [];
  let next = 0;
  const worker = async (broker: BrokerProcess) => {
    while (!done()) {
      const id = `c${next++}`;
      const post = next % 2 === 0;
      const init = post ? { method: 'POST', headers: { 'x-id': id }, body: id } : {};
      results.push({
        id,
        post,
        ...(await call(broker, `/svc/${service}/${post ? 'count' : ''}?ms=5`, init)),
      });
    }
  };
  const workers = both().flatMap((b) => Array.from({ length: perBroker }, () => worker(b)));
  return { results, finished: Promise.all(workers) };
}

describe('brokers and failures', () => {
  it('an instance SIGKILLed under load: no GET fails, no POST twice, and it comes back at a new address', async () => {
    const up = await zc.service('kil', 3, [
      '--health',
      '/health',
      '--retries',
      '2',
      '--max-concurrency',
      '8',
    ]);
    const old = instance(up, 'kil.1')!;
    const oldPid = zc.pid('kil', 1);
    const before = await statusOf('kil', 'kil.1');
    let returned = false;
    const { results, finished } = load('kil', 4, () => returned);
    try {
      await waitUntil(
        () => results.filter((r) => r.instance === '1').length >= 20,
        30_000,
        'kil.1 to answer',
      );
      process.kill(oldPid, 'SIGKILL');
      const moved = (l: InstanceStats[]) => {
        const i = instance(l, 'kil.1');
        return i !== undefined && `${i.host}:${i.port}` !== `${old.host}:${old.port}`;
      };
      // the load goes on until both brokers know the new attempt and it has served calls
      for (const broker of both()) await broker.instances('kil', moved, 'kil.1 at a new address', 60_000);
      // (a broker prefers the instances of its own zone: the new kil.1 may serve at one broker only)
      await waitUntil(
        async () => {
          const served = await Promise.all(
            both().map(async (b) => instance((await b.stats()).kil!.instances, 'kil.1')),
          );
          return served.some((i) => i!.served > 0);
        },
        30_000,
        'calls to the new kil.1',
      );
    } finally {
      returned = true;
      await finished;
    }
    expect(zc.pid('kil', 1)).not.toBe(oldPid);

    const gets = results.filter((r) => !r.post);
    const posts = results.filter((r) => r.post);
    console.info(
      `kil: ${gets.length} GETs, ${posts.length} POSTs (${posts.filter((p) => p.status !== 200).length} not 200), by instance ${JSON.stringify(tally(results))}`,
    );
    expect(gets.filter((r) => r.status !== 200)).toEqual([]);
    const times = new Map<string, number>();
    for (const [id] of zc.counted('kil')) times.set(id!, (times.get(id!) ?? 0) + 1);
    expect([...times.entries()].filter(([, n]) => n > 1)).toEqual([]);
    for (const p of posts) {
      if (p.status === 200) expect([p.id, times.get(p.id)]).toEqual([p.id, 1]);
      else expect([p.id, p.status]).toEqual([p.id, 502]);
    }
    // the same job, a new attempt, where the brokers now send its calls
    const atBroker = instance((await zc.brokers.a.stats()).kil!.instances, 'kil.1')!;
    expect(await statusOf('kil', 'kil.1')).toMatchObject({
      attempt: before.attempt + 1,
      address: `${atBroker.host}:${atBroker.port}`,
    });
    await stop('kil');
  });

  it('an instance SIGSTOPped is taken out by the health checks, and let back in slowly after SIGCONT', async () => {
    // all in zone a, so that both brokers use all three (a broker prefers its own zone's)
    await zc.service('hc', 3, [
      '--health',
      '/health',
      '--max-concurrency',
      '8',
      '--select',
      '1:ncpus=1:zone=a',
    ]);
    const pid = zc.pid('hc', 2);
    const health = (ok: boolean) => (l: InstanceStats[]) => instance(l, 'hc.2')!.healthy === ok;
    const burst = (broker: BrokerProcess) =>
      Promise.all(
        Array.from({ length: 8 }, async () => {
          const out: Answer[] = [];
          for (let k = 0; k < 6; k++) out.push(await call(broker, '/svc/hc/?ms=5'));
          return out;
        }),
      ).then((l) => l.flat());
    process.kill(pid, 'SIGSTOP');
    try {
      for (const broker of both()) await broker.instances('hc', health(false), 'hc.2 unhealthy', 40_000);
      for (const broker of both()) {
        const served = instance((await broker.stats()).hc!.instances, 'hc.2')!.served;
        const answers = await burst(broker);
        expect(answers.every((a) => a.status === 200)).toBe(true);
        expect(tally(answers)['2']).toBeUndefined();
        expect(instance((await broker.stats()).hc!.instances, 'hc.2')!.served).toBe(served);
      }
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const back = await zc.brokers.a.instances('hc', health(true), 'hc.2 healthy again', 30_000);
    expect(instance(back, 'hc.2')!.weight).toBeLessThan(0.5);
    const early = tally(await burst(zc.brokers.a));
    expect(early['2'] ?? 0).toBeLessThan(Math.min(early['0']!, early['1']!) / 2);
    // slow start is a matter of time (10 s): the weight grows to 1, and hc.2 takes its share
    await zc.brokers.a.instances('hc', (l) => instance(l, 'hc.2')!.weight === 1, 'hc.2 at full weight');
    const late = tally(await burst(zc.brokers.a));
    expect(late['2']).toBeGreaterThan(Math.min(late['0']!, late['1']!) / 3);
    await stop('hc');
  });

  it('a broker SIGKILLed during a durable batch of 1,000 requests: restarted, one response each', async () => {
    await zc.service('ses', 2, ['--max-concurrency', '4']);
    const file = join(zc.dir, 'batch.jsonl');
    const ids = Array.from({ length: 1000 }, (_, i) => `r${i}`);
    const line = (id: string, i: number) =>
      i % 2 ? { id, path: '/?ms=10' } : { id, method: 'POST', path: '/count?ms=10', body: id };
    writeFileSync(file, `${ids.map((id, i) => JSON.stringify(line(id, i))).join('\n')}\n`);
    let broker = zc.brokers.b;
    const sent = await zc.head.run('drover', ['call', 'ses', '--batch', file, '--broker', broker.url]);
    expect(sent).toMatchObject({ code: 0, stderr: '' });
    const session = sent.stdout.trim();
    // until 200 are done: the broker holds each answer until a response beyond `done` is there
    for (let done = 0; done < 200; ) {
      const r = await fetch(`${broker.url}/sessions/${session}?from=${done}&limit=1000&wait=30`);
      done = ((await r.json()) as { done: number }).done;
    }
    await broker.kill9();
    const atKill = new Set(zc.counted('ses').map(([id]) => id)).size;
    expect(atKill).toBeLessThan(500);

    broker = zc.brokers.b = await broker.restart();
    const collected = await zc.head.run('drover', [
      'call',
      '--collect',
      session,
      '--wait',
      '--broker',
      broker.url,
    ]);
    expect(collected.code).toBe(0);
    expect(collected.stderr).toBe(`drover: session ${session}: 1000 of 1000 done, 0 failed\n`);
    const responses = collected.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { id: string; status: number; body: string });
    expect(responses).toHaveLength(1000);
    expect(new Set(responses.map((r) => r.id))).toEqual(new Set(ids));
    expect(responses.filter((r) => r.status !== 200 || !['0', '1'].includes(r.body))).toEqual([]);
    // every POST reached an instance; only those in flight at the kill may have reached one twice
    const times = new Map<string, number>();
    for (const [id] of zc.counted('ses')) times.set(id!, (times.get(id!) ?? 0) + 1);
    const twice = [...times.values()].filter((n) => n > 1).length;
    console.info(`ses: ${atKill} POSTs reached an instance before the kill, ${twice} sent again after it`);
    expect(times.size).toBe(500);
    expect(twice).toBeLessThanOrEqual(8); // the service's capacity: 2 instances × 4
    await stop('ses');
  });
});
