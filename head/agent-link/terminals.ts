// The head's side of interactive jobs' terminals (core/protocol/terminal.ts): the qsub of each
// interactive job holds one upgraded connection to the head (head/api/terminal-upgrade.ts), and
// the head relays between it and the agent of the job's first node over the node's link, the way
// every other message to that agent goes. Only the job's owner gets its terminal, and one at a time.
// A terminal's bytes never enter a transaction: `take` picks the agents' terminal messages out of
// each batch before its facts are handled (head/wiring.ts); the job's end reaches qsub through the
// lifecycle (head/jobs/interactive-feature.ts), once committed. What qsub sends is bounded: its
// lines (TERMINAL_LINE_MAX), its input frames (TERMINAL_INPUT_FRAME_BYTES), and the input not yet
// taken by the agent's terminal (TERMINAL_INPUT_WINDOW_BYTES, qsub's connection unread above it).
import type { Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import type { Logger } from 'pino';
import { ok, type Result, refuse } from '../../core/errors.js';
import { parseJobId } from '../../core/pbs/jobid.js';
import { ownerUser, type Requester, UNAUTHORIZED } from '../../core/policy/permissions.js';
import { type AgentMessage, LineDecoder } from '../../core/protocol/agent-protocol.js';
import {
  type ClientFrame,
  type HeadFrame,
  TERMINAL_INPUT_FRAME_BYTES,
  TERMINAL_INPUT_WINDOW_BYTES,
  TERMINAL_LINE_MAX,
  TERMINAL_UPGRADE,
  type TerminalAgentMessage,
  type WindowSize,
  windowSize,
} from '../../core/protocol/terminal.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';
import type { Cluster } from '../nodes/cluster.js';

/** One qsub waiting for, or attached to, its job's terminal. */
interface Client {
  jobId: string;
  socket: Socket;
  size: WindowSize;
  /** where the terminal is, once its agent said it waits for qsub */
  node?: string;
  attempt?: number;
  /** the job's shell runs on the terminal */
  ready: boolean;
  /** input forwarded to the agent and not yet acknowledged; above TERMINAL_INPUT_WINDOW_BYTES
   * qsub's connection is not read (`paused`) */
  inFlight: number;
  paused: boolean;
  /** the job ended and qsub was told */
  done: boolean;
  /** qsub went away before the shell ran: the job is deleted */
  abandon: () => void;
}

export interface TerminalsDeps {
  store: Store;
  cluster: Pick<Cluster, 'send'>;
  server: string;
  log: Logger;
}

/** The bytes base64 text stands for. */
function decodedLength(base64: string): number {
  const pad = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return Math.floor((base64.length * 3) / 4) - pad;
}

export class Terminals {
  private readonly clients = new Map<string, Client>();
  private closing = false;

  constructor(private readonly d: TerminalsDeps) {}

  /**
   * The job `operand` names, when `who` may have its terminal now: its owner (not even a manager
   * may take another user's terminal), an interactive job, no other qsub on it.
   */
  check(operand: string, who: Requester): Result<StoredJob> {
    const ref = parseJobId(operand, this.d.server);
    if (!ref.ok) return ref;
    const job = this.d.store.jobs.byId(ref.value.full);
    if (!job) return refuse('UNKNOWN_JOB', `Unknown Job Id ${ref.value.full}`);
    if (who.user !== ownerUser(job.owner)) return refuse('UNAUTHORIZED', `${UNAUTHORIZED} ${job.id}`);
    if (!job.spec.interactive) return refuse('INVALID_REQUEST', `job ${job.id} is not interactive`);
    if (this.clients.has(job.id)) return refuse('BAD_STATE', `job ${job.id} has its terminal already`);
    return ok(job);
  }

  /** qsub's connection, upgraded: it waits for the job's shell, then carries its terminal. */
  open(job: StoredJob, socket: Socket, head: Buffer, size: WindowSize, abandon: () => void): void {
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${TERMINAL_UPGRADE}\r\nConnection: Upgrade\r\n\r\n`,
    );
    socket.setKeepAlive?.(true, 30_000);
    const client: Client = {
      jobId: job.id,
      socket,
      size,
      ready: false,
      inFlight: 0,
      paused: false,
      done: false,
      abandon,
    };
    this.clients.set(job.id, client);
    // (a line past the maximum, or a frame that is not JSON, closes this connection: see `frames`)
    const decoder = new LineDecoder<ClientFrame>(TERMINAL_LINE_MAX);
    // (an HTTP server's socket keeps its encoding: the text is decoded here)
    const text = new StringDecoder('utf8');
    const frames = (chunk: Buffer) => {
      try {
        for (const frame of decoder.push(text.write(chunk))) {
          if (socket.destroyed) return;
          this.fromClient(client, frame);
        }
      } catch {
        socket.destroy();
      }
    };
    socket.on('data', frames);
    socket.on('error', () => {});
    // (the HTTP server's sockets are half-open: qsub's end would not close this side by itself)
    socket.on('end', () => socket.end());
    socket.on('close', () => this.gone(client));
    if (head.length > 0) frames(head);
    const { state, node, attempt, exitStatus } = job.row;
    if (state === 'F' || state === 'E') this.ended(job.id, exitStatus);
    // the agent may wait already (the job ran before qsub was here): it takes an attach for an
    // attempt it has, and says pty-ready when the attempt arrives otherwise
    else if (state === 'R' && node) this.attach(client, node, attempt);
  }

  /** The batch without the agents' terminal messages, which are relayed now. */
  take(node: string, batch: AgentMessage[]): AgentMessage[] {
    if (!batch.some(isTerminalMessage)) return batch;
    return batch.filter((m) => {
      if (!isTerminalMessage(m)) return true;
      this.fromAgent(node, m);
      return false;
    });
  }

  /** The job ended (its exit, or a deletion or failure before it ran): qsub is told and let go. */
  ended(jobId: string, status?: number): void {
    const client = this.clients.get(jobId);
    if (!client) return;
    client.done = true;
    this.clients.delete(jobId);
    this.write(client, { t: 'end', ...(status !== undefined ? { status } : {}) });
    client.socket.end();
  }

  /** The head stops: every qsub's connection closes (their jobs are left as they are). */
  closeAll(): void {
    this.closing = true;
    for (const client of this.clients.values()) client.socket.destroy();
  }

  /** An upgrade that could not be handled (the connection is closed). */
  failed(e: unknown): void {
    this.d.log.error({ err: e }, 'terminal connection not handled');
  }

  private attach(client: Client, node: string, attempt: number): void {
    client.node = node;
    client.attempt = attempt;
    this.d.cluster.send(node, { t: 'pty-attach', jobId: client.jobId, attempt, ...client.size });
  }

  private fromAgent(node: string, m: TerminalAgentMessage): void {
    const client = this.clients.get(m.jobId);
    if (!client) return;
    if (m.t === 'pty-ready') {
      // only the job's current attempt on the node that runs it gets qsub's terminal
      const row = this.d.store.jobs.byId(m.jobId)?.row;
      if (row?.state === 'R' && row.node === node && row.attempt === m.attempt)
        this.attach(client, node, m.attempt);
      return;
    }
    if (client.node !== node || client.attempt !== m.attempt) return;
    if (m.t === 'pty-attached') {
      if (!client.ready) this.write(client, { t: 'ready' });
      client.ready = true;
      // (attached again after the head's link to the agent was lost: the acks of the input sent
      // before may be lost with it)
      this.acknowledged(client, client.inFlight);
      return;
    }
    if (m.t === 'pty-in-ack') {
      if (Number.isSafeInteger(m.bytes) && m.bytes > 0) this.acknowledged(client, m.bytes);
      return;
    }
    if (typeof m.data !== 'string') return;
    const bytes = decodedLength(m.data);
    // acknowledged once qsub's side has taken it: a slow terminal slows the job's output down
    this.write(client, { t: 'out', data: m.data }, () =>
      this.d.cluster.send(node, { t: 'pty-ack', jobId: m.jobId, attempt: m.attempt, bytes }),
    );
  }

  private fromClient(client: Client, frame: ClientFrame): void {
    const { node, attempt, jobId } = client;
    if (frame.t === 'size') {
      const size = windowSize(frame.rows, frame.cols);
      if (!size) return;
      client.size = size;
      if (node && attempt !== undefined)
        this.d.cluster.send(node, { t: 'pty-resize', jobId, attempt, ...size });
    } else if (frame.t === 'in' && typeof frame.data === 'string') {
      // (decoded and encoded again: the agent acknowledges the bytes counted here)
      const bytes = Buffer.from(frame.data, 'base64');
      if (bytes.length > TERMINAL_INPUT_FRAME_BYTES) {
        client.socket.destroy();
        return;
      }
      if (!client.ready || !node || attempt === undefined || bytes.length === 0) return;
      this.d.cluster.send(node, { t: 'pty-in', jobId, attempt, data: bytes.toString('base64') });
      client.inFlight += bytes.length;
      if (client.inFlight >= TERMINAL_INPUT_WINDOW_BYTES && !client.paused) {
        client.paused = true;
        client.socket.pause();
      }
    }
  }

  /** The agent's terminal took `bytes` of qsub's input: qsub's connection is read again below the window. */
  private acknowledged(client: Client, bytes: number): void {
    client.inFlight = Math.max(0, client.inFlight - bytes);
    if (client.paused && client.inFlight < TERMINAL_INPUT_WINDOW_BYTES) {
      client.paused = false;
      client.socket.resume();
    }
  }

  /** qsub's connection closed: a running shell's terminal hangs up, a job not started yet goes. */
  private gone(client: Client): void {
    if (this.clients.get(client.jobId) === client) this.clients.delete(client.jobId);
    if (client.done || this.closing) return;
    const { node, attempt, jobId } = client;
    if (client.ready && node && attempt !== undefined) {
      this.d.cluster.send(node, { t: 'pty-hangup', jobId, attempt });
      return;
    }
    try {
      client.abandon();
    } catch (e) {
      this.d.log.warn({ job: jobId, err: e }, 'interactive job left by its qsub not deleted');
    }
  }

  private write(client: Client, frame: HeadFrame, written?: () => void): void {
    if (client.socket.destroyed) return;
    client.socket.write(`${JSON.stringify(frame)}\n`, (e) => {
      if (!e) written?.();
    });
  }
}

function isTerminalMessage(m: AgentMessage): m is TerminalAgentMessage {
  return m.t === 'pty-ready' || m.t === 'pty-attached' || m.t === 'pty-out' || m.t === 'pty-in-ack';
}
