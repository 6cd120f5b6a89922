// pbsdsh support on a node: a task socket (tasks.sock) that accepts only `pbsdsh` requests
// carrying a running job's cookie, and the running of one task of a job on this node.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { constants } from 'node:os';
import { join } from 'node:path';
import {
  LineDecoder,
  type RunRequest,
  type TaskClientMessage,
  type TaskClientReply,
  type TaskResult,
  type TaskSelection,
} from '../core/protocol/agent-protocol.js';
import { launchArgs, launcherPath } from '../native/native.js';
import { commandDir } from './command-shims.js';
import { jobEnvironment } from './job-env.js';
import { holdSessions, signalSessions, terminateGroup } from './signals.js';
import { jobAccount } from './users.js';

const MAX_OUTPUT = 1 << 20;

/**
 * The running tasks of each job on this node (their process groups, each its own session), to
 * end with the job; and the jobs this node holds suspended (qsig), whose tasks are stopped.
 */
export class TaskGroups {
  private byJob = new Map<string, Set<number>>();
  private stopped = new Set<string>();

  add(jobId: string, pgid: number): void {
    const set = this.byJob.get(jobId) ?? new Set<number>();
    set.add(pgid);
    this.byJob.set(jobId, set);
    if (this.stopped.has(jobId)) holdSessions([pgid], true); // started as its job was suspended
  }

  /** qsig: `signo` to every process of the job's tasks here. */
  signal(jobId: string, signo: number): void {
    signalSessions([...(this.byJob.get(jobId) ?? [])], signo);
  }

  /** Stop (`suspend`) or continue the job's tasks here, and remember which jobs are stopped. */
  hold(jobId: string, suspend: boolean): void {
    if (suspend === this.stopped.has(jobId)) return;
    if (suspend) this.stopped.add(jobId);
    else this.stopped.delete(jobId);
    holdSessions([...(this.byJob.get(jobId) ?? [])], suspend);
  }

  /** The jobs held suspended here. */
  suspended(): string[] {
    return [...this.stopped];
  }

  remove(jobId: string, pgid: number): void {
    const set = this.byJob.get(jobId);
    set?.delete(pgid);
    if (set?.size === 0) this.byJob.delete(jobId);
  }

  /** SIGTERM every task of the job (continued when suspended), SIGKILL after the grace period. */
  end(jobId: string, graceMs: number): void {
    const groups = [...(this.byJob.get(jobId) ?? [])];
    for (const pgid of groups) terminateGroup(pgid, graceMs);
    if (this.stopped.delete(jobId)) holdSessions(groups, false);
    this.byJob.delete(jobId);
  }
}

/**
 * Serve the commands jobs run (pbsdsh, drover checkpoint): `forward` sends a checked pbsdsh
 * request on to the head, `checkpoint` ships the job's checkpoint directory.
 */
export function serveTasks(
  path: string,
  check: (jobId: string, cookie: string) => number | undefined,
  forward: (
    jobId: string,
    attempt: number,
    argv: string[],
    select: TaskSelection,
    reply: (r: TaskClientReply) => void,
  ) => void,
  checkpoint: (jobId: string, attempt: number, reply: (r: TaskClientReply) => void) => void,
): Promise<Server> {
  rmSync(path, { force: true });
  const server = createServer((socket: Socket) => {
    socket.setEncoding('utf8');
    const decoder = new LineDecoder<TaskClientMessage>();
    const reply = (r: TaskClientReply) => socket.end(`${JSON.stringify(r)}\n`);
    socket.on('data', (chunk: string) => {
      let msgs: TaskClientMessage[];
      try {
        msgs = decoder.push(chunk);
      } catch {
        return reply({ t: 'error', message: 'bad request' });
      }
      for (const m of msgs) {
        const valid =
          m.t === 'checkpoint' ||
          (m.t === 'pbsdsh' && Array.isArray(m.argv) && m.argv.length > 0 && validEnv(m.select?.env));
        if (!valid) return reply({ t: 'error', message: 'bad request' });
        const attempt = check(m.jobId, m.cookie);
        if (attempt === undefined)
          return reply({ t: 'error', message: `no running job ${m.jobId} with that cookie on this node` });
        if (m.t === 'checkpoint') checkpoint(m.jobId, attempt, reply);
        else forward(m.jobId, attempt, m.argv, m.select ?? {}, reply);
      }
    });
    socket.on('error', () => {});
  });
  return new Promise((resolve) =>
    server.listen(path, () => {
      chmodSync(path, 0o666); // any job may ask; the cookie decides
      resolve(server);
    }),
  );
}

/** A task's extra environment: absent, or names (as a shell's) with string values. */
function validEnv(env: unknown): boolean {
  if (env === undefined) return true;
  if (typeof env !== 'object' || env === null || Array.isArray(env)) return false;
  return Object.entries(env).every(([k, v]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && typeof v === 'string');
}

export interface TaskHost {
  stateDir: string;
  tmpRoot: string;
  node: string;
  groups: TaskGroups;
}

/**
 * Run one task of a job on this node, as the job's user, with the job's environment (and
 * `extraEnv`, TaskSelection.env), in its own session (so that ending the job ends it and what it started).
 */
export function runTask(
  host: TaskHost,
  job: RunRequest,
  argv: string[],
  taskNum: number,
  nodeNum: number,
  extraEnv: Record<string, string> = {},
): Promise<TaskResult> {
  const { stateDir, tmpRoot, node, groups } = host;
  return new Promise((resolve) => {
    const done = (status: number, stdout: string, stderr: string) =>
      resolve({ taskNum, node, status, stdout, stderr });
    const account = jobAccount(job.user);
    if (!account) return done(-1, '', `no account for user ${job.user} on ${node}\n`);
    const nodefile = join(stateDir, 'aux', job.jobId);
    if (!existsSync(nodefile))
      writeFileSync(nodefile, job.nodefile.map((h) => `${h}\n`).join(''), { mode: 0o644 });
    const env = jobEnvironment(
      job,
      account,
      job.shell ?? account.shell,
      { nodefile, tmpdir: tmpRoot, commands: commandDir(stateDir) },
      process.env,
    );
    Object.assign(env, extraEnv);
    env.PBS_TASKNUM = String(taskNum);
    env.PBS_NODENUM = String(nodeNum);
    // as the job's user, with its groups and umask, started in its home (compute-agent/job-launch.ts)
    const root = process.getuid?.() === 0;
    const launch = launchArgs(
      { ...(root ? { uid: account.uid, gid: account.gid } : {}), umask: job.umask, cds: [account.home, '/'] },
      argv[0]!,
      argv.slice(1),
    );
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(launcherPath(), launch, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      return done(-1, '', `pbsdsh: cannot run ${argv[0]}: ${(e as Error).message}\n`);
    }
    const pgid = child.pid;
    if (pgid !== undefined) {
      groups.add(job.jobId, pgid);
      child.once('exit', () => groups.remove(job.jobId, pgid));
    }
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      if (out.length < MAX_OUTPUT) out += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      if (err.length < MAX_OUTPUT) err += d.toString();
    });
    child.on('error', (e) => done(-1, out, `${err}pbsdsh: cannot run ${argv[0]}: ${e.message}\n`));
    child.on('close', (code, signal) =>
      done(signal ? 256 + constants.signals[signal] : (code ?? 0), out, err),
    );
  });
}
