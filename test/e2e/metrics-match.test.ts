// GET /metrics of a real head agrees with the commands: a steady cluster (jobs held, waiting for
// their time, queued in a stopped second queue, a held array, two running `sleep` on the local
// node, one finished) is scraped over real HTTP, the text parsed by parse-prometheus-text-format,
// and at the same moment qstat -Q, qstat -B, qstat -t -f and pbsnodes -a (all -F json) are asked:
// jobs by state and queue, node states, CPUs and memory allocated and in total must be the same.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSize } from '../../core/pbs/size.js';
import { freePort, TestHead } from '../helpers/head.js';

type Labels = Record<string, string>;

let head: TestHead;
let url: string;
beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.121:${port}/metrics`;
  head = new TestHead({
    ncpus: 4,
    mem: '2gb',
    killDelay: 1,
    extraArgs: ['--metrics-listen', `127.0.0.121:${port}`],
  });
  await head.start();
});
afterAll(async () => {
  await head?.stop();
});

/** One metric's samples as `labels → value`, from the real parser. */
async function scrape(): Promise<Map<string, { labels: Labels; value: number }[]>> {
  const r = await fetch(url);
  expect(r.status).toBe(200);
  const families = parsePrometheusTextFormat(await r.text());
  return new Map(
    families.map((f) => [f.name, f.metrics.map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) }))]),
  );
}

/** `qstat`/`pbsnodes` with `-F json`, which must succeed. */
async function json(cmd: string, args: string[]): Promise<Record<string, Record<string, unknown>>> {
  const r = await head.run(cmd, [...args, '-F', 'json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

const WORDS: Record<string, string> = {
  Transit: 'T',
  Queued: 'Q',
  Held: 'H',
  Waiting: 'W',
  Running: 'R',
  Exiting: 'E',
  Begun: 'B',
};

/** `Transit:0 Queued:2 …` → `{ T: 0, Q: 2, … }` */
function stateCount(text: unknown): Record<string, number> {
  return Object.fromEntries(
    String(text)
      .trim()
      .split(/\s+/)
      .map((pair) => {
        const [word, n] = pair.split(':');
        return [WORDS[word!]!, Number(n)];
      }),
  );
}

/** `{ "state queue": n }` without the zeros, so that a missing count and a 0 compare equal. */
function nonZero(entries: [string, number][]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, n] of entries) if (n !== 0) out[key] = (out[key] ?? 0) + n;
  return out;
}

const bytes = (v: unknown): number => (v === undefined ? 0 : parseSize(String(v))!.bytes);
const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

describe('GET /metrics against qstat and pbsnodes', () => {
  it('shows the jobs, nodes, CPUs and memory that the commands show at the same moment', async () => {
    for (const c of ['create queue second', 'set queue second enabled = True']) {
      expect(await head.run('qmgr', ['-c', c])).toMatchObject({ code: 0 });
    }
    // started = False: its jobs stay queued
    expect(await head.run('qmgr', ['-c', 'set queue second started = False'])).toMatchObject({
      code: 0,
    });
    const done = await head.submit(['--', '/bin/true']);
    await head.waitState(done, 'F');
    const running = [
      await head.submit(['-l', 'select=1:ncpus=2:mem=256mb', '--', '/bin/sleep', '60']),
      await head.submit(['-l', 'select=1:ncpus=1:mem=128mb', '--', '/bin/sleep', '60']),
    ];
    for (let i = 0; i < 3; i++) await head.submit(['-h', '--', '/bin/true']);
    await head.submit(['-h', '-J', '1-3', '--', '/bin/true']);
    // a start time a day away: W
    const later = new Date(Date.now() + 86_400_000);
    const at = `${String(later.getMonth() + 1).padStart(2, '0')}${String(later.getDate()).padStart(2, '0')}0000`;
    await head.submit(['-a', at, '--', '/bin/true']);
    for (let i = 0; i < 2; i++) await head.submit(['-q', 'second', '--', '/bin/true']);
    for (const id of running) await head.waitState(id, 'R');

    // nothing changes from here on: the sleeps run for a minute, the rest wait
    const metrics = await scrape();
    const queues = (await json('qstat', ['-Q', '-f'])).Queue as Record<string, Record<string, unknown>>;
    const server = Object.values((await json('qstat', ['-B', '-f'])).Server!)[0] as Record<string, unknown>;
    const jobs = (await json('qstat', ['-t', '-f'])).Jobs as Record<string, Record<string, unknown>>;
    const nodes = Object.values(
      (await json('pbsnodes', ['-a'])).nodes as Record<string, Record<string, unknown>>,
    );
    const sample = (name: string, labels: Labels) =>
      metrics.get(name)?.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

    // jobs: the gauge by state and queue, qstat -Q's state_count per queue, qstat -t -f's jobs
    // (subjobs, not their array's parent: `B`), and qstat -B's state_count for the server
    const gauge = nonZero(
      (metrics.get('drover_jobs') ?? []).map((s) => [`${s.labels.state} ${s.labels.queue}`, s.value]),
    );
    // a held array's subjobs wait as Q behind their held parent (qstat -t shows them so)
    expect(gauge).toEqual({ 'R workq': 2, 'H workq': 3, 'Q workq': 3, 'W workq': 1, 'Q second': 2 });
    const byQueue = nonZero(
      Object.entries(queues).flatMap(([q, attrs]) =>
        Object.entries(stateCount(attrs.state_count)).map(([st, n]): [string, number] => [`${st} ${q}`, n]),
      ),
    );
    expect(byQueue).toEqual(gauge);
    for (const [q, attrs] of Object.entries(queues)) {
      const inGauge = sum(Object.entries(gauge).flatMap(([k, n]) => (k.endsWith(` ${q}`) ? [n] : [])));
      expect(attrs.total_jobs, `total_jobs of ${q}`).toBe(inGauge);
    }
    const listed = nonZero(
      Object.values(jobs)
        .filter((j) => j.array !== 'True' && j.array !== true)
        .map((j) => [`${j.job_state} ${j.queue}`, 1]),
    );
    expect(listed).toEqual(gauge);
    const byState = nonZero((metrics.get('drover_jobs') ?? []).map((s) => [s.labels.state!, s.value]));
    expect(nonZero(Object.entries(stateCount(server.state_count)))).toEqual(byState);
    expect(server.total_jobs).toBe(sum(Object.values(byState)));

    // nodes: the first word of each state, and the sums of what pbsnodes shows per node
    const states = nonZero(nodes.map((n) => [String(n.state).split(',')[0]!, 1]));
    expect(nonZero((metrics.get('drover_nodes') ?? []).map((s) => [s.labels.state!, s.value]))).toEqual(
      states,
    );
    const available = nodes.map((n) => n.resources_available as Record<string, unknown>);
    const assigned = nodes.map((n) => (n.resources_assigned ?? {}) as Record<string, unknown>);
    const cpus = {
      total: sum(available.map((r) => Number(r.ncpus))),
      allocated: sum(assigned.map((r) => Number(r.ncpus ?? 0))),
    };
    expect(cpus).toEqual({ total: 4, allocated: 3 });
    expect(sample('drover_node_cpus', { kind: 'total' })).toBe(cpus.total);
    expect(sample('drover_node_cpus', { kind: 'allocated' })).toBe(cpus.allocated);
    const mem = {
      total: sum(available.map((r) => bytes(r.mem))),
      allocated: sum(assigned.map((r) => bytes(r.mem))),
    };
    expect(mem).toEqual({ total: 2 * 2 ** 30, allocated: 384 * 2 ** 20 });
    expect(sample('drover_node_memory_bytes', { kind: 'total' })).toBe(mem.total);
    expect(sample('drover_node_memory_bytes', { kind: 'allocated' })).toBe(mem.allocated);
    const gpus = {
      total: sum(available.map((r) => Number(r.ngpus ?? 0))),
      allocated: sum(assigned.map((r) => Number(r.ngpus ?? 0))),
    };
    expect(sample('drover_node_gpus', { kind: 'total' })).toBe(gpus.total);
    expect(sample('drover_node_gpus', { kind: 'allocated' })).toBe(gpus.allocated);

    expect(states).toEqual({ free: 1 });
    // and the state held: the running jobs are still running
    for (const id of running) expect(await head.state(id)).toBe('R');

    // a node marked offline (its jobs go on) is counted as pbsnodes shows it
    const name = Object.keys((await json('pbsnodes', ['-a'])).nodes!)[0]!;
    expect(await head.run('pbsnodes', ['-o', name])).toMatchObject({ code: 0 });
    const marked = Object.values(
      (await json('pbsnodes', ['-a'])).nodes as Record<string, Record<string, unknown>>,
    ).map((n): [string, number] => [String(n.state).split(',')[0]!, 1]);
    expect(nonZero(marked)).toEqual({ offline: 1 });
    const after = await scrape();
    expect(nonZero((after.get('drover_nodes') ?? []).map((s) => [s.labels.state!, s.value]))).toEqual(
      nonZero(marked),
    );
  }, 30_000);
});

describe('a head without the web view', () => {
  it('answers drover web login with how to turn it on', async () => {
    expect(await head.run('drover', ['web', 'login'])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'drover: this head serves no web view: start it with --web-listen HOST:PORT (or --listen HOST:PORT --web)\n',
    });
  });
});
