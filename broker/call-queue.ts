// A service's FIFO of calls waiting for a free slot: bounded in length, and each call may wait at
// most `timeoutMs`. Expiry needs no timer per call: one timer is armed for the oldest call's
// deadline, and when it fires every call past its deadline leaves, then it is armed for the next.

export interface Waiting {
  /** when it must have left the queue (ms, the queue's clock) */
  deadline: number;
  /** it is in a queue (the queue sets and clears it) */
  queued: boolean;
  /** the caller went away: skipped when its turn comes */
  cancelled: boolean;
  /** it waited too long */
  expire(): void;
}

export class CallQueue<W extends Waiting> {
  private items: (W | undefined)[] = [];
  private head = 0;
  /** calls waiting and not cancelled */
  private live = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    public max: number,
    public timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get length(): number {
    return this.live;
  }

  get full(): boolean {
    return this.live >= this.max;
  }

  /** Queue a new call at the back; false when the queue is full. */
  push(w: W): boolean {
    if (this.full) return false;
    w.deadline = this.now() + this.timeoutMs;
    w.queued = true;
    this.items.push(w);
    this.live++;
    this.arm();
    return true;
  }

  /** Put a call that is being retried at the front (it keeps its deadline); the bound does not apply. */
  unshift(w: W): void {
    if (this.head > 0) this.items[--this.head] = w;
    else this.items.unshift(w);
    if (!w.deadline) w.deadline = this.now() + this.timeoutMs;
    w.queued = true;
    this.live++;
    this.arm();
  }

  /** The caller of a waiting call went away. */
  cancel(w: W): void {
    if (w.cancelled || !w.queued) return;
    w.cancelled = true;
    w.queued = false;
    this.live--;
  }

  /** The oldest call still wanted, without removing it. */
  peek(): W | undefined {
    this.skipCancelled();
    return this.items[this.head];
  }

  shift(): W | undefined {
    this.skipCancelled();
    const w = this.items[this.head];
    if (!w) return undefined;
    this.items[this.head++] = undefined;
    w.queued = false;
    this.live--;
    this.compact();
    return w;
  }

  /** Every waiting call leaves through `fn` (the service went away). */
  drain(fn: (w: W) => void): void {
    for (let w = this.shift(); w; w = this.shift()) fn(w);
    this.stop();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private skipCancelled(): void {
    while (this.head < this.items.length && this.items[this.head]!.cancelled)
      this.items[this.head++] = undefined;
    this.compact();
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  private arm(): void {
    if (this.timer) return;
    const first = this.peek();
    if (!first) return;
    this.timer = setTimeout(() => this.expire(), Math.max(0, first.deadline - this.now()));
    this.timer.unref();
  }

  private expire(): void {
    this.timer = undefined;
    const now = this.now();
    for (let w = this.peek(); w && w.deadline <= now; w = this.peek()) {
      this.shift();
      w.expire();
    }
    this.arm();
  }
}
