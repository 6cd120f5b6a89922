// The head's connection to one node's agent: newline-delimited JSON over a stream that a
// transport provides (the local agent's Unix socket now, an SSH channel for remote nodes).
// Reconnects with backoff; says hello on every connection so the agent replays its journal.
import type { Duplex } from 'node:stream';
import {
  type AgentMessage,
  encode,
  type HeadMessage,
  LineDecoder,
  PROTOCOL_VERSION,
} from '../core/protocol.js';

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
}

export class NodeLink {
  private stream: Duplex | undefined;
  private stopped = false;
  private backoffMs = 100;
  private timer: NodeJS.Timeout | undefined;
  connected = false;

  constructor(
    readonly name: string,
    private readonly transport: Transport,
    private readonly handlers: LinkHandlers,
  ) {}

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let stream: Duplex;
    try {
      stream = await this.transport.open();
    } catch (e) {
      this.retry(`cannot reach agent at ${this.transport.describe()}: ${(e as Error).message}`);
      return;
    }
    if (this.stopped) {
      stream.destroy();
      return;
    }
    this.attach(stream);
  }

  private attach(stream: Duplex): void {
    this.stream = stream;
    stream.setEncoding('utf8');
    const decoder = new LineDecoder<AgentMessage>();
    stream.on('data', (chunk: string) => {
      const batch = decoder.push(chunk);
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
      this.retry('connection to agent closed');
    });
    this.send({ t: 'hello', version: PROTOCOL_VERSION });
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
    this.stream?.destroy();
    this.stream = undefined;
    this.connected = false;
    this.transport.close();
  }
}
