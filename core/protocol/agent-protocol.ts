// Head ↔ agent messages: newline-delimited JSON, the same over the agent's Unix socket and over
// SSH (docs/architecture.md). The agent journals every fact before it sends it and replays the
// facts the head has not acknowledged when the head (re)connects.
import type { ProgressUpdate } from '../farm/progress.js';
import type { ResourceUsage } from '../record-types.js';
import type { TerminalAgentMessage, TerminalHeadMessage } from './terminal.js';

export const PROTOCOL_VERSION = 2;

/** The largest thumbnail of a frame an agent sends and the head keeps (decoded bytes). */
export const MAX_THUMBNAIL_BYTES = 64 * 1024;

/** Everything an agent needs to start one attempt of a job. */
export interface RunRequest {
  jobId: string;
  seq: number;
  attempt: number;
  user: string;
  /** job script content (script and stdin jobs) */
  script?: string;
  /** `qsub -- exe args` */
  executable?: string;
  argv?: string[];
  /** -S: shell path */
  shell?: string;
  /** the job's file-creation mask (qsub -W umask=, default 0o077) */
  umask: number;
  /** Variable_List, then the PBS job-level variables (PBS_JOBID, PBS_JOBNAME, PBS_QUEUE, ...) */
  env: [string, string][];
  /** the lines of PBS_NODEFILE */
  nodefile: string[];
  /** NCPUS / OMP_NUM_THREADS on this host */
  ncpus: number;
  /** GPU indices for CUDA_VISIBLE_DEVICES */
  gpus: number[];
  /** seconds; undefined = unlimited */
  walltime?: number;
  join: 'oe' | 'eo' | 'n';
  /** a checkpointable job: its signal, its period, and the checkpoint it restarts from (0: none) */
  checkpoint?: { signal: string; intervalMin?: number; count: number };
  /** a render task: its output is streamed to the head as progress; killed after `stallTimeout`
   * seconds without output; `frames`: the task's frames in order, each thumbnailed once done */
  progress?: { stallTimeout?: number; frames?: number[] };
  /** a service instance: the agent gives it a free PORT and reports `instance-up` once it answers
   * there (a GET of `health` below 500, else a TCP connect) */
  service?: { name: string; instance: number; health?: string };
  /** `qsub -I`: the job's shell runs on a pseudo-terminal relayed to qsub (core/protocol/terminal.ts),
   * with qsub's TERM */
  interactive?: { term?: string };
}

/** One file of a checkpoint directory, its path relative to the directory. */
export interface CheckpointFile {
  path: string;
  mode: number;
  /** base64 content */
  data: string;
}

/** A checkpoint file path that stays inside its directory (no `..`, not absolute). */
export function safeCheckpointPath(path: string): boolean {
  return (
    path !== '' && !path.startsWith('/') && !path.split('/').some((p) => p === '..' || p === '' || p === '.')
  );
}

export type Fact =
  /** `epoch`: the epoch of the head connection whose `run` started the attempt (absent: 0, or
   * written by an agent that predates epochs) */
  | { kind: 'started'; jobId: string; attempt: number; sessionId: number; at: number; epoch?: number }
  | {
      kind: 'exited';
      jobId: string;
      attempt: number;
      status: number;
      usage: ResourceUsage;
      at: number;
      reason?: string;
    }
  /** an attempt this agent started but cannot account for: it was not running when the agent
   * (re)started, or had to be killed then; the head reruns or ends it */
  | { kind: 'lost'; jobId: string; attempt: number; reason: string; at: number };

export interface JournalEntry {
  seq: number;
  fact: Fact;
}

export interface AgentJobSummary {
  jobId: string;
  attempt: number;
  running: boolean;
}

export interface NodeInfo {
  hostname: string;
  ncpus: number;
  /** bytes */
  mem: number;
  ngpus: number;
  agentPid: number;
  version: number;
}

/** A finished attempt's spooled stdout (`out`, both streams when joined) or stderr (`err`). */
export interface OutputFile {
  stream: 'out' | 'err';
  /** base64 content */
  data: string;
}

/** A spooled stream: stdout (`out`) or stderr (`err`); a joined job (`-j oe|eo`) has one file,
 * which both name. */
export type TailStream = 'out' | 'err';

/** One task of a `pbsdsh` request, run on one allocated slot. */
export interface TaskResult {
  taskNum: number;
  node: string;
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Which slots a `pbsdsh` runs on and how: `copies` (-c) the first N slots, wrapping around;
 * `slot` (-n) that one slot; neither: every slot. `serial` (-s) one task after another;
 * `wait: false` (-o) answer once the tasks are started.
 */
export interface TaskSelection {
  copies?: number;
  slot?: number;
  /** one task on the job's first slot on this host (a name as PBS_NODEFILE has it) */
  host?: string;
  serial?: boolean;
  wait?: boolean;
  /** variables added to the tasks' environment (never on a command line: keys, addresses) */
  env?: Record<string, string>;
}

/** What `pbsdsh` inside a job sends to its node's task socket, and the answer. */
export type TaskClientMessage =
  | {
      t: 'pbsdsh';
      jobId: string;
      cookie: string;
      argv: string[];
      select?: TaskSelection;
    }
  /** `drover checkpoint` in a job: ship PBS_CHECKPOINT_DIR now; answered once the head has it */
  | { t: 'checkpoint'; jobId: string; cookie: string };
export type TaskClientReply =
  | { t: 'tasks-done'; results: TaskResult[] }
  | { t: 'checkpointed'; count: number }
  | { t: 'error'; message: string };

/** An attempt the head has taken away from a node (fenced): the agent kills it on sight. */
export interface FencedAttempt {
  jobId: string;
  attempt: number;
}

export type HeadMessage =
  /** first on every connection; the agent kills the fenced attempts before it answers. `epoch`:
   * the head's generation (absent = 0, a head without a standby); an agent that has seen a higher
   * one answers `stale-epoch` and closes this connection, the current one untouched */
  | { t: 'hello'; version: number; fenced?: FencedAttempt[]; epoch?: number }
  /** heartbeat: the agent answers pong with the same number */
  | { t: 'ping'; n: number }
  | { t: 'run'; job: RunRequest }
  | {
      t: 'signal';
      jobId: string;
      attempt: number;
      signal: 'SIGTERM' | 'SIGKILL';
      reason: 'delete' | 'rerun' | 'fenced';
    }
  /** qsig: a real signal (its number) to every process of the job here, the pbsdsh tasks too
   * (not a script job's login shell) */
  | { t: 'signal-job'; jobId: string; attempt: number; signo: number }
  /** stop (SIGSTOP) or go on (SIGCONT) with every process of the job here, the pbsdsh tasks
   * too; a suspended attempt's walltime does not count. Repeating either changes nothing. */
  | { t: 'suspend'; jobId: string; attempt: number }
  | { t: 'resume'; jobId: string; attempt: number }
  /** the head committed these facts (selective: an exited fact waits for its output) */
  | { t: 'ack'; seqs: number[] }
  | { t: 'fetch'; jobId: string; attempt: number }
  | { t: 'cleanup'; jobId: string; attempt: number }
  | { t: 'usage?' }
  | {
      t: 'task';
      reqId: string;
      taskNum: number;
      nodeNum: number;
      job: RunRequest;
      argv: string[];
      /** added to the task's environment (TaskSelection.env) */
      env?: Record<string, string>;
    }
  | { t: 'tasks-done'; reqId: string; results: TaskResult[] }
  | { t: 'tasks-refused'; reqId: string; reason: string }
  /** the job's attempt ended: stop its pbsdsh tasks on this node */
  | { t: 'end-tasks'; jobId: string }
  /** before a `run` that restarts a job: the checkpoint to put in PBS_CHECKPOINT_DIR */
  | { t: 'restore'; jobId: string; attempt: number; count: number; files: CheckpointFile[] }
  /** tell the job to checkpoint (its signal), ship it, then stop it when `stop` (qhold) */
  | { t: 'checkpoint'; jobId: string; attempt: number; stop: boolean }
  /** the head has the checkpoint safe (written and synced), as number `count` */
  | { t: 'checkpoint-saved'; jobId: string; attempt: number; count: number }
  | { t: 'checkpoint-refused'; jobId: string; attempt: number; reason: string }
  /** the live tail of an attempt's spooled output (core/protocol/output-tail.ts): the bytes of
   * `stream` from offset `from`; answered by `tail` with the same `reqId` */
  | { t: 'tail?'; reqId: string; jobId: string; attempt: number; stream: TailStream; from: number }
  /** qmsg: append `text` (one line) to the attempt's spooled streams (a joined job's one file
   * once); answered by `appended` with the same `reqId` */
  | { t: 'append?'; reqId: string; jobId: string; attempt: number; streams: TailStream[]; text: string }
  | TerminalHeadMessage;

export type AgentMessage =
  /** `suspended`: the jobs this node holds stopped (their attempt or their pbsdsh tasks here) */
  | { t: 'welcome'; node: NodeInfo; jobs: AgentJobSummary[]; suspended?: string[] }
  | { t: 'pong'; n: number }
  | { t: 'fact'; entry: JournalEntry }
  | { t: 'output'; jobId: string; attempt: number; files: OutputFile[] }
  | { t: 'usage'; jobs: { jobId: string; attempt: number; usage: ResourceUsage }[] }
  | { t: 'refused'; jobId: string; attempt: number; reason: string }
  | { t: 'tasks'; reqId: string; jobId: string; attempt: number; argv: string[]; select: TaskSelection }
  | { t: 'task-done'; reqId: string; result: TaskResult }
  /** the content of a job's PBS_CHECKPOINT_DIR, to keep as its newest checkpoint; `note`: what
   * the agent has to say about it (e.g. that the job does not catch its signal and was not sent it) */
  | { t: 'checkpoint'; jobId: string; attempt: number; files: CheckpointFile[]; note?: string }
  /** a render task's new output since the last message, and the progress it said */
  | { t: 'progress'; jobId: string; attempt: number; updates: ProgressUpdate[]; text: string }
  /** a small image (JPEG or PNG, base64, at most MAX_THUMBNAIL_BYTES) of a frame the attempt
   * finished, made from the output file its renderer reported */
  | { t: 'thumbnail'; jobId: string; attempt: number; frame: number; data: string }
  /** a service instance answers on `port` (sent again after every hello while it runs) */
  | { t: 'instance-up'; jobId: string; attempt: number; port: number }
  /** the answer to a hello whose epoch is below `epoch`, the highest this agent has seen: a newer
   * head has taken over, and this connection is closed */
  | { t: 'stale-epoch'; epoch: number }
  /** the answer to `tail?`: at most TAIL_MAX_BYTES as whole characters, the offset after them,
   * whether the attempt still runs; `unknown`: this node has no spool of that attempt */
  | { t: 'tail'; reqId: string; text: string; next: number; running: boolean; unknown?: boolean }
  /** the answer to `append?`; `unknown`: this node has no spool of that attempt (nothing written) */
  | { t: 'appended'; reqId: string; unknown?: boolean }
  | TerminalAgentMessage;

/** Split a byte stream into messages, one JSON value a line (linear in the bytes: a checkpoint
 * of tens of megabytes arrives in thousands of chunks). With `maxLine`, a line longer than that
 * (in characters, complete or still waiting for its newline) throws, and the stream is to be closed. */
export class LineDecoder<T> {
  private parts: string[] = [];
  /** the characters of the line so far */
  private held = 0;
  constructor(private readonly maxLine = Number.POSITIVE_INFINITY) {}
  push(chunk: string): T[] {
    const out: T[] = [];
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
      this.check(this.held + nl - start);
      this.parts.push(chunk.slice(start, nl));
      const line = this.parts.join('');
      this.parts = [];
      this.held = 0;
      if (line.trim() !== '') out.push(JSON.parse(line) as T);
      start = nl + 1;
    }
    if (start < chunk.length) {
      this.check(this.held + chunk.length - start);
      this.parts.push(chunk.slice(start));
      this.held += chunk.length - start;
    }
    return out;
  }
  private check(length: number): void {
    if (length > this.maxLine) throw new Error(`a line longer than ${this.maxLine} characters`);
  }
}

export function encode(message: HeadMessage | AgentMessage): string {
  return `${JSON.stringify(message)}\n`;
}
