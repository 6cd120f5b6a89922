// Planned switchover and back, then a primary paused with SIGSTOP past the takeover time and
// resumed: two heads (127.0.0.94, .95), a witness (.96), SSH nodes on .97 and .98.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaCluster } from '../helpers/ha-cluster.js';
import { waitUntil } from '../helpers/head.js';

let cluster: HaCluster;

beforeAll(async () => {
  cluster = new HaCluster({
    heads: ['127.0.0.94', '127.0.0.95'],
    witness: '127.0.0.96',
    nodes: ['127.0.0.97', '127.0.0.98'],
  });
  await cluster.start();
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('a pair of heads', () => {
  it('switches over and back on request: nothing lost, a running job goes on', async () => {
    const gate = join(cluster.base, 'switch.gate');
    const long = await cluster.submit([
      '-N',
      'long',
      '--',
      '/bin/sh',
      '-c',
      `while [ ! -e ${gate} ]; do sleep 0.1; done`,
    ]);
    const before = await cluster.submitMany(10, 'before');
    await waitUntil(
      async () => (await cluster.jobs()).get(long)?.state === 'R',
      30_000,
      'the long job to run',
    );
    const there = await cluster.asAdmin(cluster.a, 'drover', ['ha', 'switchover']);
    expect(there.stdout, there.stderr).toMatch(new RegExp(`${cluster.b.ha} is primary \\(epoch 2\\)`));
    expect(await cluster.roleOf(cluster.b)).toBe('primary');
    await waitUntil(async () => (await cluster.roleOf(cluster.a)) === 'standby', 20_000, 'A to follow B');
    const during = await cluster.submitMany(10, 'during');
    const back = await cluster.asAdmin(cluster.b, 'drover', ['ha', 'switchover']);
    expect(back.stdout, back.stderr).toMatch(new RegExp(`${cluster.a.ha} is primary \\(epoch 3\\)`));
    await waitUntil(async () => (await cluster.roleOf(cluster.b)) === 'standby', 20_000, 'B to follow A');
    const after = await cluster.submitMany(10, 'after');
    writeFileSync(gate, '');
    const all = [long, ...before, ...during, ...after];
    const end = await cluster.allFinished(all);
    expect([...end.keys()].sort()).toEqual([...all].sort());
    expect(all.filter((id) => end.get(id)?.exit !== 0)).toEqual([]);
    expect(cluster.notOnce(all)).toEqual([]);
  }, 200_000);

  it('a primary paused past the takeover changes nothing when it wakes, steps down and follows', async () => {
    const epochBefore = Math.max(...(await cluster.status()).map((s) => s.status?.epoch ?? 0));
    // jobs that come due while the primary is paused: the new primary runs them, the old one must not
    const due = new Date(Date.now() + 8_000);
    const stamp = `${String(due.getHours()).padStart(2, '0')}${String(due.getMinutes()).padStart(2, '0')}.${String(due.getSeconds()).padStart(2, '0')}`;
    const later = await Promise.all(
      Array.from({ length: 6 }, (_, i) => cluster.submit(['-N', `due${i}`, '-a', stamp, '--', '/bin/true'])),
    );
    const fromA = cluster.a.daemon.log.length;
    const fromB = cluster.b.daemon.log.length;
    cluster.a.daemon.signal('SIGSTOP');
    const took = await cluster.b.daemon.logged('taking over', 20_000, fromB);
    expect(took.epoch).toBe(epochBefore + 1);
    await cluster.b.daemon.logged('head ready', 20_000, fromB);
    // the due jobs run under the new primary while the old one is still paused
    const end = await cluster.allFinished(later, 60_000);
    cluster.a.daemon.signal('SIGCONT');
    // awake, the old primary learns of the newer epoch and follows the new primary
    await cluster.a.daemon.logged('snapshot installed', 30_000, fromA);
    expect(await cluster.roleOf(cluster.a)).toBe('standby');
    // from the agents' records: the old epoch started nothing after the takeover
    const starts = cluster.starts();
    const takeoverAt = took.time as number;
    expect(starts.filter((s) => s.epoch === epochBefore && s.at > takeoverAt)).toEqual([]);
    expect(starts.filter((s) => later.includes(s.jobId)).map((s) => s.epoch)).toEqual(
      later.map(() => epochBefore + 1),
    );
    expect(later.filter((id) => end.get(id)?.exit !== 0)).toEqual([]);
    expect(cluster.notOnce(later)).toEqual([]);
    // and the pair works on: a job submitted now runs once
    const next = await cluster.submit(['--', '/bin/true']);
    await cluster.allFinished([next]);
    expect(cluster.notOnce([next])).toEqual([]);
  }, 200_000);
});
