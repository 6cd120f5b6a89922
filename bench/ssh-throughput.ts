// Throughput over SSH: a head with 4 compute nodes behind real sshd processes on 127.0.0.21-24
// (not a timed test: it prints figures).
//   npm run build && node dist/bench/ssh-throughput.js [--jobs 1000] [--ncpus 8] [--probes 50]
// Prints submissions/s, the time to finish N trivial jobs, jobs/s, and the dispatch latency
// (submit → started on a node) p50/p99 on an idle cluster and under the load.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stopPid, TestHead } from '../test/helpers/head.js';
import { addSshNode, makeClientKey, TestSshd } from '../test/helpers/sshd.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '1000' },
    ncpus: { type: 'string', default: '8' },
    probes: { type: 'string', default: '50' },
  },
});
const N = Number(values.jobs);
const ADDRESSES = ['127.0.0.21', '127.0.0.22', '127.0.0.23', '127.0.0.24'];
const base = mkdtempSync(join(tmpdir(), 'drover-sshbench-'));
const key = makeClientKey(base);
const sshds = ADDRESSES.map((a) => new TestSshd(a, base, key.publicKey));
const head = new TestHead({ local: false });
process.env.DROVER_HOME = head.stateDir;
const { api } = await import('./api.js');
const { makeBenchSpec } = await import('./spec.js');
const { spawnCost } = await import('./spawn-cost.js');
const fmt = (n: number, d = 1) => n.toFixed(d);
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

/** Milliseconds from the `queued` event to the agent's `started` fact of each job. */
async function dispatchLatencies(ids: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const id of ids) {
    const r = await api<{ events: { type: string; at: number }[] }>('POST', '/v1/jobs/trace', {
      operand: id,
    });
    if (!r.ok) continue;
    const q = r.body.events.find((e) => e.type === 'queued');
    const s = r.body.events.find((e) => e.type === 'started');
    if (q && s) out.push(s.at - q.at);
  }
  return out;
}

async function waitFinished(ids: string[]): Promise<void> {
  const want = new Set(ids);
  for (;;) {
    const r = await api<{ jobs: { id: string; state: string }[] }>('POST', '/v1/jobs/query', {
      history: true,
      brief: true,
    });
    if (r.ok && r.body.jobs.filter((j) => want.has(j.id) && j.state !== 'F').length === 0) return;
    await new Promise((res) => setTimeout(res, 50));
  }
}

async function submit(spec: object): Promise<string> {
  const r = await api<{ id: string }>('POST', '/v1/jobs', { spec });
  if (!r.ok) throw new Error(r.error.message);
  return r.body.id;
}

try {
  await Promise.all(sshds.map((s) => s.start()));
  await head.start();
  for (const [i, address] of ADDRESSES.entries()) {
    const r = await addSshNode(head, `b${i + 1}`, address, key.privateKey, join(base, `agent-b${i + 1}`), [
      '--ncpus',
      String(values.ncpus),
    ]);
    if (r.code !== 0) throw new Error(r.stderr);
  }
  const spec = makeBenchSpec(head.work);
  console.log(
    `Drover SSH benchmark: 4 nodes over sshd on ${ADDRESSES[0]}-${ADDRESSES[3]!.split('.')[3]}, ${values.ncpus} slots each`,
  );
  const cost = await spawnCost();
  console.log(
    `  this machine: one /bin/true spawned from Node costs ${fmt(cost.parentMs, 2)} ms CPU in the parent + ${fmt(cost.childMs, 2)} ms in the child`,
  );
  const probes: string[] = [];
  for (let i = 0; i < Number(values.probes); i++) {
    const id = await submit(spec);
    await waitFinished([id]);
    probes.push(id);
  }
  const idle = await dispatchLatencies(probes);
  console.log(
    `  dispatch latency, idle cluster (${idle.length} jobs one at a time): p50 ${fmt(pct(idle, 50))} ms, p99 ${fmt(pct(idle, 99))} ms`,
  );
  const t0 = performance.now();
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < N) {
        next += 1;
        ids.push(await submit(spec));
      }
    }),
  );
  const submitted = (performance.now() - t0) / 1000;
  await waitFinished(ids);
  const all = (performance.now() - t0) / 1000;
  console.log(`  submissions/s:            ${fmt(N / submitted)} (${N} in ${fmt(submitted, 2)} s)`);
  console.log(`  time to finish ${N} jobs: ${fmt(all, 2)} s`);
  console.log(`  jobs/s end to end:        ${fmt(N / all)}`);
  const loaded = await dispatchLatencies(ids);
  console.log(
    `  dispatch latency under load: p50 ${fmt(pct(loaded, 50))} ms, p99 ${fmt(pct(loaded, 99))} ms`,
  );
} finally {
  await head.stop();
  for (let i = 0; i < ADDRESSES.length; i++) {
    try {
      await stopPid(Number(readFileSync(join(base, `agent-b${i + 1}`, 'agent.pid'), 'utf8')));
    } catch {
      // that agent never started
    }
  }
  for (const s of sshds) await s.stop();
  rmSync(base, { recursive: true, force: true });
}
