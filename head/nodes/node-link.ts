// The head's connection to one node's agent: newline-delimited JSON over a stream that a
// transport provides (the local agent's Unix socket now, an SSH channel for remote nodes).
// Reconnects with backoff; says hello on every connection so the agent replays its journal.
// Heartbeats: a ping every `heartbeatMs`; a connection silent for `timeoutMs` is dropped (an
// agent that is stopped or hung keeps its socket open but answers nothing).
// The hello carries the head's epoch; an agent that has seen a higher one answers `stale-epoch`
// and closes: the link is then refused, not down (a head that is no longer primary must change
// nothing), tells its handlers, and tries again only every `staleRetryMs`.
import type { Duplex } from 'node:stream';
import {
  type AgentMessage,
  encode,
  type FencedAttempt,
  type HeadMessage,
  LineDecoder,
  PROTOCOL_VERSION,
} from '../../core/protocol/agent-protocol.js';

export interface Transport {
  /** Open a stream to the node's agent, starting the agent when it is not running. */
  open(): Promise<Duplex>;
  describe(): string;
  /** drop the underlying connection (the agent keeps running) */
  close(): void;
}

export interface LinkHandlers {
  /** every message that arrived in one read, in order (handled in one transaction) */
  messages(batch: AgentMessage[]): void;
  up(): void;
  down(reason: string): void;
  /** the attempts to name in hello: the agent kills them before it answers */
  fenced?(): FencedAttempt[];
  /** the head's epoch, for the hello (absent: 0) */
  epoch?(): number;
  /** the agent refused the hello: it has seen `epoch`, above this head's */
  staleEpoch?(epoch: number): void;
}

export interface HeartbeatSettings {
  heartbeatMs: number;
  timeoutMs: number;
  /** after a `stale-epoch`, the wait before the next hello (default 30 s): never hammer an agent
   * that has a newer head */
  staleRetryMs?: number;
  /** how long one attempt to open the transport may take before it counts as failed (default 60 s) */
  dialMs?: number;
}

export const DEFAULT_HEARTBEAT: HeartbeatSettings = { heartbeatMs: 1000, timeoutMs: 10_000 };
const STALE_RETRY_MS = 30_000;

/** An attempt to reach the agent that hangs (an SSH command that never returns) fails after this. */
export const DIAL_TIMEOUT_MS = 60_000;

export class NodeLink {
  private stream: Duplex | undefined;
  private stopped = false;
  private backoffMs = 100;
  private timer: NodeJS.Timeout | undefined;
  private dialTimer: NodeJS.Timeout | undefined;
  private beat: NodeJS.Timeout | undefined;
  private pings = 0;
  private attachedAt = 0;
  connected = false;
  /** when the agent last said anything (epoch ms; 0 = never) */
  lastHeard = 0;

  constructor(
    readonly name: string,
    private readonly transport: Transport,
    private readonly handlers: LinkHandlers,
    private readonly heartbeat: HeartbeatSettings = DEFAULT_HEARTBEAT,
  ) {}

  start(): void {
    this.stopped = false;
    clearInterval(this.beat);
    this.beat = setInterval(() => this.tick(), this.heartbeat.heartbeatMs);
    this.beat.unref();
    void this.connect();
  }

  /** Ping, or drop a connection that has been silent for the timeout. */
  private tick(): void {
    const stream = this.stream;
    if (!stream) return;
    const silent = Date.now() - Math.max(this.lastHeard, this.attachedAt);
    if (silent < this.heartbeat.timeoutMs) {
      this.send({ t: 'ping', n: ++this.pings });
      return;
    }
    this.stream = undefined;
    this.connected = false;
    stream.destroy();
    const seconds = Math.round(silent / 1000);
    this.retry(`agent not answering: no heartbeat for ${seconds} s (the connection is up)`);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let stream: Duplex;
    try {
      stream = await this.dial();
    } catch (e) {
      const message = (e as Error).message;
      // a transport says `agent dead: …` when the host answers but its agent cannot be started
      this.retry(
        message.startsWith('agent dead')
          ? message
          : `connection lost: cannot reach agent at ${this.transport.describe()}: ${message}`,
      );
      return;
    }
    if (this.stopped) {
      stream.destroy();
      return;
    }
    this.attach(stream);
  }

  /**
   * Open the transport, failing once it has taken the dial timeout: the node counts as failing
   * from then on (head/nodes/fencer.ts), and a stream that opens later is closed.
   */
  private dial(): Promise<Duplex> {
    const ms = this.heartbeat.dialMs ?? DIAL_TIMEOUT_MS;
    return new Promise<Duplex>((resolve, reject) => {
      let late = false;
      const timer = setTimeout(() => {
        late = true;
        this.transport.close();
        reject(new Error(`no answer within ${Math.round(ms / 1000)} s`));
      }, ms);
      timer.unref();
      this.dialTimer = timer;
      this.transport.open().then(
        (stream) => {
          clearTimeout(timer);
          if (late) stream.destroy();
          else resolve(stream);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }

  private attach(stream: Duplex): void {
    this.stream = stream;
    this.attachedAt = Date.now();
    stream.setEncoding('utf8');
    const decoder = new LineDecoder<AgentMessage>();
    stream.on('data', (chunk: string) => {
      if (this.stream !== stream) return;
      this.lastHeard = Date.now();
      const batch = decoder.push(chunk).filter((m) => m.t !== 'pong');
      const stale = batch.find((m) => m.t === 'stale-epoch');
      if (stale) {
        this.refused(stream, stale.epoch);
        return;
      }
      if (batch.some((m) => m.t === 'welcome')) {
        this.connected = true;
        this.backoffMs = 100;
        this.handlers.up();
      }
      if (batch.length > 0) this.handlers.messages(batch);
    });
    stream.on('error', () => {});
    stream.on('close', () => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      this.connected = false;
      this.retry('connection lost: connection to agent closed');
    });
    const fenced = this.handlers.fenced?.() ?? [];
    const epoch = this.handlers.epoch?.() ?? 0;
    this.send({
      t: 'hello',
      version: PROTOCOL_VERSION,
      ...(fenced.length > 0 ? { fenced } : {}),
      ...(epoch > 0 ? { epoch } : {}),
    });
  }

  /** A newer head has this node: drop the connection without calling it down; retry slowly. */
  private refused(stream: Duplex, epoch: number): void {
    this.stream = undefined;
    this.connected = false;
    stream.destroy();
    this.handlers.staleEpoch?.(epoch);
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connect(), this.heartbeat.staleRetryMs ?? STALE_RETRY_MS);
  }

  private retry(reason: string): void {
    this.handlers.down(reason);
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connect(), this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, 5000);
  }

  send(m: HeadMessage): boolean {
    if (!this.stream) return false;
    this.stream.write(encode(m));
    return true;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.dialTimer);
    clearInterval(this.beat);
    this.stream?.destroy();
    this.stream = undefined;
    this.connected = false;
    this.transport.close();
  }
}
