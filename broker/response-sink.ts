// Where a call's answer goes: the caller's HTTP response (streamed, with backpressure), or a
// buffer for callers inside the broker (the session worker). A call writes to its sink only once
// it knows the answer will not be retried.
import type { ServerResponse } from 'node:http';

export interface ResponseSink {
  /** the caller went away: nothing more is wanted */
  readonly closed: boolean;
  /** told when the caller goes away before the answer is complete */
  owner: { callerGone(): void } | undefined;
  /** the instance's status and headers (raw, as undici gives them: name, value, …) */
  start(status: number, rawHeaders: Buffer[]): void;
  /** a piece of the body; false: stop until `resume` is called */
  data(chunk: Buffer, resume: () => void): boolean;
  end(): void;
  /** the answer broke off after it had started */
  abort(): void;
  /** no instance answered: the broker's own answer */
  fail(status: number, message: string, retryAfterS?: number): void;
}

/** Headers that belong to one connection, never forwarded (RFC 9110, 7.6.1). */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The raw headers without the hop-by-hop ones, as strings (name, value, …). */
export function endToEnd(raw: readonly (Buffer | string)[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    if (HOP_BY_HOP.has(name.toLowerCase())) continue;
    out.push(name, raw[i + 1]!.toString('latin1'));
  }
  return out;
}

export function failureBody(status: number, message: string): string {
  return `{"statusCode":${status},"code":"${status === 404 ? 'NOT_FOUND' : 'UNAVAILABLE'}","message":${JSON.stringify(message)}}`;
}

function uncork(res: ServerResponse): void {
  res.uncork();
}

const SINK = Symbol('sink');
type SinkResponse = ServerResponse & { [SINK]: HttpSink };

/** One listener shared by every response (no closure per call). */
function responseClosed(this: SinkResponse): void {
  if (this.writableFinished) return;
  const sink = this[SINK];
  sink.closed = true;
  sink.owner?.callerGone();
}

export class HttpSink implements ResponseSink {
  closed = false;
  owner: { callerGone(): void } | undefined;

  constructor(private readonly res: ServerResponse) {
    (res as SinkResponse)[SINK] = this;
    res.on('close', responseClosed);
  }

  start(status: number, rawHeaders: Buffer[]): void {
    this.res.writeHead(status, endToEnd(rawHeaders));
    // what the instance sends in this turn (often the whole answer) leaves in one write
    this.res.cork();
    process.nextTick(uncork, this.res);
  }

  data(chunk: Buffer, resume: () => void): boolean {
    if (this.res.write(chunk)) return true;
    this.res.once('drain', resume);
    return false;
  }

  end(): void {
    this.res.end();
  }

  abort(): void {
    this.res.destroy();
  }

  fail(status: number, message: string, retryAfterS?: number): void {
    if (this.closed) return;
    if (this.res.headersSent) {
      this.abort();
      return;
    }
    const body = failureBody(status, message);
    this.res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      ...(retryAfterS !== undefined ? { 'retry-after': String(retryAfterS) } : {}),
    });
    this.res.end(body);
  }
}
