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
} from '../core/protocol.js';
import { jobEnvironment } from './job-env.js';
import { jobAccount } from './users.js';

const MAX_OUTPUT = 1 << 20;

/** Serve pbsdsh clients; `forward` sends a checked request on to the head. */
export function serveTasks(
  path: string,
  check: (jobId: string, cookie: string) => number | undefined,
  forward: (jobId: string, attempt: number, argv: string[], reply: (r: TaskClientReply) => void) => void,
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
        if (m.t !== 'pbsdsh' || !Array.isArray(m.argv) || m.argv.length === 0)
          return reply({ t: 'error', message: 'bad request' });
        const attempt = check(m.jobId, m.cookie);
        if (attempt === undefined)
          return reply({ t: 'error', message: `no running job ${m.jobId} with that cookie on this node` });
        forward(m.jobId, attempt, m.argv, reply);
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

/** Run one task of a job on this node, as the job's user, with the job's environment. */
export function runTask(
  stateDir: string,
  tmpRoot: string,
  node: string,
  job: RunRequest,
  argv: string[],
  taskNum: number,
  nodeNum: number,
): Promise<TaskResult> {
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
      { nodefile, tmpdir: tmpRoot },
      process.env,
    );
    env.PBS_TASKNUM = String(taskNum);
    env.PBS_NODENUM = String(nodeNum);
    const root = process.getuid?.() === 0;
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: account.home,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(root ? { uid: account.uid, gid: account.gid } : {}),
    });
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
