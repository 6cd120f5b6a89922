// Requests of non-blocking calls (isend / irecv): wait() for the result, test() to look without
// waiting; waitAll and waitAny over several.

export class Request<T = unknown> {
  private done = false;
  private failed = false;
  private value?: T;
  private error?: unknown;

  constructor(private readonly promise: Promise<T>) {
    promise.then(
      (v) => {
        this.done = true;
        this.value = v;
      },
      (e) => {
        this.done = true;
        this.failed = true;
        this.error = e;
      },
    );
  }

  /** The result once the operation completes (a receive's message; nothing for a send). */
  wait(): Promise<T> {
    return this.promise;
  }

  /** The result if the operation has completed, else undefined; throws the operation's error. */
  test(): T | undefined {
    if (this.failed) throw this.error;
    return this.done ? this.value : undefined;
  }
}

export function waitAll<T extends readonly Request[]>(
  requests: T,
): Promise<{ [K in keyof T]: T[K] extends Request<infer R> ? R : never }> {
  return Promise.all(requests.map((r) => r.wait())) as never;
}

/** The first request to complete: its index in `requests` and its result. */
export function waitAny<T>(requests: readonly Request<T>[]): Promise<{ index: number; result: T }> {
  if (requests.length === 0) return Promise.reject(new RangeError('waitAny of no requests'));
  return Promise.race(requests.map((r, index) => r.wait().then((result) => ({ index, result }))));
}
