// The head's stream of services (`GET /v1/services/watch`, newline-delimited WatchEvents: a
// snapshot, then each change, and a `ping` every few seconds). A stream that ends, fails or stays
// silent for `pingTimeoutMs` is opened again, after a backoff that doubles up to `maxBackoffMs`
// and starts over once a snapshot has arrived. Meanwhile the broker serves what it last knew.
import type { IncomingMessage } from 'node:http';
import type { WatchEvent } from '../core/protocol/service-view.js';
import { type HeadAddress, headRequest, readText } from './head-link.js';

export interface WatchOptions {
  pingTimeoutMs: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  log: (line: string) => void;
}

export const WATCH_PATH = '/v1/services/watch';

export class ServiceWatch {
  private stopped = false;
  private backoff: number;
  private res: IncomingMessage | undefined;
  private retry: NodeJS.Timeout | undefined;
  /** streams opened so far (the tests count reconnections) */
  connections = 0;

  constructor(
    private readonly head: HeadAddress,
    private readonly onEvent: (e: WatchEvent) => void,
    private readonly options: WatchOptions,
  ) {
    this.backoff = options.minBackoffMs;
  }

  start(): void {
    void this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.res?.destroy();
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    try {
      const res = await headRequest(this.head, 'GET', WATCH_PATH, undefined, this.options.pingTimeoutMs);
      if (res.statusCode !== 200) {
        const text = await readText(res);
        throw new Error(`the head answered ${res.statusCode}: ${text.slice(0, 200)}`);
      }
      this.connections++;
      await this.read(res);
      if (!this.stopped) this.options.log('the service stream ended; opening it again');
    } catch (e) {
      if (!this.stopped) this.options.log(`service stream: ${(e as Error).message}`);
    }
    if (this.stopped) return;
    this.retry = setTimeout(() => void this.open(), this.backoff);
    this.backoff = Math.min(this.backoff * 2, this.options.maxBackoffMs);
  }

  /** Read events until the stream ends or falls silent. */
  private read(res: IncomingMessage): Promise<void> {
    this.res = res;
    res.setEncoding('utf8');
    const silent = () => res.destroy(new Error(`no word from the head for ${this.options.pingTimeoutMs} ms`));
    const timer = setTimeout(silent, this.options.pingTimeoutMs);
    let pending = '';
    res.on('data', (chunk: string) => {
      timer.refresh();
      pending += chunk;
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (line) this.event(line);
      }
      if (pending.length > 16 << 20) res.destroy(new Error('a line of the service stream is too long'));
    });
    return new Promise((resolve, reject) => {
      res.once('end', resolve);
      res.once('error', reject);
      res.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private event(line: string): void {
    let e: WatchEvent;
    try {
      e = JSON.parse(line) as WatchEvent;
    } catch {
      this.options.log(`service stream: not JSON: ${line.slice(0, 200)}`);
      return;
    }
    if (e.t === 'snapshot') this.backoff = this.options.minBackoffMs;
    this.onEvent(e);
  }
}
