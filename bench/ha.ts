// What a standby head costs and buys, in one run: submissions/s through a single head
// (no HA options) against a synchronous pair (primary + standby + witness) and an asynchronous pair
// (--ha-async), the same load generator against each; the replication lag the primary reports
// under that load; and the time from the primary's SIGKILL to the first job the new primary
// dispatches. Not a timed test: it prints figures. As root, with Debian's munge and openssh-server:
//   npm run bench:ha [-- --seconds 4 --rounds 4 --clients 8]
// The load: CLIENTS concurrent submitters in this process, each sending what qsub sends
// (`POST /v1/jobs` with a MUNGE credential from a real munged and a request id) with cli/http1.ts
// over a new TCP connection per request, as a command does, but with no fork+exec of Node per
// submission (that is ~8 ms of CPU here and would dominate). The jobs are held (`qsub -h`): they
// are accepted (one SSH node makes them runnable) and nothing runs. The configurations take turns,
// ROUNDS times, so that drift of the machine is shared; everything runs on one machine (heads,
// witness, munged, sshd, agents and the load generator share its cores). Besides the rates it
// prints the CPU time each process used per submission (/proc/PID/stat) and how idle the machine
// was: on a machine whose cores are saturated the rates follow the CPU all the processes spend
// per submission, standby included, which a standby on a machine of its own would not take.
// BENCH_HA_NODE_ARGS='--cpu-prof --cpu-prof-dir=DIR' profiles the heads (those stopped by SIGTERM);
// BENCH_HA_LOGS=DIR keeps their logs.
// Addresses: single head 127.0.0.110; sync pair .111/.112; witnesses .113; async pair .114/.115;
// the node's sshd .116; a fresh sync pair for the takeover with an empty queue .117/.118.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, hostname, loadavg, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Endpoint, exchange } from '../cli/http1.js';
import type { JobSpec } from '../core/job-spec-types.js';
import { buildJobSpec } from '../core/pbs/job-spec.js';
import { parseQsubCommandLine } from '../core/pbs/qsub-command-line.js';
import { REQUEST_ID_HEADER } from '../core/protocol/request-id.js';
import { requestCredential } from '../platform/request-credential.js';
import { BIN, freePort, ROOT, type RunResult, stopPid } from '../test/helpers/head.js';
import { TestMunged } from '../test/helpers/munged.js';
import { addSshNode, makeClientKey, stopAgents, TestSshd } from '../test/helpers/sshd.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '4' },
    clients: { type: 'string', default: '8' },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CLIENTS = Number(values.clients);
const WARMUP_SECONDS = 1.5;
const LAG_SAMPLE_MS = 100;
const DROVER = join(ROOT, 'dist/cli/drover.js');
const A = (n: number) => `127.0.0.${n}`;
/** more arguments for Node in the heads and witnesses, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
 * (a head stopped with SIGTERM writes its profile; Node refuses --cpu-prof in NODE_OPTIONS) */
const NODE_ARGS = (process.env.BENCH_HA_NODE_ARGS ?? '').split(' ').filter(Boolean);
/** BENCH_HA_LOGS=DIR: keep each daemon's log there (DIR/NAME.log) */
const LOGS = process.env.BENCH_HA_LOGS;
if (LOGS) mkdirSync(LOGS, { recursive: true });

const base = mkdtempSync(join(tmpdir(), 'drover-bench-ha-'));
const clientKey = makeClientKey(base);
const haKey = join(base, 'ha.key');
writeFileSync(haKey, randomBytes(32).toString('hex'), { mode: 0o600 });

/** A daemon we started (a head or a witness); its log lines with a `msg` of interest are kept. */
class Daemon {
  child: ChildProcess | undefined;
  /** the lines logged with one of the messages we wait for, in order */
  readonly marks: { msg: string; time: number; line: Record<string, unknown> }[] = [];
  private tail = '';
  private partial = '';
  private static readonly MSGS = [
    'head ready',
    'primary',
    'standby',
    'snapshot installed',
    'taking over',
    'standby out of sync',
    'standby in sync',
    'witness ready',
  ];

  constructor(
    readonly name: string,
    private readonly args: string[],
  ) {}

  start(): void {
    const child = spawn(process.execPath, [...NODE_ARGS, DROVER, ...this.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const collect = (d: Buffer) => {
      const text = this.partial + d.toString();
      const lines = text.split('\n');
      this.partial = lines.pop()!;
      for (const l of lines) {
        const m = /"msg":"([^"]*)"/.exec(l);
        if (m && Daemon.MSGS.includes(m[1]!)) {
          const line = JSON.parse(l) as Record<string, unknown>;
          this.marks.push({ msg: m[1]!, time: line.time as number, line });
        }
      }
      this.tail = (this.tail + d.toString()).slice(-4000);
      if (LOGS) appendFileSync(join(LOGS, `${this.name}.log`), d);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The first line logged with `msg`, from mark `from` on. */
  async logged(msg: string, timeoutMs = 30_000, from = 0): Promise<{ time: number; line: object }> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = this.marks.slice(from).find((x) => x.msg === msg);
      if (m) return m;
      if (!this.running) throw new Error(`${this.name} exited:\n${this.tail}`);
      if (Date.now() > end) throw new Error(`${this.name} did not log "${msg}" in ${timeoutMs} ms`);
      await sleep(10);
    }
  }

  count(msg: string): number {
    return this.marks.filter((m) => m.msg === msg).length;
  }

  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }

  async stop(): Promise<void> {
    if (this.child?.pid && this.running) await stopPid(this.child.pid);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU time (user + system, ms) a process has used so far; this process: process.cpuUsage(). */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  if (pid === process.pid) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime, fields 14 and 15 of stat, in clock ticks (100 Hz)
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return 0;
  }
}
/** The machine's CPU time so far (/proc/stat, ticks): busy and idle (iowait counts as idle). */
function machineTicks(): { busy: number; idle: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3]! + f[4]!;
  return { busy: f.slice(0, 8).reduce((a, b) => a + b, 0) - idle, idle };
}
const daemons: Daemon[] = [];

interface Head {
  daemon: Daemon;
  home: string;
  api: Endpoint;
  ha?: string;
  agentDir: string;
}

async function head(
  name: string,
  host: string,
  ha?: { witness: string; standbyOf?: string; async: boolean; agentDir?: string },
): Promise<Head> {
  const home = join(base, `head-${name}`);
  const port = await freePort();
  const haAddress = ha ? `${host}:${await freePort()}` : undefined;
  const args = [
    'head',
    '--home',
    home,
    '--listen',
    `${host}:${port}`,
    '--munge-socket',
    process.env.DROVER_MUNGE_SOCKET!,
    '--server-name',
    // both heads of a pair are one server
    `hb${process.pid}${name.split('-')[0]}`,
    '--acl-roots',
    'root@*',
    ...(ha
      ? [
          '--ha-listen',
          haAddress!,
          '--witness',
          ha.witness,
          '--ha-key',
          haKey,
          ...(ha.standbyOf ? ['--standby-of', ha.standbyOf] : []),
          ...(ha.async ? ['--ha-async'] : []),
        ]
      : []),
  ];
  const daemon = new Daemon(name, args);
  daemons.push(daemon);
  return {
    daemon,
    home,
    api: { host, port },
    ...(haAddress ? { ha: haAddress } : {}),
    agentDir: ha?.agentDir ?? join(base, `agent-${name}`),
  };
}

/** A drover command as root on the head's own socket (a manager). */
function asAdmin(h: Head, cmd: string, args: string[]): Promise<RunResult> {
  const env = { ...process.env, DROVER_HOME: h.home, DROVER_SERVER: '', PATH: `${BIN}:${process.env.PATH}` };
  return new Promise((res) => {
    execFile(join(BIN, cmd), args, { env, cwd: base, encoding: 'utf8' }, (err, stdout, stderr) => {
      res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function addNode(h: Head, address: string): Promise<void> {
  const runner = { run: (cmd: string, args: string[]) => asAdmin(h, cmd, args) };
  const r = await addSshNode(runner as never, 'n1', address, clientKey.privateKey, h.agentDir, [
    '--ncpus',
    '1',
  ]);
  if (r.code !== 0) throw new Error(`node add on ${h.daemon.name} failed: ${r.stderr}`);
}

/** One request as a command sends it over TCP: a new connection, a MUNGE credential bound to the
 * request, a request id on POSTs. */
async function call<T>(to: Endpoint, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return callRaw<T>(to, method, path, payload);
}

async function callRaw<T>(
  to: Endpoint,
  method: 'GET' | 'POST',
  path: string,
  payload: string | undefined,
): Promise<T> {
  const auth = requestCredential(method, path, payload);
  const headers = auth.then((a) => {
    if (a.problem) throw new Error(a.problem);
    return method === 'POST' ? { ...a.headers, [REQUEST_ID_HEADER]: randomUUID() } : a.headers;
  });
  const reply = await exchange(to, method, path, headers, payload);
  const text = reply.body.toString('utf8');
  if (reply.status >= 400) throw new Error(`${method} ${path}: ${reply.status} ${text}`);
  return JSON.parse(text) as T;
}

function spec(argv: string[]): JobSpec {
  const cmdline = parseQsubCommandLine(argv);
  if (!cmdline.ok) throw new Error(cmdline.error.message);
  const s = buildJobSpec({
    cmdline: cmdline.value,
    scriptName: 'STDIN',
    env: { HOME: process.env.HOME, PATH: process.env.PATH },
    cwd: base,
    host: hostname(),
    user: userInfo().username,
    now: Math.floor(Date.now() / 1000),
    argv,
  });
  if (!s.ok) throw new Error(s.error.message);
  return s.value;
}

/** qsub -h -o /dev/null -e /dev/null -- /bin/true: accepted, never run */
const HELD = spec(['-h', '-o', '/dev/null', '-e', '/dev/null', '--', '/bin/true']);
if (HELD.hold !== true) throw new Error('qsub -h did not make a held spec');
const HELD_BODY = JSON.stringify({ spec: HELD });

interface LoadResult {
  count: number;
  ms: number;
  latencies: number[];
}

/** CLIENTS submitters, each one request at a time, for `seconds`. */
async function load(to: Endpoint, seconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < end) {
        const s = performance.now();
        const r = await callRaw<{ id: string }>(to, 'POST', '/v1/jobs', HELD_BODY);
        if (!r.id) throw new Error('a submission without a job id');
        latencies.push(performance.now() - s);
      }
    }),
  );
  return { count: latencies.length, ms: performance.now() - t0, latencies };
}

interface HaStatus {
  role: string;
  epoch: number;
  standby: { connected: boolean; lag: number; inSync: boolean } | null;
}

/** Sample the primary's `GET /v1/ha/status` until `stop()`: the standby's lag in batches. */
function sampleLag(to: Endpoint): { stop: () => Promise<{ lags: number[]; outOfSync: number }> } {
  const lags: number[] = [];
  let outOfSync = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const s = await call<HaStatus>(to, 'GET', '/v1/ha/status');
      if (s.standby) {
        lags.push(s.standby.lag);
        if (!s.standby.inSync || !s.standby.connected) outOfSync++;
      }
      await sleep(LAG_SAMPLE_MS);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { lags, outOfSync };
    },
  };
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const pct = (xs: number[], p: number) => {
  const s = sorted(xs);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * p))]! : Number.NaN;
};
const f0 = (n: number) => n.toFixed(0);
const f2 = (n: number) => n.toFixed(2);

async function jobState(to: Endpoint, id: string): Promise<string | undefined> {
  const r = await call<{ jobs: { id: string; state: string }[] }>(to, 'POST', '/v1/jobs/query', {
    operands: [id],
    history: true,
  });
  return r.jobs.find((j) => j.id === id)?.state;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The agent's journal: `started` facts (compute-agent/journal.ts), with the epoch of the head. */
function starts(agentDir: string): { jobId: string; at: number; epoch: number }[] {
  const file = join(agentDir, 'journal.jsonl');
  if (!existsSync(file)) return [];
  const out: { jobId: string; at: number; epoch: number }[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{"seq"')) continue;
    const { fact } = JSON.parse(line) as {
      fact: { kind: string; jobId: string; at: number; epoch?: number };
    };
    if (fact.kind === 'started') out.push({ jobId: fact.jobId, at: fact.at, epoch: fact.epoch ?? 0 });
  }
  return out;
}

type Pair = { name: string; async: boolean; witness: Daemon; a: Head; b: Head };

/** A witness, head A as primary, head B as its standby (once it has installed A's snapshot). */
async function startPair(name: string, async: boolean, hosts: readonly [number, number]): Promise<Pair> {
  const wAddress = `${A(113)}:${await freePort()}`;
  const witness = new Daemon(`witness-${name}`, [
    'witness',
    '--listen',
    wAddress,
    '--state-dir',
    join(base, `witness-${name}`),
    '--key',
    haKey,
  ]);
  daemons.push(witness);
  witness.start();
  await witness.logged('witness ready');
  const agentDir = join(base, `agent-${name}`);
  const a = await head(`${name}-a`, A(hosts[0]), { witness: wAddress, async, agentDir });
  a.daemon.start();
  await a.daemon.logged('head ready');
  const b = await head(`${name}-b`, A(hosts[1]), { witness: wAddress, standbyOf: a.ha!, async, agentDir });
  b.daemon.start();
  await b.daemon.logged('snapshot installed');
  return { name, async, witness, a, b };
}

async function inSync(p: Pair): Promise<void> {
  await until(`the ${p.name} standby in sync`, 20_000, async () => {
    const s = await call<HaStatus>(p.a.api, 'GET', '/v1/ha/status');
    return s.standby?.inSync && s.standby.lag === 0 ? true : undefined;
  });
}

/** The pair's node (1 CPU) busy with a job that ends once the primary is dead, a second job
 * queued behind it; SIGKILL the primary; the new primary must dispatch the second job. */
async function takeover(p: Pair, what: string): Promise<void> {
  const gate = join(base, `gate-${p.name}`);
  const blocker = await call<{ id: string }>(p.a.api, 'POST', '/v1/jobs', {
    spec: spec([
      '-o',
      '/dev/null',
      '-e',
      '/dev/null',
      '--',
      '/bin/sh',
      '-c',
      `while [ ! -e ${gate} ]; do sleep 0.02; done`,
    ]),
  });
  await until('the blocking job to run', 30_000, async () =>
    (await jobState(p.a.api, blocker.id)) === 'R' ? true : undefined,
  );
  const waiting = await call<{ id: string }>(p.a.api, 'POST', '/v1/jobs', {
    spec: spec(['-o', '/dev/null', '-e', '/dev/null', '--', '/bin/true']),
  });
  await sleep(1500);
  const before = await jobState(p.a.api, waiting.id);
  if (before !== 'Q') throw new Error(`the second job is ${before}, not Q, before the kill`);
  await inSync(p);
  const from = p.b.daemon.marks.length;
  const killedAt = Date.now();
  await p.a.daemon.kill9();
  writeFileSync(gate, '');
  const takingOver = await p.b.daemon.logged('taking over', 30_000, from);
  const ready = await p.b.daemon.logged('head ready', 30_000, from);
  const started = await until('the queued job to start under the new primary', 60_000, async () =>
    starts(p.a.agentDir).find((s) => s.jobId === waiting.id),
  );
  const seen = await until('the new primary to show the job running', 30_000, async () => {
    const st = await jobState(p.b.api, waiting.id).catch(() => undefined);
    return st === 'R' || st === 'E' || st === 'F' ? Date.now() : undefined;
  });
  const s = (t: number) => `${f2((t - killedAt) / 1000)} s`;
  console.log(
    `  ${what}: SIGKILL -> 'taking over' ${s(takingOver.time)}  -> 'head ready' ${s(ready.time)}  ` +
      `-> first dispatch ${s(started.at)} (agent's 'started', epoch ${started.epoch})  ` +
      `-> seen R/F via the new primary's API ${s(seen)}`,
  );
}

let munged: TestMunged | undefined;
const sshd = new TestSshd(A(116), base, clientKey.publicKey);
let cleaned = false;
async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  for (const d of daemons) await d.stop().catch(() => undefined);
  await stopAgents(base).catch(() => undefined);
  await sshd.stop().catch(() => undefined);
  await munged?.stop().catch(() => undefined);
  rmSync(base, { recursive: true, force: true });
}
process.on('SIGINT', () => void cleanup().finally(() => process.exit(130)));

const t00 = performance.now();
try {
  munged = await TestMunged.start();
  process.env.DROVER_MUNGE_SOCKET = munged.socket;
  await sshd.start();

  // the three configurations, each with node n1 (its own agent state dir on the one sshd)
  const single = await head('single', A(110));
  const pairs: { name: string; async: boolean; witness: Daemon; a: Head; b: Head }[] = [];
  single.daemon.start();
  for (const [name, async, hosts] of [
    ['sync', false, [111, 112]],
    ['async', true, [114, 115]],
  ] as const)
    pairs.push(await startPair(name, async, hosts));
  await single.daemon.logged('head ready');
  await Promise.all([addNode(single, A(116)), ...pairs.map((p) => addNode(p.a, A(116)))]);
  for (const p of pairs) await inSync(p);
  console.log(
    `Drover HA benchmark: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}); every process on this one machine`,
  );
  console.log(
    `  load: ${CLIENTS} concurrent in-process clients, POST /v1/jobs as qsub -h sends it (MUNGE credential, new TCP connection per request), ` +
      `${ROUNDS} rounds of ${SECONDS} s per configuration, taking turns (after ${WARMUP_SECONDS} s of warm-up each)`,
  );
  console.log(`  (set-up took ${f2((performance.now() - t00) / 1000)} s)`);

  const configs = [
    {
      name: 'single',
      api: single.api,
      pair: undefined,
      procs: { head: single.daemon } as Record<string, Daemon>,
    },
    ...pairs.map((p) => ({
      name: p.name,
      api: p.a.api,
      pair: p,
      procs: { primary: p.a.daemon, standby: p.b.daemon, witness: p.witness } as Record<string, Daemon>,
    })),
  ];
  /** CPU ms per process of each configuration, and of the shared ones, over its measured rounds */
  const cpu = new Map(configs.map((c) => [c.name, new Map<string, number>()]));
  /** the whole machine's busy and idle ticks during each configuration's rounds */
  const idle = new Map(configs.map((c) => [c.name, { busy: 0, idle: 0 }]));
  const shared = (): Record<string, number | undefined> => ({
    munged: munged!.pid,
    'load generator': process.pid,
  });
  const cpuNow = (c: (typeof configs)[number]) =>
    new Map(
      [
        ...Object.entries(c.procs).map(([k, d]) => [k, d.child?.pid] as const),
        ...Object.entries(shared()),
      ].map(([k, pid]) => [k, cpuMs(pid)]),
    );
  console.log(
    `  load average before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  for (const c of configs) await load(c.api, WARMUP_SECONDS);
  const results = new Map<
    string,
    { count: number; ms: number; latencies: number[]; lags: number[]; oos: number }
  >(configs.map((c) => [c.name, { count: 0, ms: 0, latencies: [], lags: [], oos: 0 }]));
  for (let round = 1; round <= ROUNDS; round++) {
    const line: string[] = [];
    for (const c of configs) {
      const sampler = c.pair ? sampleLag(c.api) : undefined;
      const cpu0 = cpuNow(c);
      const m0 = machineTicks();
      const r = await load(c.api, SECONDS);
      const m1 = machineTicks();
      idle.set(c.name, {
        busy: idle.get(c.name)!.busy + m1.busy - m0.busy,
        idle: idle.get(c.name)!.idle + m1.idle - m0.idle,
      });
      const lag = await sampler?.stop();
      const used = cpu.get(c.name)!;
      for (const [k, v] of cpuNow(c)) used.set(k, (used.get(k) ?? 0) + v - cpu0.get(k)!);
      const acc = results.get(c.name)!;
      acc.count += r.count;
      acc.ms += r.ms;
      acc.latencies.push(...r.latencies);
      if (lag) {
        acc.lags.push(...lag.lags);
        acc.oos += lag.outOfSync;
      }
      line.push(`${c.name} ${f0(r.count / (r.ms / 1000))}`);
    }
    console.log(`  round ${round}: submissions/s  ${line.join('  ')}`);
  }
  const rate = (n: string) => results.get(n)!.count / (results.get(n)!.ms / 1000);
  const s1 = rate('single');
  console.log(
    `submissions/s  single ${f0(s1)}  sync pair ${f0(rate('sync'))} (x${f2(rate('sync') / s1)})  ` +
      `async pair ${f0(rate('async'))} (x${f2(rate('async') / s1)})   [target: sync pair >= x0.70]`,
  );
  for (const c of configs) {
    const r = results.get(c.name)!;
    console.log(
      `  ${c.name.padEnd(6)} ${String(r.count).padStart(6)} submissions, latency p50 ${f2(pct(r.latencies, 0.5))} ms  p99 ${f2(pct(r.latencies, 0.99))} ms`,
    );
    const per = [...cpu.get(c.name)!];
    const total = per.reduce((n, [, ms]) => n + ms, 0);
    const used = [...per.map(([k, ms]) => `${k} ${f2(ms / r.count)}`), `all ${f2(total / r.count)}`];
    const m = idle.get(c.name)!;
    console.log(
      `         CPU ms per submission: ${used.join(', ')}; the machine was ${f0((100 * m.idle) / (m.busy + m.idle))} % idle`,
    );
  }
  for (const p of pairs) {
    const r = results.get(p.name)!;
    const oos = p.a.daemon.count('standby out of sync');
    console.log(
      `replication lag (${p.name}, batches, GET /v1/ha/status on the primary every ${LAG_SAMPLE_MS} ms, ${r.lags.length} samples): ` +
        `median ${pct(r.lags, 0.5)}  max ${Math.max(...r.lags)}` +
        (r.oos || oos ? `  (standby reported out of sync in ${r.oos} samples, ${oos} times in the log)` : ''),
    );
  }

  // the takeover, with the other heads stopped: a fresh sync pair (an empty queue), then the
  // loaded sync pair (its database holds the held jobs submitted above)
  for (const p of pairs.filter((x) => x.name !== 'sync')) {
    await p.a.daemon.stop();
    await p.b.daemon.stop();
    await p.witness.stop();
  }
  await single.daemon.stop();
  console.log('takeover (sync pairs; node n1 with 1 CPU, busy until the kill; a job queued behind):');
  const fresh = await startPair('fresh', false, [117, 118]);
  await addNode(fresh.a, A(116));
  await inSync(fresh);
  await takeover(fresh, 'fresh pair, empty queue');
  await fresh.b.daemon.stop();
  await fresh.witness.stop();
  const loaded = pairs.find((x) => x.name === 'sync')!;
  await takeover(loaded, `loaded pair, over ${results.get('sync')!.count} held jobs`);
  console.log(
    '  (defaults: --ha-heartbeat 0.5 s, --ha-lease 3 s, --ha-takeover 4 s: the standby waits 4 s of silence before it asks the witness)',
  );
  console.log(
    `  load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `note: ${cpus().length}-core VM; the heads, standby, witnesses, munged, sshd, agents and the load generator share it. ` +
      `Run took ${f2((performance.now() - t00) / 1000)} s.`,
  );
} finally {
  await cleanup();
}
