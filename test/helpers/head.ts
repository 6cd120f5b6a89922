// End-to-end fixture: a real `drover head --local` in a temp DROVER_HOME, its real agent daemon,
// and the real bin/ commands. Every process it starts is stopped by PID.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root, whether this runs from test/helpers or compiled into dist/test/helpers. */
export const ROOT = (() => {
  let dir = resolve(import.meta.dirname, '../..');
  while (!existsSync(join(dir, 'migrations'))) dir = resolve(dir, '..');
  return dir;
})();
export const BIN = join(ROOT, 'bin');

/**
 * An agent state directory with the pbs_environment every test node gets: `DROVER_TEST_NODE=1`,
 * then the lines of `$DROVER_TEST_PBS_ENVIRONMENT` (`NAME=VALUE` lines a machine's own jobs need;
 * `.ci/run` sets them where root's shell start-up needs a workaround, see the README's tests).
 */
export function prepareAgentDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const site = siteEnvironment();
  writeFileSync(join(dir, 'pbs_environment'), ['DROVER_TEST_NODE=1', ...site, ''].join('\n'));
}

/** The `NAME=VALUE` lines of `$DROVER_TEST_PBS_ENVIRONMENT`: test nodes' jobs and SSH sessions get them. */
export function siteEnvironment(): string[] {
  return (process.env.DROVER_TEST_PBS_ENVIRONMENT ?? '').split('\n').filter((l) => /^\w+=\S*$/.test(l));
}

/** Where test heads' logs are kept, one file per server name. */
const LOGS = join(tmpdir(), 'drover-test-logs');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface HeadOptions {
  /** run the embedded local node (default true) */
  local?: boolean;
  ncpus?: number;
  mem?: string;
  killDelay?: number;
  extraArgs?: string[];
  /** more environment for the head (e.g. SSH_AUTH_SOCK) */
  env?: NodeJS.ProcessEnv;
}

let serial = 0;

export class TestHead {
  readonly home: string;
  readonly work: string;
  private child: ChildProcess | undefined;
  server = '';

  constructor(private readonly opts: HeadOptions = {}) {
    this.home = mkdtempSync(join(tmpdir(), 'drover-e2e-'));
    this.work = join(this.home, 'work');
    mkdirSync(this.work);
  }

  get env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      DROVER_HOME: join(this.home, 'state'),
      PATH: `${BIN}:${process.env.PATH}`,
      PWD: this.work,
    };
  }

  get stateDir(): string {
    return join(this.home, 'state');
  }

  /** Start the head and resolve once it logs `head ready`. */
  async start(): Promise<void> {
    prepareAgentDir(join(this.stateDir, 'local-node'));
    const args = [
      join(ROOT, 'dist/cli/drover.js'),
      'head',
      ...(this.opts.local === false ? [] : ['--local']),
      '--kill-delay',
      String(this.opts.killDelay ?? 2),
      '--usage-interval',
      '1',
      ...(this.opts.ncpus ? ['--local-ncpus', String(this.opts.ncpus)] : []),
      ...(this.opts.mem ? ['--local-mem', this.opts.mem] : []),
      // a server name of its own, so that heads running side by side never share job ids
      // (and so TMPDIRs /var/tmp/pbs.<jobid>)
      '--server-name',
      `t${process.pid}x${++serial}`,
      // the tests run their jobs as root, which a head allows only when acl_roots says so
      '--acl-roots',
      'root@*',
      ...(this.opts.extraArgs ?? []),
    ];
    const env = { ...this.env, ...this.opts.env };
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let log = '';
    await new Promise<void>((res, rej) => {
      const onData = (d: Buffer) => {
        log += d.toString();
        const ready = log.split('\n').find((l) => l.includes('"head ready"'));
        if (ready) {
          this.server = JSON.parse(ready).server;
          child.stdout!.off('data', onData);
          res();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (d: Buffer) => {
        log += d.toString();
      });
      child.once('exit', (code) => rej(new Error(`head exited with ${code}: ${log}`)));
    });
    // the head's log stays readable after the test (its state dir goes): /tmp/drover-test-logs
    mkdirSync(LOGS, { recursive: true });
    const file = join(LOGS, `${this.server}.log`);
    appendFileSync(file, log);
    child.stdout!.on('data', (d: Buffer) => appendFileSync(file, d));
    child.stderr!.on('data', (d: Buffer) => appendFileSync(file, d));
  }

  /** SIGKILL the head (the agent and its jobs keep running). */
  async kill9(): Promise<void> {
    await this.signal('SIGKILL');
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(sig);
    await exited;
    this.child = undefined;
  }

  agentPid(): number | undefined {
    const file = join(this.stateDir, 'local-node', 'agent.pid');
    return existsSync(file) ? Number(readFileSync(file, 'utf8')) : undefined;
  }

  /** Stop the head, then the agent (which kills its jobs), then remove the state. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
    const pid = this.agentPid();
    if (pid) await stopPid(pid);
    rmSync(this.home, { recursive: true, force: true });
  }

  run(
    cmd: string,
    args: string[],
    opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {},
  ): Promise<RunResult> {
    return new Promise((res) => {
      const child = execFile(
        join(BIN, cmd),
        args,
        { env: opts.env ?? this.env, cwd: opts.cwd ?? this.work, encoding: 'utf8' },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          res({ code, stdout, stderr });
        },
      );
      child.stdin?.end(opts.input ?? '');
    });
  }

  /** qsub that must succeed; returns the job id. */
  async submit(args: string[], input?: string): Promise<string> {
    const r = await this.run('qsub', args, input !== undefined ? { input } : {});
    if (r.code !== 0) throw new Error(`qsub ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout.trim();
  }

  async json(id: string): Promise<Record<string, unknown> | undefined> {
    const r = await this.run('qstat', ['-x', '-f', '-F', 'json', id]);
    if (r.code !== 0) return undefined;
    const jobs = JSON.parse(r.stdout).Jobs as Record<string, Record<string, unknown>>;
    // a short id (`12[3]`) names the one job printed
    const all = Object.values(jobs);
    return jobs[id] ?? (all.length === 1 ? all[0] : undefined);
  }

  async state(id: string): Promise<string | undefined> {
    return (await this.json(id))?.job_state as string | undefined;
  }

  /** Wait until the scheduler has said why the job waits; returns the job. */
  async waitComment(id: string, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    return waitUntil(
      async () => {
        const j = await this.json(id);
        return j?.comment ? j : undefined;
      },
      timeoutMs,
      `a scheduler comment on ${id}`,
    );
  }

  /** Poll the head until the job reaches one of the states (a deadline, not a blind sleep). */
  async waitState(id: string, states: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    return waitUntil(
      async () => {
        const j = await this.json(id);
        return j && states.includes(j.job_state as string) ? j : undefined;
      },
      timeoutMs,
      `job ${id} to reach ${states}`,
    );
  }
}

/** A TCP port nothing listens on now (for a head's --listen). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return p;
}

export async function waitUntil<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** SIGTERM a process we started, and wait until it is gone (SIGKILL after 10 s). */
export async function stopPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const alive = () => {
    try {
      // a zombie waiting for a parent that does not reap it is gone for our purposes
      return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
    } catch {
      return false;
    }
  };
  try {
    await waitUntil(() => (alive() ? undefined : true), 10_000, `pid ${pid} to exit`);
  } catch {
    process.kill(pid, 'SIGKILL');
  }
}
