// The call path for callers inside the broker (the session worker): one call to a service through
// the same queue, policy, retries and counters as a call over HTTP, its answer collected in memory.
import { idempotent } from '../core/balancing/retry-rules.js';
import { Call } from './call.js';
import { endToEnd, failureBody, type ResponseSink } from './response-sink.js';
import type { ServiceTable } from './service-table.js';

export interface ServiceRequest {
  method: string;
  /** path and query at the instance, e.g. `/orders?id=7` */
  path: string;
  /** name, value, … (hop-by-hop headers are dropped) */
  headers?: string[];
  body?: Buffer;
  /** may be sent again after a failure that may have reached an instance (default: by method) */
  idempotent?: boolean;
  /** hash: the session key */
  key?: string;
}

export interface ServiceAnswer {
  status: number;
  /** name, value, … */
  headers: string[];
  body: Buffer;
}

/** The header that marks an answer as the broker's own (404, 502, 503), not an instance's. */
export const BROKER_ANSWER = 'x-drover-broker';

/** Collects the answer in memory, up to `limit` bytes (beyond that the call fails with 502). */
class BufferSink implements ResponseSink {
  closed = false;
  owner: { callerGone(): void } | undefined;
  private status = 0;
  private headers: string[] = [];
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly limit: number,
    private readonly done: (a: ServiceAnswer) => void,
  ) {}

  start(status: number, rawHeaders: Buffer[]): void {
    this.status = status;
    this.headers = endToEnd(rawHeaders);
  }

  data(chunk: Buffer): boolean {
    this.size += chunk.length;
    if (this.size > this.limit) {
      this.closed = true;
      this.owner?.callerGone();
      this.fail(502, `the answer is larger than ${this.limit} bytes`);
    } else this.chunks.push(chunk);
    return true;
  }

  end(): void {
    this.done({ status: this.status, headers: this.headers, body: Buffer.concat(this.chunks) });
  }

  abort(): void {
    this.fail(502, 'the instance broke off its answer');
  }

  fail(status: number, message: string, retryAfterS?: number): void {
    // the broker's own answer (no instance gave one): in-broker callers tell it by this header
    const headers = ['content-type', 'application/json', BROKER_ANSWER, '1'];
    if (retryAfterS !== undefined) headers.push('retry-after', String(retryAfterS));
    this.done({ status, headers, body: Buffer.from(failureBody(status, message)) });
  }
}

/** Send one call to service `name`; resolves with its answer, or the broker's own (404, 502, 503). */
export function callService(
  table: ServiceTable,
  name: string,
  request: ServiceRequest,
  answerLimit = 16 << 20,
): Promise<ServiceAnswer> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (a: ServiceAnswer) => {
      if (settled) return;
      settled = true;
      resolve(a);
    };
    const sink = new BufferSink(answerLimit, done);
    const service = table.get(name);
    if (!service) return sink.fail(404, `no service ${name}`);
    const method = request.method.toUpperCase();
    const call = new Call(
      service,
      {
        method,
        path: request.path,
        headers: endToEnd(request.headers ?? []),
        body: request.body ?? null,
        idempotent: request.idempotent ?? idempotent(method, false, undefined),
        key: request.key,
      },
      sink,
      (c) => service.expired(c),
    );
    service.submit(call);
  });
}
