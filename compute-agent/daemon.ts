// The compute agent daemon: owns the job processes of one node and speaks the head↔agent
// protocol on a Unix socket in its state directory (docs/architecture.md).

import { randomUUID } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { cpus, hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import {
  type AgentMessage,
  encode,
  type HeadMessage,
  LineDecoder,
  PROTOCOL_VERSION,
  type TaskClientReply,
} from '../core/protocol/agent-protocol.js';
import { readCheckpointAsUser } from './as-user.js';
import { Checkpointer, checkpointDir, stageCheckpoint } from './checkpointer.js';
import { installCommands } from './command-shims.js';
import { parseEnvironmentFile } from './job-env.js';
import { JobRunner } from './job-runner.js';
import { Journal } from './journal.js';
import { agentPaths } from './launcher.js';
import { acquire, release } from './pidlock.js';
import { runTask, serveTasks, TaskGroups } from './tasks.js';

export interface AgentOptions {
  stateDir: string;
  killDelayMs: number;
  usageIntervalMs: number;
  /** how long a signalled job has to checkpoint before its directory is shipped as it is */
  checkpointWaitMs?: number;
  tmpRoot: string;
  ngpus: number;
  /** an inherited pipe to report `ready` (or `running PID`) on, for whoever started us */
  readyFd?: number;
}

/** The node's pbs_environment file in the state directory, read when the agent starts. */
function siteEnvironment(stateDir: string): Record<string, string> {
  const file = join(stateDir, 'pbs_environment');
  return existsSync(file) ? parseEnvironmentFile(readFileSync(file, 'utf8')) : {};
}

function tell(fd: number | undefined, text: string): void {
  if (fd === undefined) return;
  try {
    writeSync(fd, `${text}\n`);
    closeSync(fd);
  } catch {
    // nobody listens any more
  }
}

export async function runAgent(opts: AgentOptions): Promise<number> {
  const log = pino({ name: 'drover-agent' });
  // the agent's files have the modes it gives them; jobs get their own umask (qsub -W umask)
  process.umask(0o022);
  mkdirSync(opts.stateDir, { recursive: true, mode: 0o755 });
  // a root agent's state directory is passable by job users (their scripts, node files and
  // checkpoint directories are in it) but not listable
  if (process.getuid?.() === 0) chmodSync(opts.stateDir, 0o711);
  const paths = agentPaths(opts.stateDir);
  const lock = acquire(paths.pid);
  if (!lock.ok) {
    log.info({ pid: lock.holder }, 'agent already running');
    tell(opts.readyFd, `running ${lock.holder}`);
    return 0;
  }
  const noCommands = installCommands(opts.stateDir);
  if (noCommands) log.warn(noCommands);
  const journal = new Journal(opts.stateDir);
  let head: Socket | undefined;
  const send = (m: AgentMessage) => head?.write(encode(m));
  const taskGroups = new TaskGroups();
  const runner = new JobRunner({
    stateDir: opts.stateDir,
    journal,
    report: (entry) => send({ t: 'fact', entry }),
    killDelayMs: opts.killDelayMs,
    tmpRoot: opts.tmpRoot,
    agentEnv: process.env,
    siteEnv: siteEnvironment(opts.stateDir),
    ended: (jobId) => {
      taskGroups.end(jobId, opts.killDelayMs);
      checkpointer.forget(jobId);
    },
    checkpoint: (jobId, attempt) => checkpointer.tell(jobId, attempt, false),
    refused: (req, reason) => send({ t: 'refused', jobId: req.jobId, attempt: req.attempt, reason }),
    progress: (r) => send({ t: 'progress', ...r }),
    warn: (message) => log.warn(message),
  });
  const checkpointer = new Checkpointer({
    read: (jobId) => {
      const account = runner.accountOf(jobId);
      if (!account) return Promise.resolve(`job ${jobId} is not running here`);
      return readCheckpointAsUser(account, checkpointDir(opts.stateDir, jobId));
    },
    send: (m) => {
      if (!head) return false;
      send(m);
      return true;
    },
    live: (jobId) => runner.liveAttempt(jobId),
    signal: (jobId) => runner.signalCheckpoint(jobId),
    stop: (jobId, attempt) => runner.signal(jobId, attempt),
    waitMs: opts.checkpointWaitMs ?? 5000,
  });
  runner.reportLost(journal.unacked());
  const node = {
    hostname: hostname().split('.')[0]!,
    ncpus: cpus().length,
    mem: totalmem(),
    ngpus: opts.ngpus,
    agentPid: process.pid,
    version: PROTOCOL_VERSION,
  };

  const taskClients = new Map<string, (r: TaskClientReply) => void>();
  const taskHost = {
    stateDir: opts.stateDir,
    tmpRoot: opts.tmpRoot,
    node: node.hostname,
    groups: taskGroups,
  };
  const tasks = await serveTasks(
    join(opts.stateDir, 'tasks.sock'),
    (jobId, cookie) => runner.checkCookie(jobId, cookie),
    (jobId, attempt, argv, select, reply) => {
      if (!head) return reply({ t: 'error', message: 'the head is not connected to this node; try again' });
      const reqId = randomUUID();
      taskClients.set(reqId, reply);
      send({ t: 'tasks', reqId, jobId, attempt, argv, select });
    },
    (jobId, attempt, reply) => {
      if (!runner.liveAttempt(jobId))
        return reply({ t: 'error', message: `job ${jobId} is not checkpointable (qsub -c)` });
      checkpointer.ask(jobId, attempt, reply);
    },
  );

  const handle = (m: HeadMessage) => {
    switch (m.t) {
      case 'hello':
        // attempts the head gave to another node die before this node says anything
        for (const f of m.fenced ?? []) runner.fence(f.jobId, f.attempt);
        send({ t: 'welcome', node, jobs: runner.summaries() });
        for (const entry of journal.unacked()) send({ t: 'fact', entry });
        return;
      case 'run': {
        const r = runner.run(m.job);
        if (r.refused) send({ t: 'refused', jobId: m.job.jobId, attempt: m.job.attempt, reason: r.refused });
        return;
      }
      case 'ping':
        return send({ t: 'pong', n: m.n });
      case 'signal':
        if (m.reason === 'fenced') return runner.fence(m.jobId, m.attempt);
        return runner.signal(m.jobId, m.attempt);
      case 'ack':
        return journal.ack(m.seqs);
      case 'fetch':
        return send({
          t: 'output',
          jobId: m.jobId,
          attempt: m.attempt,
          files: runner.output(m.jobId, m.attempt),
        });
      case 'cleanup':
        return runner.cleanup(m.jobId, m.attempt);
      case 'usage?':
        return send({ t: 'usage', jobs: runner.sample() });
      case 'task':
        void runTask(taskHost, m.job, m.argv, m.taskNum, m.nodeNum).then((result) =>
          send({ t: 'task-done', reqId: m.reqId, result }),
        );
        return;
      case 'end-tasks':
        return taskGroups.end(m.jobId, opts.killDelayMs);
      case 'restore':
        return stageCheckpoint(opts.stateDir, m.jobId, m.files);
      case 'checkpoint':
        return checkpointer.tell(m.jobId, m.attempt, m.stop);
      case 'checkpoint-saved':
      case 'checkpoint-refused':
        return checkpointer.answer(m);
      case 'tasks-done':
        taskClients.get(m.reqId)?.({ t: 'tasks-done', results: m.results });
        taskClients.delete(m.reqId);
        return;
      case 'tasks-refused':
        taskClients.get(m.reqId)?.({ t: 'error', message: m.reason });
        taskClients.delete(m.reqId);
        return;
    }
  };

  rmSync(paths.socket, { force: true });
  const server = createServer((socket) => {
    if (head) {
      head.destroy(); // one head at a time: the newest connection wins
      checkpointer.headLost();
    }
    head = socket;
    socket.setEncoding('utf8');
    const decoder = new LineDecoder<HeadMessage>();
    socket.on('data', (chunk: string) => {
      let messages: HeadMessage[];
      try {
        messages = decoder.push(chunk);
      } catch (e) {
        log.error({ err: e }, 'unreadable message from head; closing the connection');
        socket.destroy();
        return;
      }
      // one message that cannot be handled (a job that cannot start, …) is that message's problem
      for (const m of messages) {
        try {
          handle(m);
        } catch (e) {
          log.error({ err: e, message: m.t }, 'message from head not handled');
        }
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (head !== socket) return;
      head = undefined;
      checkpointer.headLost();
    });
  });
  await new Promise<void>((resolve) => server.listen(paths.socket, resolve));
  chmodSync(paths.socket, 0o600);
  log.info({ socket: paths.socket, pid: process.pid }, 'agent listening');
  tell(opts.readyFd, 'ready');

  const usageTimer = setInterval(() => {
    if (head && runner.runningCount() > 0) send({ t: 'usage', jobs: runner.sample() });
  }, opts.usageIntervalMs);

  return new Promise<number>((resolve) => {
    const stop = async (killJobs: boolean) => {
      clearInterval(usageTimer);
      server.close();
      tasks.close();
      if (killJobs) await runner.stopAll();
      head?.end();
      journal.close();
      rmSync(paths.socket, { force: true });
      release(paths.pid);
      log.info('agent stopped');
      resolve(0);
    };
    process.once('SIGTERM', () => void stop(true));
    process.once('SIGINT', () => void stop(false));
  });
}
