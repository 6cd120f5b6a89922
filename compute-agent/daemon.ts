// The compute agent daemon: owns the job processes of one node and speaks the head↔agent
// protocol (core/protocol/agent-protocol.ts) on a Unix socket in its state directory. What it
// holds is in compute-agent/node-agent.ts, its answer to each message of the head in
// compute-agent/head-handlers.ts.

import { chmodSync, closeSync, mkdirSync, rmSync, writeSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { type Logger, pino } from 'pino';
import { encode, type HeadMessage, LineDecoder } from '../core/protocol/agent-protocol.js';
import { agentPaths } from '../platform/agent-launcher.js';
import { installCommands } from './command-shims.js';
import { helloEpoch } from './epoch-record.js';
import { dispatch, type HeadHandlers, headHandlers } from './head-handlers.js';
import { type AgentOptions, NodeAgent } from './node-agent.js';
import { acquire, release } from './pidlock.js';

type Paths = ReturnType<typeof agentPaths>;

function tell(fd: number | undefined, text: string): void {
  if (fd === undefined) return;
  try {
    writeSync(fd, `${text}\n`);
    closeSync(fd);
  } catch {
    // nobody listens any more
  }
}

/** The state directory, with the modes the agent gives its files. */
function prepareStateDir(opts: AgentOptions): Paths {
  // the agent's files have the modes it gives them; jobs get their own umask (qsub -W umask)
  process.umask(0o022);
  mkdirSync(opts.stateDir, { recursive: true, mode: 0o755 });
  // a root agent's state directory is passable by job users (their scripts, node files and
  // checkpoint directories are in it) but not listable
  if (process.getuid?.() === 0) chmodSync(opts.stateDir, 0o711);
  return agentPaths(opts.stateDir);
}

/**
 * One head at a time: a connection is adopted once its hello is, and then replaces the current
 * one (the newest head wins). A hello whose epoch is below the highest seen is answered
 * `stale-epoch` and its connection closed, the current one untouched; a higher one is on disk
 * before the hello is answered (compute-agent/epoch-record.ts). Anything before a hello closes the
 * connection: nothing but the adopted connection reaches the handlers.
 */
function admitHead(agent: NodeAgent, socket: Socket, m: HeadMessage): boolean {
  if (m.t !== 'hello') {
    agent.log.warn({ message: m.t }, 'message before hello from a head; closing its connection');
    socket.destroy();
    return false;
  }
  const epoch = helloEpoch(m.epoch);
  let admitted: boolean;
  try {
    admitted = agent.epochs.admit(epoch);
  } catch (e) {
    agent.log.error({ err: e, epoch }, 'cannot record the head epoch; closing its connection');
    socket.destroy();
    return false;
  }
  if (!admitted) {
    const highest = agent.epochs.highest;
    agent.log.warn({ epoch, highest }, 'hello from a head of a stale epoch; refused');
    // closed once the answer is written, whether or not that head closes its end
    socket.end(encode({ t: 'stale-epoch', epoch: highest }), () => socket.destroy());
    return false;
  }
  if (agent.head && agent.head !== socket) {
    agent.head.destroy();
    agent.checkpointer.headLost();
    agent.terminals.headLost();
  }
  agent.head = socket;
  agent.headEpoch = epoch;
  return true;
}

/** A connection from a head: its messages go to their handlers once its hello is admitted. */
function acceptHead(agent: NodeAgent, handlers: HeadHandlers, socket: Socket): void {
  socket.setEncoding('utf8');
  const decoder = new LineDecoder<HeadMessage>();
  socket.on('data', (chunk: string) => {
    let messages: HeadMessage[];
    try {
      messages = decoder.push(chunk);
    } catch (e) {
      agent.log.error({ err: e }, 'unreadable message from head; closing the connection');
      socket.destroy();
      return;
    }
    // one message that cannot be handled (a job that cannot start, …) is that message's problem
    for (const m of messages) {
      // a replaced connection, or one refused, says nothing more
      if (socket.destroyed || socket.writableEnded) return;
      if ((agent.head !== socket || m.t === 'hello') && !admitHead(agent, socket, m)) return;
      try {
        dispatch(handlers, m);
      } catch (e) {
        agent.log.error({ err: e, message: m.t }, 'message from head not handled');
      }
    }
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    if (agent.head !== socket) return;
    agent.head = undefined;
    agent.checkpointer.headLost();
    agent.terminals.headLost();
  });
}

/** The agent's socket (only its owner may connect), listening. */
async function listenForHead(agent: NodeAgent, path: string): Promise<Server> {
  const handlers = headHandlers(agent);
  rmSync(path, { force: true });
  const server = createServer((socket) => acceptHead(agent, handlers, socket));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  chmodSync(path, 0o600);
  return server;
}

/** Usage of the running jobs, every interval, while the head is connected. */
function reportUsage(agent: NodeAgent): NodeJS.Timeout {
  return setInterval(() => {
    if (agent.head && agent.runner.runningCount() > 0)
      agent.send({ t: 'usage', jobs: agent.runner.sample() });
  }, agent.opts.usageIntervalMs);
}

interface Running {
  agent: NodeAgent;
  paths: Paths;
  server: Server;
  tasks: Server;
  usageTimer: NodeJS.Timeout;
}

/** Stop listening; with `killJobs` (SIGTERM) the jobs are stopped and their exits journaled first. */
async function shutdown(r: Running, killJobs: boolean, log: Logger): Promise<void> {
  clearInterval(r.usageTimer);
  r.server.close();
  r.tasks.close();
  if (killJobs) await r.agent.runner.stopAll();
  r.agent.head?.end();
  r.agent.journal.close();
  rmSync(r.paths.socket, { force: true });
  release(r.paths.pid);
  log.info('agent stopped');
}

/** Run the agent until SIGTERM (which stops its jobs) or SIGINT (which leaves them running). */
export async function runAgent(opts: AgentOptions): Promise<number> {
  const log = pino({ name: 'drover-agent' });
  const paths = prepareStateDir(opts);
  const lock = acquire(paths.pid);
  if (!lock.ok) {
    log.info({ pid: lock.holder }, 'agent already running');
    tell(opts.readyFd, `running ${lock.holder}`);
    return 0;
  }
  const noCommands = installCommands(opts.stateDir);
  if (noCommands) log.warn(noCommands);
  const agent = new NodeAgent(opts, log);
  const tasks = await agent.serveTasks();
  const server = await listenForHead(agent, paths.socket);
  log.info({ socket: paths.socket, pid: process.pid }, 'agent listening');
  tell(opts.readyFd, 'ready');
  const running: Running = { agent, paths, server, tasks, usageTimer: reportUsage(agent) };
  return new Promise<number>((resolve) => {
    const stop = (killJobs: boolean) => void shutdown(running, killJobs, log).then(() => resolve(0));
    process.once('SIGTERM', () => stop(true));
    process.once('SIGINT', () => stop(false));
  });
}
