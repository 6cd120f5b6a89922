// The agent daemon's answer to each message of the head (core/protocol/agent-protocol.ts), one
// handler per message type.
import { join } from 'node:path';
import type { AgentMessage, HeadMessage } from '../core/protocol/agent-protocol.js';
import { TAIL_MAX_BYTES } from '../core/protocol/output-tail.js';
import { windowSize } from '../core/protocol/terminal.js';
import { stageCheckpoint } from './checkpointer.js';
import { appendToSpool, spoolTail } from './job-spool.js';
import { resumeAttempt, signalAttempt, suspendAttempt } from './job-suspension.js';
import type { NodeAgent } from './node-agent.js';
import { startRun } from './service-ports.js';
import { runTask } from './tasks.js';

/** A task's output waits this long at most for its last frames' thumbnails. */
const THUMBNAILS_WAIT_MS = 30_000;

type Handler<K extends HeadMessage['t']> = (m: Extract<HeadMessage, { t: K }>) => void;
export type HeadHandlers = { [K in HeadMessage['t']]: Handler<K> };

/** The answer to a hello: the node, the attempts it knows, the jobs it holds suspended. */
function welcome(agent: NodeAgent): AgentMessage {
  const jobs = agent.runner.summaries();
  return { t: 'welcome', node: agent.node, jobs, suspended: agent.taskGroups.suspended() };
}

/** A head's hello: then the facts it has not acknowledged, the service instances that answer,
 * the terminals that wait for their qsub. */
function greet(agent: NodeAgent, m: Extract<HeadMessage, { t: 'hello' }>): void {
  // attempts the head gave to another node die before this node says anything
  for (const f of m.fenced ?? []) agent.runner.fence(f.jobId, f.attempt);
  agent.send(welcome(agent));
  for (const entry of agent.journal.unacked()) agent.send({ t: 'fact', entry });
  agent.probes.resend();
  agent.terminals.announce();
}

/** Connection, jobs and their facts. */
function jobHandlers(agent: NodeAgent) {
  const { runner, journal } = agent;
  return {
    hello: (m) => greet(agent, m),
    ping: (m) => agent.send({ t: 'pong', n: m.n }),
    run: (m) => {
      // journaled with the attempt's `started` fact: which head generation asked for it
      const epoch = agent.headEpoch;
      const refuse = (reason: string) =>
        agent.send({ t: 'refused', jobId: m.job.jobId, attempt: m.job.attempt, reason });
      // a service instance's run gets its port first
      startRun(
        m.job,
        (job) => {
          const r = runner.run(job, epoch);
          if (r.refused) refuse(r.refused);
        },
        refuse,
      );
    },
    signal: (m) => {
      if (m.reason === 'fenced') runner.fence(m.jobId, m.attempt);
      else runner.signal(m.jobId, m.attempt);
    },
    ack: (m) => journal.ack(m.seqs),
    fetch: (m) => {
      const send = () =>
        agent.send({
          t: 'output',
          jobId: m.jobId,
          attempt: m.attempt,
          files: runner.output(m.jobId, m.attempt),
        });
      // the thumbnails of a task's last frames reach the head before its output (the job still E)
      // (30 s at most in all: many unreadable frames must not hold the job's output back)
      const thumbnails = agent.thumbnails.settled(m.jobId);
      if (!thumbnails) return send();
      let sent = false;
      const once = () => {
        if (!sent) send();
        sent = true;
      };
      void thumbnails.then(once);
      setTimeout(once, THUMBNAILS_WAIT_MS).unref();
    },
    cleanup: (m) => runner.cleanup(m.jobId, m.attempt),
    'usage?': () => agent.send({ t: 'usage', jobs: runner.sample() }),
    'tail?': (m) => tail(agent, m),
    'append?': (m) => append(agent, m),
  } satisfies Partial<HeadHandlers>;
}

/** `append?` (qmsg): the line at the end of the attempt's spooled streams; an interactive
 * attempt's output is its terminal (PBS's MoM writes to the job's pty), so the line goes there. */
function append(agent: NodeAgent, m: Extract<HeadMessage, { t: 'append?' }>): void {
  const terminal = agent.terminals.of(m.jobId, m.attempt);
  const dir = join(agent.opts.stateDir, 'jobs', m.jobId);
  const written = terminal ? terminal.message(m.text) : appendToSpool(dir, m.attempt, m.streams, m.text);
  agent.send({ t: 'appended', reqId: m.reqId, ...(written ? {} : { unknown: true }) });
}

/** `tail?`: the attempt's spooled output from `from`, and whether the attempt still runs here. */
function tail(agent: NodeAgent, m: Extract<HeadMessage, { t: 'tail?' }>): void {
  const seen = agent.runner.summaries().find((s) => s.jobId === m.jobId && s.attempt === m.attempt);
  const dir = join(agent.opts.stateDir, 'jobs', m.jobId);
  const read =
    Number.isSafeInteger(m.from) && m.from >= 0
      ? spoolTail(dir, m.attempt, m.stream, m.from, TAIL_MAX_BYTES)
      : undefined;
  const running = seen?.running === true;
  const answer = read ?? { text: '', next: m.from, unknown: true };
  agent.send({ t: 'tail', reqId: m.reqId, ...answer, running });
}

/**
 * qsig: a signal, a suspension or a resumption of a job's attempt (on its first node) and of its
 * pbsdsh tasks here (on every node). The node's record of suspended jobs is the task groups'.
 */
function qsigHandlers(agent: NodeAgent) {
  const { runner, taskGroups } = agent;
  return {
    'signal-job': (m) => {
      const job = runner.attempt(m.jobId, m.attempt);
      if (job) signalAttempt(job, m.signo);
      taskGroups.signal(m.jobId, m.signo);
    },
    suspend: (m) => {
      const job = runner.attempt(m.jobId, m.attempt);
      if (job) suspendAttempt(job);
      taskGroups.hold(m.jobId, true);
    },
    resume: (m) => {
      const job = runner.attempt(m.jobId, m.attempt);
      if (job) resumeAttempt(job);
      taskGroups.hold(m.jobId, false);
    },
  } satisfies Partial<HeadHandlers>;
}

/** pbsdsh: a task to run here, and the head's answers to the tasks this node's jobs asked for. */
function taskHandlers(agent: NodeAgent) {
  const { taskClients } = agent;
  return {
    task: (m) => {
      void runTask(agent.taskHost, m.job, m.argv, m.taskNum, m.nodeNum, m.env).then((result) =>
        agent.send({ t: 'task-done', reqId: m.reqId, result }),
      );
    },
    'end-tasks': (m) => agent.taskGroups.end(m.jobId, agent.opts.killDelayMs),
    'tasks-done': (m) => {
      taskClients.get(m.reqId)?.({ t: 'tasks-done', results: m.results });
      taskClients.delete(m.reqId);
    },
    'tasks-refused': (m) => {
      taskClients.get(m.reqId)?.({ t: 'error', message: m.reason });
      taskClients.delete(m.reqId);
    },
  } satisfies Partial<HeadHandlers>;
}

/** Checkpoints: one to restore before a restart, one to take, the head's answer about one sent. */
function checkpointHandlers(agent: NodeAgent) {
  const { checkpointer } = agent;
  return {
    restore: (m) => stageCheckpoint(agent.opts.stateDir, m.jobId, m.files),
    checkpoint: (m) => checkpointer.tell(m.jobId, m.attempt, m.stop),
    'checkpoint-saved': (m) => checkpointer.answer(m),
    'checkpoint-refused': (m) => checkpointer.answer(m),
  } satisfies Partial<HeadHandlers>;
}

/** qsub -I's terminals (compute-agent/job-terminal.ts); one whose attempt's terminal is gone changes nothing. */
function terminalHandlers(agent: NodeAgent) {
  const { terminals } = agent;
  const sized = (m: { rows: number; cols: number }) => windowSize(m.rows, m.cols);
  return {
    'pty-attach': (m) => {
      const size = sized(m);
      if (size) terminals.of(m.jobId, m.attempt)?.attach(size);
    },
    'pty-in': (m) => {
      if (typeof m.data === 'string') terminals.of(m.jobId, m.attempt)?.input(m.data);
    },
    'pty-resize': (m) => {
      const size = sized(m);
      if (size) terminals.of(m.jobId, m.attempt)?.resize(size);
    },
    'pty-ack': (m) => terminals.of(m.jobId, m.attempt)?.ack(m.bytes),
    'pty-hangup': (m) => terminals.of(m.jobId, m.attempt)?.hangup(),
  } satisfies Partial<HeadHandlers>;
}

export function headHandlers(agent: NodeAgent): HeadHandlers {
  return {
    ...jobHandlers(agent),
    ...qsigHandlers(agent),
    ...taskHandlers(agent),
    ...checkpointHandlers(agent),
    ...terminalHandlers(agent),
  };
}

/** Hand a message to its handler (a type this agent does not know is ignored). */
export function dispatch(handlers: HeadHandlers, m: HeadMessage): void {
  const handler = handlers[m.t] as ((m: HeadMessage) => void) | undefined;
  handler?.(m);
}
