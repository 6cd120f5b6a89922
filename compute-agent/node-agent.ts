// What the agent daemon of one node holds (compute-agent/daemon.ts): its journal, its job runner
// and checkpointer, the pbsdsh tasks of its jobs, the highest head epoch it has seen, and the head's
// connection while there is one.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { cpus, hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  type AgentMessage,
  encode,
  type NodeInfo,
  PROTOCOL_VERSION,
  type TaskClientReply,
} from '../core/protocol/agent-protocol.js';
import { readCheckpointAsUser, thumbnailAsUser } from './as-user.js';
import { Checkpointer, checkpointDir } from './checkpointer.js';
import { EpochRecord } from './epoch-record.js';
import { FrameThumbnails } from './frame-thumbnails.js';
import { parseEnvironmentFile } from './job-env.js';
import { JobRunner } from './job-runner.js';
import { Terminals } from './job-terminal.js';
import { Journal } from './journal.js';
import { InstanceProbes } from './service-ports.js';
import { serveTasks, TaskGroups, type TaskHost } from './tasks.js';

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

export class NodeAgent {
  readonly journal: Journal;
  readonly taskGroups = new TaskGroups();
  readonly runner: JobRunner;
  readonly checkpointer: Checkpointer;
  readonly node: NodeInfo;
  readonly taskHost: TaskHost;
  /** pbsdsh requests forwarded to the head, by request id: how to answer their client */
  readonly taskClients = new Map<string, (r: TaskClientReply) => void>();
  /** the head's connection, while there is one */
  head: Socket | undefined;
  /** the epoch its hello carried (the highest seen: a lower hello is never adopted) */
  headEpoch = 0;
  readonly epochs: EpochRecord;
  /** service instances whose port is probed, or answers */
  readonly probes = new InstanceProbes((m) => this.send(m));
  /** the terminals of interactive jobs (qsub -I), relayed through the head */
  readonly terminals = new Terminals((m) => this.send(m));
  /** the frames render tasks finish here, thumbnailed for the head */
  readonly thumbnails = new FrameThumbnails(
    thumbnailAsUser,
    (m) => this.send(m),
    (message) => this.log.warn(message),
  );

  /** Opens the journal and reports the attempts an earlier agent left unfinished as lost. */
  constructor(
    readonly opts: AgentOptions,
    readonly log: Logger,
  ) {
    this.epochs = new EpochRecord(opts.stateDir);
    this.journal = new Journal(opts.stateDir);
    this.runner = this.newRunner();
    this.checkpointer = this.newCheckpointer();
    this.runner.reportLost(this.journal.unacked());
    this.node = {
      hostname: hostname().split('.')[0]!,
      ncpus: cpus().length,
      mem: totalmem(),
      ngpus: opts.ngpus,
      agentPid: process.pid,
      version: PROTOCOL_VERSION,
    };
    this.taskHost = {
      stateDir: opts.stateDir,
      tmpRoot: opts.tmpRoot,
      node: this.node.hostname,
      groups: this.taskGroups,
    };
  }

  /** To the head, when it is connected (else dropped: the journal replays facts on hello). */
  send(m: AgentMessage): void {
    this.head?.write(encode(m));
  }

  private newRunner(): JobRunner {
    const { opts } = this;
    return new JobRunner({
      stateDir: opts.stateDir,
      journal: this.journal,
      report: (entry) => this.send({ t: 'fact', entry }),
      killDelayMs: opts.killDelayMs,
      tmpRoot: opts.tmpRoot,
      agentEnv: process.env,
      siteEnv: siteEnvironment(opts.stateDir),
      started: (req) => {
        this.probes.watch(req);
        this.thumbnails.start(req, this.runner.accountOf(req.jobId));
      },
      ended: (jobId, status) => {
        this.thumbnails.ended(jobId, status);
        this.probes.end(jobId);
        this.taskGroups.end(jobId, opts.killDelayMs);
        this.checkpointer.forget(jobId);
      },
      checkpoint: (jobId, attempt) => this.checkpointer.tell(jobId, attempt, false),
      refused: (req, reason) => this.send({ t: 'refused', jobId: req.jobId, attempt: req.attempt, reason }),
      progress: (r) => {
        this.send({ t: 'progress', ...r });
        this.thumbnails.progress(r.jobId, r.attempt, r.updates);
      },
      warn: (message) => this.log.warn(message),
      terminals: this.terminals,
    });
  }

  private newCheckpointer(): Checkpointer {
    const { runner, opts } = this;
    return new Checkpointer({
      read: (jobId) => {
        const account = runner.accountOf(jobId);
        if (!account) return Promise.resolve(`job ${jobId} is not running here`);
        return readCheckpointAsUser(account, checkpointDir(opts.stateDir, jobId));
      },
      send: (m) => {
        if (!this.head) return false;
        this.send(m);
        return true;
      },
      live: (jobId) => runner.liveAttempt(jobId),
      signal: (jobId) => runner.signalCheckpoint(jobId),
      stop: (jobId, attempt) => runner.signal(jobId, attempt),
      waitMs: opts.checkpointWaitMs ?? 5000,
    });
  }

  /** The socket the job's commands use (pbsdsh, drover checkpoint), in the state directory. */
  serveTasks(): Promise<Server> {
    const { runner, checkpointer } = this;
    return serveTasks(
      join(this.opts.stateDir, 'tasks.sock'),
      (jobId, cookie) => runner.checkCookie(jobId, cookie),
      (jobId, attempt, argv, select, reply) => {
        if (!this.head)
          return reply({ t: 'error', message: 'the head is not connected to this node; try again' });
        const reqId = randomUUID();
        this.taskClients.set(reqId, reply);
        this.send({ t: 'tasks', reqId, jobId, attempt, argv, select });
      },
      (jobId, attempt, reply) => {
        if (!runner.liveAttempt(jobId))
          return reply({ t: 'error', message: `job ${jobId} is not checkpointable (qsub -c)` });
        checkpointer.ask(jobId, attempt, reply);
      },
    );
  }
}
