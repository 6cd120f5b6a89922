// One call through the broker: sent to an instance through its pool, answered to its sink, or
// sent again to another instance when it failed in a way that allows it (core/balancing/
// retry-rules.ts). It is undici's handler for its own request (the handler interface undici runs
// natively: no wrapper, raw headers), so a call costs one object and no promise.
import type { Dispatcher } from 'undici';
import { mayRetry, neverSent, type Outcome } from '../core/balancing/retry-rules.js';
import type { Waiting } from './call-queue.js';
import type { Instance } from './instance.js';
import type { ResponseSink } from './response-sink.js';

export interface CallRequest {
  method: string;
  /** the path and query to send to the instance */
  path: string;
  /** headers to send (name, value, …), without the hop-by-hop ones */
  headers: string[];
  /** a buffered body can be sent again; a streamed one only once */
  body: Buffer | AsyncIterable<Buffer> | null;
  idempotent: boolean;
  /** hash: the session key */
  key: string | undefined;
}

/** What a call needs from its service: slots, the retry budget and the counts. */
export interface CallHost {
  retries: number;
  /** the call has left its instance (answered or failed); the slot is free again */
  finished(call: Call, outcome: Outcome): void;
  /** the call failed for good: its caller got a 5xx or a broken answer */
  failedCall(): void;
  /** send it again (to an instance it has not tried), or queue it first in line */
  redispatch(call: Call): boolean;
  /** some instance other than those the call tried (and its current one) could take it */
  alternative(call: Call): boolean;
  /** the caller of a waiting call went away */
  cancel(call: Call): void;
}

export class Call implements Waiting, Dispatcher.DispatchHandler {
  deadline = 0;
  queued = false;
  cancelled = false;
  queuedAt = 0;
  startedAt = 0;
  instance: Instance | undefined;
  /** instances this call failed on */
  tried: Instance[] | undefined;
  retriesLeft: number;
  status = 0;
  private abortFn: ((err?: Error) => void) | undefined;
  /** a 5xx answer that will be retried: its body is dropped */
  private discard = false;
  private answered = false;
  readonly options: Dispatcher.DispatchOptions;

  constructor(
    readonly host: CallHost,
    readonly request: CallRequest,
    readonly sink: ResponseSink,
    /** what happens when it waited too long in the queue */
    readonly onExpire: (call: Call) => void,
  ) {
    this.retriesLeft = host.retries;
    sink.owner = this;
    this.options = {
      path: request.path,
      method: request.method as Dispatcher.HttpMethod,
      headers: request.headers,
      body: request.body as Dispatcher.DispatchOptions['body'],
    };
  }

  get replayable(): boolean {
    return this.request.body === null || Buffer.isBuffer(this.request.body);
  }

  expire(): void {
    this.onExpire(this);
  }

  /** Send it to `instance` (whose slot the caller has taken). */
  send(instance: Instance, now: number): void {
    this.instance = instance;
    this.startedAt = now;
    this.discard = false;
    this.status = 0;
    instance.pool.dispatch(this.options, this);
  }

  /** The caller went away: the call leaves the queue, or its request is aborted. */
  callerGone(): void {
    if (this.queued) this.host.cancel(this);
    else this.abortFn?.(new Error('the caller went away'));
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abortFn = abort;
    if (this.sink.closed) abort(new Error('the caller went away'));
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (status < 200) return true;
    this.status = status;
    if (status >= 500 && this.mayRetry('server-error') && this.host.alternative(this)) {
      this.discard = true;
      return true;
    }
    this.answered = true;
    this.sink.start(status, rawHeaders);
    this.resume = resume;
    return true;
  }

  private resume: () => void = () => {};

  onData(chunk: Buffer): boolean {
    if (this.discard) return true;
    return this.sink.data(chunk, this.resume);
  }

  onComplete(): void {
    this.abortFn = undefined;
    const outcome: Outcome = this.status >= 500 ? 'server-error' : 'answered';
    this.host.finished(this, outcome);
    if (this.discard) this.again(outcome, `instance ${this.instance!.id} answered ${this.status}`);
    else {
      if (outcome === 'server-error') this.host.failedCall();
      this.sink.end();
    }
  }

  onError(err: Error): void {
    this.abortFn = undefined;
    const code = (err as NodeJS.ErrnoException).code;
    const refused = code === 'UND_ERR_INVALID_ARG';
    const outcome: Outcome =
      this.sink.closed || refused
        ? 'dropped'
        : this.answered
          ? 'lost'
          : neverSent(code)
            ? 'not-sent'
            : 'lost';
    this.host.finished(this, outcome);
    if (this.sink.closed) return;
    if (refused) this.sink.fail(400, `the request cannot be forwarded: ${err.message}`);
    else if (this.answered) {
      this.host.failedCall();
      this.sink.abort();
    } else this.again(outcome, `instance ${this.instance!.id} failed: ${code ?? err.message}`);
  }

  private mayRetry(outcome: Outcome): boolean {
    if (this.sink.closed || !mayRetry(outcome, this.request.idempotent, this.replayable)) return false;
    return outcome === 'not-sent' || this.retriesLeft > 0;
  }

  /** After a failure: to another instance, or the failure to the caller. */
  private again(outcome: Outcome, why: string): void {
    if (this.mayRetry(outcome)) {
      if (outcome !== 'not-sent') this.retriesLeft--;
      this.tried = this.tried ? [...this.tried, this.instance!] : [this.instance!];
      this.instance = undefined;
      if (this.host.redispatch(this)) return;
    }
    this.host.failedCall();
    this.sink.fail(502, why);
  }
}
