// A standby head taking over from a primary SIGKILLed while 200 submissions are in flight from
// four clients and jobs run on two SSH nodes: two heads (127.0.0.86, .87), a witness (.88),
// nodes on .90 and .91, the commands over TCP with MUNGE naming both heads.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaCluster } from '../helpers/ha-cluster.js';
import { waitUntil } from '../helpers/head.js';

let cluster: HaCluster;

beforeAll(async () => {
  cluster = new HaCluster({
    heads: ['127.0.0.86', '127.0.0.87'],
    witness: '127.0.0.88',
    nodes: ['127.0.0.90', '127.0.0.91'],
  });
  await cluster.start();
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

const jobs = () => cluster.jobs();

describe('a standby head', () => {
  it('takes over within 10 s from a SIGKILLed primary: every acknowledged job exists and runs once, running jobs go on', async () => {
    const gate = join(cluster.base, 'long.gate');
    const long: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await cluster.run('qsub', [
        '-N',
        `long${i}`,
        '--',
        '/bin/sh',
        '-c',
        `while [ ! -e ${gate} ]; do sleep 0.1; done`,
      ]);
      expect(r.code, r.stderr).toBe(0);
      long.push(r.stdout.trim());
    }
    await waitUntil(
      async () => {
        const j = await jobs();
        return long.every((id) => j.get(id)?.state === 'R');
      },
      30_000,
      'the long jobs to run',
    );

    let acknowledged = 0;
    const refused: string[] = [];
    const client = async (c: number) => {
      const ids: string[] = [];
      for (let i = 0; i < 50; i++) {
        const r = await cluster.run('qsub', ['-N', `c${c}j${i}`, '--', '/bin/true']);
        if (r.code === 0) {
          ids.push(r.stdout.trim());
          acknowledged++;
        } else refused.push(`${r.code}: ${r.stderr}`);
      }
      return ids;
    };
    const clients = [0, 1, 2, 3].map(client);
    await waitUntil(() => acknowledged >= 60, 120_000, '60 acknowledged submissions');
    const from = cluster.b.daemon.log.length;
    const killedAt = Date.now();
    await cluster.a.daemon.kill9();
    const ready = await cluster.b.daemon.logged('head ready', 20_000, from);
    const takeoverMs = (ready.time as number) - killedAt;
    expect(takeoverMs).toBeLessThan(10_000);

    const ids = (await Promise.all(clients)).flat();
    expect(refused).toEqual([]);
    expect(ids).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
    writeFileSync(gate, '');
    const all = [...ids, ...long];
    const end = await waitUntil(
      async () => {
        const j = await jobs();
        return all.every((id) => j.get(id)?.state === 'F') ? j : undefined;
      },
      180_000,
      'every job to finish',
    );
    // exactly the acknowledged jobs exist: none lost, none made twice by a retried submission
    expect([...end.keys()].sort()).toEqual([...all].sort());
    expect(all.filter((id) => end.get(id)?.exit !== 0)).toEqual([]);
    // each ran once, as its first attempt, whichever head sent it; the long jobs were not interrupted
    const starts = cluster.starts();
    const count = new Map<string, number>();
    for (const s of starts) count.set(s.jobId, (count.get(s.jobId) ?? 0) + 1);
    expect(all.filter((id) => count.get(id) !== 1)).toEqual([]);
    expect(starts.filter((s) => s.attempt !== 1)).toEqual([]);
    expect(starts.filter((s) => long.includes(s.jobId)).map((s) => s.epoch)).toEqual([1, 1]);
    expect(starts.some((s) => s.epoch === 2)).toBe(true);
    // tracejob tells of the takeover
    const trace = await cluster.run('tracejob', [long[0]!]);
    expect(trace.stdout).toMatch(/took over as primary \(epoch 2\)/);
  }, 400_000);
});
