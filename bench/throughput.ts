// Throughput benchmark against a real local head (not a timed test: it prints figures).
//   npm run bench -- [--jobs 1000] [--ncpus 16] [--history 10000]
// Prints: API and qsub submissions/s, time until all jobs finished and jobs/s, qstat latency
// with --history finished jobs, and qsub/qstat whole-process times beside `node -e 0`.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '1000' },
    ncpus: { type: 'string', default: '16' },
    history: { type: 'string', default: '10000' },
    'qsub-jobs': { type: 'string', default: '100' },
  },
});
const N = Number(values.jobs);
const HISTORY = Number(values.history);
const home = mkdtempSync(join(tmpdir(), 'drover-bench-'));
process.env.DROVER_HOME = join(home, 'state');
const { api } = await import('./api.js');
const { makeBenchSpec } = await import('./spec.js');

const now = () => performance.now();
const fmt = (n: number, d = 1) => n.toFixed(d);

async function startHead(): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'dist/cli/drover.js'),
      'head',
      '--local',
      '--acl-roots',
      'root@*',
      '--local-ncpus',
      String(values.ncpus),
    ],
    {
      env: { ...process.env, DROVER_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  for (;;) {
    const r = await api('GET', '/v1/server').catch(() => undefined);
    if (r?.ok) return child;
    await new Promise((res) => setTimeout(res, 100));
  }
}

async function submitMany(count: number, spec: object, concurrency = 16): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        const r = await api<{ id: string }>('POST', '/v1/jobs', { spec });
        if (!r.ok) throw new Error(r.error.message);
        ids.push(r.body.id);
      }
    }),
  );
  return ids;
}

async function waitFinished(ids: string[]): Promise<void> {
  const want = new Set(ids);
  for (;;) {
    const r = await api<{ jobs: { id: string; state: string }[] }>('POST', '/v1/jobs/query', {
      history: true,
    });
    if (!r.ok) throw new Error(r.error.message);
    const left = r.body.jobs.filter((j) => want.has(j.id) && j.state !== 'F').length;
    if (left === 0) return;
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Mean wall time of a command over `runs` runs, in ms. */
function timeCommand(cmd: string, args: string[], runs = 15): number {
  const env = { ...process.env, PATH: `${join(ROOT, 'bin')}:${process.env.PATH}` };
  execFileSync(cmd, args, { env, stdio: 'ignore' });
  const t0 = now();
  for (let i = 0; i < runs; i++) execFileSync(cmd, args, { env, stdio: 'ignore' });
  return (now() - t0) / runs;
}

const head = await startHead();
try {
  const spec = makeBenchSpec(home);
  console.log(
    `Drover throughput benchmark: ${N} trivial jobs (/bin/true), local node with ${values.ncpus} slots`,
  );
  let t0 = now();
  const ids = await submitMany(N, spec);
  const submitSecs = (now() - t0) / 1000;
  console.log(`  API submissions/s:            ${fmt(N / submitSecs)} (${N} in ${fmt(submitSecs, 2)} s)`);
  await waitFinished(ids);
  const allSecs = (now() - t0) / 1000;
  console.log(`  time until all finished:      ${fmt(allSecs, 2)} s from the first submission`);
  console.log(`  jobs/s end to end:            ${fmt(N / allSecs)}`);

  const qn = Number(values['qsub-jobs']);
  t0 = now();
  const env = { ...process.env, PATH: `${join(ROOT, 'bin')}:${process.env.PATH}` };
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let i = 0; i < qn / 4; i++) {
        await new Promise<void>((res, rej) =>
          spawn('qsub', ['-z', '--', '/bin/true'], { env, stdio: 'ignore', cwd: home }).on('exit', (c) =>
            c === 0 ? res() : rej(new Error(`qsub ${c}`)),
          ),
        );
      }
    }),
  );
  console.log(
    `  qsub command submissions/s:   ${fmt(qn / ((now() - t0) / 1000))} (${qn} qsub processes, 4 at a time)`,
  );

  const held = { ...spec, hold: true };
  const extra = Math.max(0, HISTORY - N - qn);
  const hids = await submitMany(extra, held);
  for (let i = 0; i < hids.length; i += 500) {
    await api('POST', '/v1/jobs/delete', { operands: hids.slice(i, i + 500), by: 'bench@localhost' });
  }
  console.log(`  history now holds ${N + qn + extra} finished jobs:`);
  console.log(`    qstat (no jobs shown):      ${fmt(timeCommand('qstat', []))} ms`);
  console.log(`    qstat -x (all history):     ${fmt(timeCommand('qstat', ['-x'], 5))} ms`);
  console.log(
    `    qstat -x -f -F json ONE_ID: ${fmt(timeCommand('qstat', ['-x', '-f', '-F', 'json', ids[0]!]))} ms`,
  );
  const node = timeCommand(process.execPath, ['-e', '0'], 20);
  const qstat = timeCommand('qstat', [ids[0]!.replace(/\..*/, ''), '-x'], 20);
  const qsub = timeCommand('qsub', ['-z', '-h', '--', '/bin/true'], 20);
  console.log(
    `  whole-process time: node -e 0 ${fmt(node)} ms, qstat ${fmt(qstat)} ms (${fmt(qstat / node, 2)}x), qsub ${fmt(qsub)} ms (${fmt(qsub / node, 2)}x)`,
  );
} finally {
  head.kill('SIGTERM');
  await new Promise((r) => head.once('exit', r));
  try {
    const pid = Number(execFileSync('cat', [join(home, 'state/local-node/agent.pid')]).toString());
    process.kill(pid, 'SIGTERM');
  } catch {
    // the agent is already gone
  }
  setTimeout(() => rmSync(home, { recursive: true, force: true }), 1000);
}
