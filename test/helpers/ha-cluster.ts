// A pair of heads with a witness, for the standby tests: a real munged (the commands reach the
// heads over TCP with MUNGE), a witness process, head A started as primary and head B as its
// standby (each with its own home and addresses), and real sshd nodes added through A. Every
// process is stopped by its PID; each head's log is kept in memory (and in /tmp/drover-test-logs).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, freePort, prepareAgentDir, ROOT, type RunResult, stopPid, waitUntil } from './head.js';
import { TestMunged } from './munged.js';
import { addSshNode, makeClientKey, stopAgents, TestSshd } from './sshd.js';
import { TcpProxy } from './tcp-proxy.js';
import { writeKeyFile } from './witness.js';

const LOGS = '/tmp/drover-test-logs';
const DROVER = join(ROOT, 'dist/cli/drover.js');

/** A daemon we started, its output collected. */
export class Daemon {
  log = '';
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;

  constructor(
    readonly name: string,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    const child = spawn(process.execPath, [DROVER, ...this.args], {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((r) => child.once('exit', () => r()));
    mkdirSync(LOGS, { recursive: true });
    const file = join(LOGS, `${this.name}.log`);
    const collect = (d: Buffer) => {
      this.log += d.toString();
      appendFileSync(file, d);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
  }

  /** Resolve once the daemon has logged a line with `msg` (after `from` characters of its log). */
  async logged(msg: string, timeoutMs = 20_000, from = 0): Promise<Record<string, unknown>> {
    return waitUntil(
      () => {
        if (!this.running) throw new Error(`${this.name} exited:\n${this.log.slice(-3000)}`);
        const line = this.log
          .slice(from)
          .split('\n')
          .find((l) => l.includes(`"msg":"${msg}"`));
        return line ? (JSON.parse(line) as Record<string, unknown>) : undefined;
      },
      timeoutMs,
      `${this.name} to log "${msg}"`,
    );
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) this.child!.kill(sig);
  }

  async kill9(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    const pid = this.pid;
    if (pid && this.running) {
      this.signal('SIGCONT');
      await stopPid(pid);
    }
  }
}

export interface Start {
  node: string;
  jobId: string;
  attempt: number;
  at: number;
  epoch: number;
}

export interface HaHead {
  daemon: Daemon;
  home: string;
  /** its API (http://HOST:PORT) and its HA address (HOST:PORT) */
  api: string;
  ha: string;
}

export interface HaClusterOptions {
  /** the addresses: two heads, the witness, the nodes */
  heads: [string, string];
  witness: string;
  nodes: string[];
  /** more arguments for both heads */
  headArgs?: string[];
  /** B reaches A's HA address, and A the witness, through proxies the test controls (on this address) */
  proxies?: string;
}

export class HaCluster {
  readonly base: string;
  readonly key: { privateKey: string; publicKey: string };
  readonly haKey: string;
  readonly server = `ha${process.pid}`;
  munged!: TestMunged;
  witness!: Daemon;
  witnessAddress = '';
  a!: HaHead;
  b!: HaHead;
  readonly sshds: TestSshd[];
  /** with `proxies`: B → A's HA address, and A → the witness */
  headLink: TcpProxy | undefined;
  witnessLink: TcpProxy | undefined;

  constructor(readonly opts: HaClusterOptions) {
    this.base = mkdtempSync(join(tmpdir(), 'drover-ha-'));
    this.key = makeClientKey(this.base);
    this.haKey = writeKeyFile(this.base, randomBytes(32).toString('hex'));
    this.sshds = opts.nodes.map((address) => new TestSshd(address, this.base, this.key.publicKey));
  }

  /** Each node's agent state directory. */
  agentDir(i: number): string {
    return join(this.base, `agent-n${i + 1}`);
  }

  /** The commands' environment: both heads, MUNGE credentials. */
  get env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      DROVER_SERVER: `${this.a.api},${this.b.api}`,
      DROVER_MUNGE_SOCKET: this.munged.socket,
      DROVER_HOME: '/nonexistent',
      // a paused head is passed over after 2 s (not the default 10)
      DROVER_REPLY_TIMEOUT: '2',
      PATH: `${BIN}:${process.env.PATH}`,
    };
  }

  async start(): Promise<void> {
    this.munged = await TestMunged.start();
    await Promise.all(this.sshds.map((s) => s.start()));
    this.witnessAddress = `${this.opts.witness}:${await freePort()}`;
    const wdir = join(this.base, 'witness');
    this.witness = new Daemon(`${this.server}-witness`, [
      'witness',
      '--listen',
      this.witnessAddress,
      '--state-dir',
      wdir,
      '--key',
      this.haKey,
    ]);
    this.witness.start();
    await this.witness.logged('witness ready');
    let witnessForA = this.witnessAddress;
    if (this.opts.proxies) {
      const [host, port] = this.witnessAddress.split(':');
      this.witnessLink = new TcpProxy(this.opts.proxies, { host: host!, port: Number(port) });
      await this.witnessLink.start();
      witnessForA = this.witnessLink.address;
    }
    this.a = await this.head('a', this.opts.heads[0], undefined, witnessForA);
    this.a.daemon.start();
    await this.a.daemon.logged('head ready');
    let primaryForB = this.a.ha;
    if (this.opts.proxies) {
      const [host, port] = this.a.ha.split(':');
      this.headLink = new TcpProxy(this.opts.proxies, { host: host!, port: Number(port) });
      await this.headLink.start();
      primaryForB = this.headLink.address;
    }
    this.b = await this.head('b', this.opts.heads[1], primaryForB);
    this.b.daemon.start();
    await this.b.daemon.logged('snapshot installed');
    for (const [i, s] of this.sshds.entries()) {
      const r = await this.addNode(i, s.address);
      if (r.code !== 0) throw new Error(`node add failed: ${r.stderr}`);
    }
  }

  private async head(
    name: string,
    host: string,
    standbyOf?: string,
    witness = this.witnessAddress,
  ): Promise<HaHead> {
    const home = join(this.base, `head-${name}`);
    const api = `${host}:${await freePort()}`;
    const ha = `${host}:${await freePort()}`;
    const args = [
      'head',
      '--home',
      home,
      '--listen',
      api,
      '--munge-socket',
      this.munged.socket,
      '--server-name',
      this.server,
      '--acl-roots',
      'root@*',
      '--kill-delay',
      '2',
      '--usage-interval',
      '1',
      '--ha-listen',
      ha,
      '--witness',
      witness,
      '--ha-key',
      this.haKey,
      ...(standbyOf ? ['--standby-of', standbyOf] : []),
      ...(this.opts.headArgs ?? []),
    ];
    return { daemon: new Daemon(`${this.server}-${name}`, args), home, api: `http://${api}`, ha };
  }

  /** A command as root on the head's own socket (a manager; over TCP root is an ordinary user). */
  asAdmin(head: HaHead, cmd: string, args: string[]): Promise<RunResult> {
    return this.run(cmd, args, { ...this.env, DROVER_SERVER: '', DROVER_HOME: head.home });
  }

  addNode(i: number, address: string): Promise<RunResult> {
    prepareAgentDir(this.agentDir(i));
    const runner = { run: (cmd: string, args: string[]) => this.asAdmin(this.a, cmd, args) };
    return addSshNode(runner as never, `n${i + 1}`, address, this.key.privateKey, this.agentDir(i), [
      '--ncpus',
      '4',
    ]);
  }

  run(cmd: string, args: string[], env: NodeJS.ProcessEnv = this.env): Promise<RunResult> {
    return new Promise((res) => {
      execFile(join(BIN, cmd), args, { env, cwd: this.base, encoding: 'utf8' }, (err, stdout, stderr) => {
        res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    });
  }

  /** The agents' journal records of started attempts: job, attempt, when, and the epoch of the
   * head that sent the run (compute-agent/journal.ts keeps facts until the file passes 1 MiB). */
  starts(): Start[] {
    const out: Start[] = [];
    for (const [i] of this.sshds.entries()) {
      const file = join(this.agentDir(i), 'journal.jsonl');
      if (!existsSync(file)) continue;
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (!line.startsWith('{"seq"')) continue;
        const { fact } = JSON.parse(line) as {
          fact: { kind: string; jobId: string; attempt: number; at: number; epoch?: number };
        };
        if (fact.kind === 'started')
          out.push({
            node: `n${i + 1}`,
            jobId: fact.jobId,
            attempt: fact.attempt,
            at: fact.at,
            epoch: fact.epoch ?? 0,
          });
      }
    }
    return out.sort((x, y) => x.at - y.at);
  }

  /** `drover ha status --json` over TCP: each head's role, epoch and what it knows. */
  async status(): Promise<
    { head: string; status?: { role: string; me: string; epoch: number; primary: string | null } }[]
  > {
    const r = await this.run('drover', ['ha', 'status', '--json']);
    return JSON.parse(r.stdout);
  }

  /** The role of the head at HA address `ha` (undefined: unreachable). */
  async roleOf(head: HaHead): Promise<string | undefined> {
    return (await this.status()).find((s) => s.head === head.api)?.status?.role;
  }

  /** Jobs by id: state and exit status (qstat -x over TCP). */
  async jobs(): Promise<Map<string, { state: string; exit?: number }>> {
    const r = await this.run('qstat', ['-x', '-f', '-F', 'json']);
    if (r.code !== 0) throw new Error(`qstat failed: ${r.stderr}`);
    const all = (JSON.parse(r.stdout).Jobs ?? {}) as Record<
      string,
      { job_state: string; Exit_status?: number }
    >;
    return new Map(Object.entries(all).map(([id, j]) => [id, { state: j.job_state, exit: j.Exit_status }]));
  }

  /** qsub over TCP that must succeed; the job id. */
  async submit(args: string[]): Promise<string> {
    const r = await this.run('qsub', args);
    if (r.code !== 0) throw new Error(`qsub ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout.trim();
  }

  /** `n` trivial jobs named `<tag><i>`, submitted at once; their ids. */
  submitMany(n: number, tag: string): Promise<string[]> {
    return Promise.all(
      Array.from({ length: n }, (_, i) => this.submit(['-N', `${tag}${i}`, '--', '/bin/true'])),
    );
  }

  /** Wait until every job is F; returns the jobs. */
  async allFinished(
    ids: string[],
    timeoutMs = 120_000,
  ): Promise<Map<string, { state: string; exit?: number }>> {
    return waitUntil(
      async () => {
        const j = await this.jobs();
        return ids.every((id) => j.get(id)?.state === 'F') ? j : undefined;
      },
      timeoutMs,
      'every job to finish',
    );
  }

  /** Jobs started more or less than once by the agents, or not as their first attempt. */
  notOnce(ids: string[]): string[] {
    const count = new Map<string, number>();
    for (const s of this.starts())
      count.set(s.jobId, (count.get(s.jobId) ?? 0) + (s.attempt === 1 ? 1 : 100));
    return ids.filter((id) => count.get(id) !== 1);
  }

  async stop(): Promise<void> {
    for (const d of [this.a?.daemon, this.b?.daemon, this.witness]) await d?.stop().catch(() => undefined);
    for (const p of [this.headLink, this.witnessLink]) await p?.stop();
    await stopAgents(this.base).catch(() => undefined);
    for (const s of this.sshds) await s.stop().catch(() => undefined);
    await this.munged?.stop().catch(() => undefined);
    rmSync(this.base, { recursive: true, force: true });
  }
}
