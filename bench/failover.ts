// How long failure handling takes with the default settings (heartbeat 1 s, node timeout 10 s):
// a job runs on one of two SSH nodes (real sshd on 127.0.0.25-26); its agent is paused with
// SIGSTOP; the figures are the time until the node is down, until the job is fenced and
// requeued, and until it runs again on the other node (not a timed test: it prints figures).
//   npm run build && node dist/bench/failover.js [--rounds 3]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stopPid, TestHead } from '../test/helpers/head.js';
import { addSshNode, makeClientKey, TestSshd } from '../test/helpers/sshd.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const ROUNDS = Number(values.rounds);
const ADDRESSES = ['127.0.0.25', '127.0.0.26'];
const base = mkdtempSync(join(tmpdir(), 'drover-failbench-'));
const key = makeClientKey(base);
const sshds = ADDRESSES.map((a) => new TestSshd(a, base, key.publicKey));
const head = new TestHead({ local: false, killDelay: 1 });
process.env.DROVER_HOME = head.stateDir;
const { api } = await import('./api.js');
const agentPid = (i: number) => Number(readFileSync(join(base, `agent-x${i + 1}`, 'agent.pid'), 'utf8'));

type Event = { type: string; at: number; node?: string };
async function events(id: string): Promise<Event[]> {
  const r = await api<{ events: Event[] }>('POST', '/v1/jobs/trace', { operand: id });
  return r.ok ? r.body.events : [];
}

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const rows: number[][] = [];
try {
  await Promise.all(sshds.map((s) => s.start()));
  await head.start();
  for (const [i, address] of ADDRESSES.entries()) {
    const r = await addSshNode(head, `x${i + 1}`, address, key.privateKey, join(base, `agent-x${i + 1}`), [
      '--ncpus',
      '1',
    ]);
    if (r.code !== 0) throw new Error(r.stderr);
  }
  console.log(
    'Drover failover benchmark: defaults (heartbeat 1 s, node timeout 10 s), 2 SSH nodes, SIGSTOP of the agent',
  );
  for (let round = 0; round < ROUNDS; round++) {
    const id = await head.submit(['--', '/bin/sleep', '600']);
    const node = await until(
      async () =>
        (await events(id)).find((e) => e.type === 'started') &&
        (await events(id)).find((e) => e.type === 'run')?.node,
    );
    const i = node === 'x1' ? 0 : 1;
    const t0 = Date.now();
    process.kill(agentPid(i), 'SIGSTOP');
    const down = await until(async () => {
      const r = await api<{ nodes: { name: string; state: string }[] }>('GET', '/v1/nodes');
      return r.ok && r.body.nodes.find((n) => n.name === node)?.state.includes('down')
        ? Date.now()
        : undefined;
    });
    const again = await until(async () => {
      const ev = await events(id);
      return ev.filter((e) => e.type === 'started').length >= 2 ? ev : undefined;
    });
    const fenced = again.find((e) => e.type === 'fenced')!.at;
    const requeued = again.find((e) => e.type === 'requeued')!.at;
    const restarted = again.filter((e) => e.type === 'started')[1]!.at;
    rows.push([down - t0, fenced - t0, requeued - t0, restarted - t0]);
    console.log(
      `  round ${round + 1}: node down after ${((down - t0) / 1000).toFixed(2)} s, fenced after ${((fenced - t0) / 1000).toFixed(2)} s, ` +
        `requeued after ${((requeued - t0) / 1000).toFixed(2)} s, running again on the other node after ${((restarted - t0) / 1000).toFixed(2)} s`,
    );
    process.kill(agentPid(i), 'SIGCONT');
    await head.run('qdel', [id]);
    await until(async () => {
      const r = await api<{ nodes: { name: string; state: string }[] }>('GET', '/v1/nodes');
      return r.ok && r.body.nodes.every((n) => !n.state.includes('down')) ? true : undefined;
    });
  }
  const mean = (k: number) => (rows.reduce((n, r) => n + r[k]!, 0) / rows.length / 1000).toFixed(2);
  console.log(
    `  mean: down ${mean(0)} s, fenced ${mean(1)} s, requeued ${mean(2)} s, running again ${mean(3)} s`,
  );
} finally {
  await head.stop();
  for (let i = 0; i < ADDRESSES.length; i++) {
    try {
      process.kill(agentPid(i), 'SIGCONT');
      await stopPid(agentPid(i));
    } catch {
      // that agent never started
    }
  }
  for (const s of sshds) await s.stop();
  rmSync(base, { recursive: true, force: true });
}
