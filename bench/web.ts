// The web view's reads on a head with a long history (not a timed test: it prints figures).
//   npm run bench:web [-- --jobs 100000]
// A head database with 100,000 jobs of 200 users (95% finished, 3,000 of them in the last hour,
// 5% queued), then a real head on it with --web-listen, logged in through `drover web login`, and
// the pages' requests over HTTP: the jobs table (first page, a user's jobs, a name search, sorted by
// name, a deep page, queued jobs), one job, and the overview. Prints the median and 95th percentile
// of 30 requests each; then the jobs page loaded in Chromium (playwright-core) until its table's
// first row shows, ten times.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { JobSpec } from '../core/job-spec-types.js';
import { openStore } from '../head/db/store.js';
import { registerFeatures } from '../head/features.js';
import { submitJob } from '../head/jobs/submit-job.js';
import { launchBrowser } from '../test/helpers/browser.js';
import { makeSchedNode, makeSpec } from '../test/helpers/records.js';
import { resources } from '../test/helpers/requests.js';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '100000' } } });
const JOBS = Number(values.jobs);
const ROOT = resolve(import.meta.dirname, '../..');
const USERS = 200;
const ONE_CPU = resources('ncpus=1');

function spec(i: number): JobSpec {
  return makeSpec({
    name: `job-${i % 997}-${i}`,
    resources: ONE_CPU,
    user: `user${i % USERS}`,
    submitHost: 'bench',
  });
}

/** A head database with JOBS jobs, most of them finished. */
function fill(home: string): number {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const store = openStore(join(home, 'head.db'), join(ROOT, 'migrations'));
  registerFeatures(store);
  store.meta.set('server_name', 'bench');
  const node = [makeSchedNode('n1')];
  const ctx = { store, server: 'bench', nodes: () => node };
  const t0 = performance.now();
  store.transaction(() => {
    for (let i = 0; i < JOBS; i++) {
      const r = submitJob(ctx, spec(i));
      if (!r.ok) throw new Error(r.error.message);
    }
  });
  const now = Date.now();
  store.db.exec(`UPDATE jobs SET state = 'F', row = json_set(row, '$.state', 'F') WHERE seq % 20 != 0`);
  store.db
    .prepare(
      `INSERT INTO job_events (seq, at, type, data) SELECT seq, ? - (seq % 3600) * 1000, 'finished', '{"attempt":1}'
       FROM jobs WHERE state = 'F' AND seq % 30 = 1`,
    )
    .run(now);
  const ms = performance.now() - t0;
  store.db.close();
  return ms;
}

async function startHead(home: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'dist/cli/drover.js'), 'head', '--home', home, '--web-listen', `127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let log = '';
  await new Promise<void>((res, rej) => {
    child.stdout!.on('data', (d: Buffer) => {
      log += d;
      if (log.includes('"head ready"')) res();
    });
    child.once('exit', (code) => rej(new Error(`head exited ${code}: ${log}`)));
  });
  return child;
}

async function time(label: string, url: string, cookie: string): Promise<void> {
  const ms: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    const res = await fetch(url, { headers: { cookie } });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${label}: ${res.status} ${body}`);
    ms.push(performance.now() - t);
    bytes = body.length;
  }
  ms.sort((a, b) => a - b);
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!.toFixed(1);
  console.log(
    `  ${label.padEnd(44)} median ${q(0.5).padStart(6)} ms   p95 ${q(0.95).padStart(6)} ms   ${bytes} bytes`,
  );
}

/** The jobs page in Chromium: from navigation to its table's first row on screen. */
async function firstRender(base: string, cookie: string): Promise<void> {
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const [name, value] = cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: base }]);
    const page = await context.newPage();
    const ms: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      await page.goto(`${base}/web/jobs`);
      await page.waitForSelector('table.jobs tbody tr');
      ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    console.log(
      `  ${'jobs page in Chromium, navigation to first row'.padEnd(44)} median ${ms[5]!.toFixed(1).padStart(6)} ms   max ${ms[9]!.toFixed(1).padStart(6)} ms   (target: under 1 s)`,
    );
  } finally {
    await browser.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'drover-bench-web-'));
let head: ChildProcess | undefined;
try {
  const home = join(dir, 'home');
  console.log(`Drover web view benchmark: ${JOBS.toLocaleString('en')} jobs in the head's history`);
  console.log(`  filling the database: ${(fill(home) / 1000).toFixed(1)} s`);
  const port = 20000 + (process.pid % 20000);
  head = await startHead(home, port);
  const url = execFileSync(process.execPath, [join(ROOT, 'dist/cli/drover.js'), 'web', 'login'], {
    env: { ...process.env, DROVER_HOME: home },
    encoding: 'utf8',
  }).trim();
  const login = await fetch(url, { redirect: 'manual' });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const base = `http://127.0.0.1:${port}`;
  await time('jobs table, first page (50, newest first)', `${base}/v1/web/jobs`, cookie);
  await time("one user's jobs", `${base}/v1/web/jobs?user=user17`, cookie);
  await time('name search (substring)', `${base}/v1/web/jobs?name=job-42-`, cookie);
  await time('sorted by name', `${base}/v1/web/jobs?sort=name&dir=asc`, cookie);
  await time('page 1,000 of 50', `${base}/v1/web/jobs?page=1000`, cookie);
  await time('queued jobs only', `${base}/v1/web/jobs?state=Q`, cookie);
  await time('one job (qstat -f record, history)', `${base}/v1/web/jobs/${JOBS - 5}.bench`, cookie);
  await time('overview (counts, queues, hour of throughput)', `${base}/v1/web/overview`, cookie);
  await firstRender(base, cookie);
} finally {
  if (head?.pid) {
    head.kill('SIGTERM');
    await new Promise((r) => head!.once('exit', r));
  }
  if (process.env.KEEP_DB) console.log(`  kept ${join(dir, 'home', 'head.db')}`);
  else rmSync(dir, { recursive: true, force: true });
}
