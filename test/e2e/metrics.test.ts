// GET /metrics of a real head (drover head --metrics-listen, --metrics-token-file) over real HTTP:
// the counters, gauges and histograms change by exactly what three jobs did, a scrape without
// the bearer token is refused, and no label carries a job id.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ROOT, TestHead, waitUntil } from '../helpers/head.js';

const TOKEN = 'metrics-token-for-the-test';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format's samples (comments skipped). */
function parse(text: string): Sample[] {
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const m = /^([\w:]+)(?:\{(.*)\})? (\S+)$/.exec(l);
      if (!m) throw new Error(`not a sample: ${l}`);
      const labels = Object.fromEntries(
        [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!]),
      );
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
}

/** One sample's value (0 when the scrape has none). */
function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const s = samples.find(
    (x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v),
  );
  return s?.value ?? 0;
}

let head: TestHead;
let url: string;
/** the token files */
const dir = mkdtempSync(join(tmpdir(), 'drover-metrics-'));
beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.120:${port}/metrics`;
  const tokenFile = join(dir, 'metrics.token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  head = new TestHead({
    ncpus: 2,
    killDelay: 1,
    extraArgs: ['--metrics-listen', `127.0.0.120:${port}`, '--metrics-token-file', tokenFile],
  });
  await head.start();
});
afterAll(async () => {
  await head?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function scrape(): Promise<Sample[]> {
  const r = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(await r.text());
}

describe('GET /metrics', () => {
  it('refuses a scrape without the bearer token with the coded error', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Bearer wrong' },
      { authorization: TOKEN },
    ]) {
      const r = await fetch(url, { headers });
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await r.json()).toMatchObject({ statusCode: 401, code: 'BAD_CREDENTIAL' });
    }
    const other = await fetch(url.replace('/metrics', '/v1/jobs'));
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('counts an ok job, a failing one and one deleted while held, exactly', async () => {
    const before = await scrape();
    const ok = await head.submit(['--', '/bin/true']);
    const bad = await head.submit([], 'exit 3\n');
    const held = await head.submit(['-h'], 'true\n');
    await head.waitState(ok, 'F');
    await head.waitState(bad, 'F');
    const whileHeld = await scrape();
    expect(sampleValue(whileHeld, 'drover_jobs', { state: 'H', queue: 'workq' })).toBe(1);
    expect((await head.run('qdel', [held])).code).toBe(0);
    await head.waitState(held, 'F');
    // the ended counter follows the commit that made the job F
    const after = await waitUntil(
      async () => {
        const s = await scrape();
        const ended = sampleValue(s, 'drover_jobs_ended_total', { exit_class: 'deleted' });
        return ended > sampleValue(before, 'drover_jobs_ended_total', { exit_class: 'deleted' })
          ? s
          : undefined;
      },
      5000,
      'the deleted job counted',
    );
    const delta = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(delta('drover_jobs_submitted_total', { queue: 'workq' })).toBe(3);
    expect(delta('drover_jobs_started_total')).toBe(2);
    expect(delta('drover_jobs_ended_total', { exit_class: 'ok' })).toBe(1);
    expect(delta('drover_jobs_ended_total', { exit_class: 'failed' })).toBe(1);
    expect(delta('drover_jobs_ended_total', { exit_class: 'deleted' })).toBe(1);
    for (const c of ['killed', 'limit', 'system', 'requeued'])
      expect(delta('drover_jobs_ended_total', { exit_class: c })).toBe(0);
    expect(delta('drover_job_wait_seconds_count')).toBe(2);
    expect(delta('drover_job_run_seconds_count')).toBe(2);
    expect(delta('drover_dispatch_latency_seconds_count')).toBe(2);
    expect(delta('drover_scheduler_pass_seconds_count')).toBeGreaterThan(0);
    expect(sampleValue(after, 'drover_jobs', { state: 'H', queue: 'workq' })).toBe(0);
    expect(sampleValue(after, 'drover_nodes', { state: 'free' })).toBe(1);
    expect(sampleValue(after, 'drover_node_cpus', { kind: 'total' })).toBe(2);
    expect(sampleValue(after, 'drover_node_fencing_total', { outcome: 'software' })).toBe(0);
    expect(sampleValue(after, 'drover_ssh_reconnects_total')).toBe(0);
    expect(after.some((s) => s.name === 'drover_process_resident_memory_bytes')).toBe(true);

    // bounded labels: no value of the head's own metrics names a job (its id, its number, its
    // server) or its owner (`le` is a histogram's bucket bound; Node.js's figures are prom-client's)
    const ids = [ok, bad, held];
    const values = after
      .filter((s) => !/^drover_(process|nodejs)_/.test(s.name))
      .flatMap((s) =>
        Object.entries(s.labels).flatMap(([k, v]) => (k === 'le' ? [] : [`${s.name} ${k}=${v}`])),
      );
    expect(values).toContain('drover_jobs queue=workq');
    const named = values.filter((v) => {
      const value = v.split('=')[1]!;
      return (
        ids.some((id) => value.includes(id) || value === id.split('.')[0]) ||
        value.includes(head.server) ||
        value === 'root'
      );
    });
    expect(named).toEqual([]);
  });

  it('refuses a token file every user may read', async () => {
    const file = join(dir, 'open.token');
    writeFileSync(file, `${TOKEN}\n`);
    chmodSync(file, 0o644);
    const r = await new Promise<{ code: number; stderr: string }>((res) =>
      execFile(
        process.execPath,
        [
          join(ROOT, 'dist/cli/drover.js'),
          'head',
          '--metrics-listen',
          '127.0.0.121:9310',
          '--metrics-token-file',
          file,
        ],
        { env: { ...process.env, DROVER_HOME: join(dir, 'unused') }, encoding: 'utf8' },
        (err, _out, stderr) => res({ code: typeof err?.code === 'number' ? err.code : 0, stderr }),
      ),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `drover: --metrics-token-file: ${file} is readable by every user (mode 644): chmod o-r it\n`,
    );
  });
});
