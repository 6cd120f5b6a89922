// Brokers end to end, spreading: a real head with SSH nodes a1 (127.0.0.50, zone a) and b1
// (127.0.0.51, zone b), services whose instances run there as jobs, and two `drover broker`
// processes (zones a and b) that learn them over head.sock. Calls are counted per instance from
// the instances' own answers: round robin is exact, least-outstanding even, hashing keeps a session
// key on one instance (at both brokers) and moves only the keys of an instance that goes; a broker
// sends to its own zone's instances until they are full; calls beyond capacity queue, then get 503
// with Retry-After.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, call, tally, ZoneCluster } from '../helpers/broker-cluster.js';

let zc: ZoneCluster;

beforeAll(async () => {
  zc = await ZoneCluster.start('brokers-spread', ['127.0.0.50', '127.0.0.51']);
});

afterAll(async () => {
  await zc?.stop();
});

/** `n` calls one after another. */
async function serial(n: number, send: (k: number) => Promise<Answer>): Promise<Answer[]> {
  const out: Answer[] = [];
  for (let k = 0; k < n; k++) out.push(await send(k));
  return out;
}

/** `workers` callers each making `n` calls one after another. */
async function concurrent(workers: number, n: number, send: () => Promise<Answer>): Promise<Answer[]> {
  const all = await Promise.all(Array.from({ length: workers }, () => serial(n, send)));
  return all.flat();
}

describe('brokers spread calls', () => {
  it('round robin: each instance in turn, exactly, at both brokers', async () => {
    // all three in zone a: the zone-b broker has no instance of its own zone and uses them all
    await zc.service('rr', 3, ['--policy', 'round-robin', '--select', '1:ncpus=1:zone=a']);
    for (const broker of [zc.brokers.a, zc.brokers.b]) {
      const answers = await serial(30, () => call(broker, '/svc/rr/'));
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect(tally(answers)).toEqual({ 0: 10, 1: 10, 2: 10 });
      const order = answers.map((a) => a.instance);
      expect(order.slice(3)).toEqual(order.slice(0, -3)); // the same turn every three calls
    }
    expect((await zc.head.run('drover', ['service', 'stop', 'rr'])).code).toBe(0);
  });

  it('least outstanding: concurrent calls spread about evenly', async () => {
    await zc.service('lo', 3, ['--select', '1:ncpus=1:zone=b', '--max-concurrency', '4']);
    const answers = await concurrent(6, 25, () => call(zc.brokers.a, '/svc/lo/?ms=10'));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const counts = tally(answers);
    expect(Object.keys(counts).sort()).toEqual(['0', '1', '2']);
    // 150 calls over 3: each instance within ±30 % of 50
    for (const n of Object.values(counts)) expect(Math.abs(n - 50)).toBeLessThanOrEqual(15);
    expect((await zc.head.run('drover', ['service', 'stop', 'lo'])).code).toBe(0);
  });

  it('hash: a session key stays on one instance; scaled down, only the gone instance’s keys move', async () => {
    await zc.service('hs', 4, ['--hash-header', 'x-session', '--select', '1:ncpus=1:zone=a']);
    const keys = Array.from({ length: 60 }, (_, k) => `user-${k}`);
    const where = async () => {
      const at = new Map<string, string>();
      for (const key of keys) {
        const headers = { 'x-session': key };
        const seen = new Set<string | null>();
        for (const broker of [zc.brokers.a, zc.brokers.b, zc.brokers.a]) {
          const a = await call(broker, '/svc/hs/', { headers });
          expect(a.status).toBe(200);
          seen.add(a.instance);
        }
        expect([key, seen.size]).toEqual([key, 1]); // every call, at either broker, to one instance
        at.set(key, [...seen][0]!);
      }
      return at;
    };
    const before = await where();
    const onThree = keys.filter((k) => before.get(k) === '3');
    expect(onThree.length).toBeGreaterThan(0);
    expect(new Set(before.values())).toEqual(new Set(['0', '1', '2', '3']));

    expect((await zc.head.run('drover', ['service', 'scale', 'hs', '3'])).code).toBe(0);
    const three = (l: { id: string }[]) => l.length === 3 && !l.some((i) => i.id === 'hs.3');
    await zc.brokers.a.instances('hs', three, 'hs.3 gone');
    await zc.brokers.b.instances('hs', three, 'hs.3 gone');
    const after = await where();
    for (const key of keys) {
      if (before.get(key) === '3') expect(['0', '1', '2']).toContain(after.get(key));
      else expect([key, after.get(key)]).toEqual([key, before.get(key)]);
    }

    // its job deleted (qdel), hs.1 goes too: only its keys move
    const status = JSON.parse((await zc.head.run('drover', ['service', 'status', 'hs', '--json'])).stdout);
    const job = (status.instances as { id: string; jobId: string }[]).find((i) => i.id === 'hs.1')!.jobId;
    expect((await zc.head.run('qdel', [job])).code).toBe(0);
    const two = (l: { id: string }[]) => l.map((i) => i.id).join() === 'hs.0,hs.2';
    await zc.brokers.a.instances('hs', two, 'hs.1 gone');
    await zc.brokers.b.instances('hs', two, 'hs.1 gone');
    const last = await where();
    expect(keys.filter((k) => after.get(k) === '1').length).toBeGreaterThan(0);
    for (const key of keys) {
      if (after.get(key) === '1') expect(['0', '2']).toContain(last.get(key));
      else expect([key, last.get(key)]).toEqual([key, after.get(key)]);
    }
    expect((await zc.head.run('drover', ['service', 'stop', 'hs'])).code).toBe(0);
  });

  it('zone preference: a broker sends to its own zone’s instances until they are full', async () => {
    const up = await zc.service('zp', 4, ['--zone-spread', '--max-concurrency', '2']);
    const zoneOf = new Map(up.map((i) => [i.id.split('.')[1]!, i.zone]));
    expect([...zoneOf.values()].sort()).toEqual(['a', 'a', 'b', 'b']);
    for (const [zone, broker] of Object.entries(zc.brokers)) {
      const answers = await serial(20, () => call(broker, '/svc/zp/'));
      expect(answers.map((a) => zoneOf.get(a.instance!))).toEqual(Array(20).fill(zone));
    }
    // 8 slow calls at once at the zone-b broker: its two instances take 2 each, zone a the rest
    const burst = await Promise.all(Array.from({ length: 8 }, () => call(zc.brokers.b, '/svc/zp/?ms=1500')));
    expect(burst.every((a) => a.status === 200)).toBe(true);
    const zones = burst.map((a) => zoneOf.get(a.instance!));
    expect(zones.filter((z) => z === 'b')).toHaveLength(4);
    expect(zones.filter((z) => z === 'a')).toHaveLength(4);
    expect((await zc.head.run('drover', ['service', 'stop', 'zp'])).code).toBe(0);
  });

  it('capacity: a call beyond it waits in the queue, and gets 503 with Retry-After after the queue timeout', async () => {
    await zc.service('cap', 1, ['--max-concurrency', '1', '--queue-timeout', '1']);
    const broker = zc.brokers.b;
    const stats = async () => (await broker.stats()).cap!;
    // one call holds the only slot for 0.6 s; the next waits for it, then is served
    const first = call(broker, '/svc/cap/?ms=600');
    await broker.until('the first call in flight', (s) => (s.cap?.inFlight === 1 ? true : undefined));
    const queued = call(broker, '/svc/cap/');
    await broker.until('a queued call', (s) => (s.cap?.queued === 1 ? true : undefined));
    const [a, b] = await Promise.all([first, queued]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.ms).toBeGreaterThan(300);
    // the slot held for 4 s: the waiting call is refused after the 1 s timeout, long before
    const long = call(broker, '/svc/cap/?ms=4000');
    await broker.until('the long call in flight', (s) => (s.cap?.inFlight === 1 ? true : undefined));
    const refused = await call(broker, '/svc/cap/');
    expect(refused).toMatchObject({ status: 503, instance: null, retryAfter: '1' });
    expect(refused.ms).toBeGreaterThanOrEqual(900);
    expect(refused.ms).toBeLessThan(3000);
    expect(await stats()).toMatchObject({ inFlight: 1, queued: 0, shed: 1 });
    expect((await long).status).toBe(200);
    expect((await zc.head.run('drover', ['service', 'stop', 'cap'])).code).toBe(0);
  });
});
