// The link between two heads cut while both run, then the primary cut off from both the standby
// and the witness: the side without quorum never acts, and at no moment do two heads dispatch
// (the agents' own records say which epoch started each job, and when). Heads on 127.0.0.100 and
// .101, a witness on .102, nodes on .103 and .104; B reaches A, and A the witness, through
// proxies on .105 that the test cuts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaCluster } from '../helpers/ha-cluster.js';
import { waitUntil } from '../helpers/head.js';

let cluster: HaCluster;

beforeAll(async () => {
  cluster = new HaCluster({
    heads: ['127.0.0.100', '127.0.0.101'],
    witness: '127.0.0.102',
    nodes: ['127.0.0.103', '127.0.0.104'],
    proxies: '127.0.0.105',
  });
  await cluster.start();
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('a partition', () => {
  it('between the heads: the standby, without quorum, never takes over; the primary goes on alone', async () => {
    const fromA = cluster.a.daemon.log.length;
    const fromB = cluster.b.daemon.log.length;
    cluster.headLink!.cut();
    // the primary reports its standby out of sync (to the witness) before it acknowledges alone
    await cluster.a.daemon.logged('standby out of sync', 20_000, fromA);
    const alone = await cluster.submitMany(5, 'alone');
    // the standby hears nothing, asks the witness, and is refused: the primary holds the lease
    const refused = await cluster.b.daemon.logged('takeover refused by the witness', 20_000, fromB);
    expect(JSON.stringify(refused.reply)).toMatch(/lease held|not in sync/);
    const end = await cluster.allFinished(alone);
    expect(alone.filter((id) => end.get(id)?.exit !== 0)).toEqual([]);
    expect(cluster.starts().filter((s) => s.epoch !== 1)).toEqual([]);
    expect(await cluster.roleOf(cluster.b)).toBe('standby');
    // mended, the standby catches up, and the witness hears that it is in sync again (until it
    // does, it would refuse the standby a takeover)
    const fromW = cluster.witness.log.length;
    cluster.headLink!.restore();
    await cluster.a.daemon.logged('standby in sync', 30_000, fromA);
    await waitUntil(
      () => cluster.witness.log.slice(fromW).includes('"standbyInSync":true'),
      10_000,
      'the witness to hear the standby is in sync',
    );
  }, 120_000);

  it('around the primary: it stops acting before the standby takes over, and follows it when mended', async () => {
    const fromA = cluster.a.daemon.log.length;
    const fromB = cluster.b.daemon.log.length;
    const fromW = cluster.witness.log.length;
    cluster.headLink!.cut();
    cluster.witnessLink!.cut();
    const lost = await cluster.a.daemon.logged('lost the majority: no longer primary', 20_000, fromA);
    const took = await cluster.b.daemon.logged('taking over', 30_000, fromB);
    expect(took.epoch).toBe(2);
    // the old primary's lease (by its own clock) ran out before the witness granted the new one
    const granted = await cluster.witness.logged('new epoch', 5_000, fromW);
    expect(granted.epoch).toBe(2);
    expect(lost.leaseEndedAt as number).toBeLessThan(granted.time as number);
    await cluster.b.daemon.logged('head ready', 20_000, fromB);
    const after = await cluster.submitMany(5, 'after');
    const end = await cluster.allFinished(after);
    expect(after.filter((id) => end.get(id)?.exit !== 0)).toEqual([]);
    // from the agents' records: every start of epoch 1 came before the first of epoch 2
    const starts = cluster.starts();
    const firstOf2 = Math.min(...starts.filter((s) => s.epoch === 2).map((s) => s.at));
    expect(starts.filter((s) => s.epoch === 1 && s.at >= firstOf2)).toEqual([]);
    expect(cluster.notOnce(after)).toEqual([]);
    // mended: the old primary learns the new epoch from the witness and follows the new primary
    cluster.witnessLink!.restore();
    cluster.headLink!.restore();
    await cluster.a.daemon.logged('snapshot installed', 30_000, fromA);
    await waitUntil(async () => (await cluster.roleOf(cluster.a)) === 'standby', 20_000, 'A to follow B');
  }, 120_000);
});
