// Blocking probes waiting for a matching message: woken by an arrival (which they leave in the
// queues) or failed when their source can never send (a lost peer).
import type { Message } from './delivery.js';
import { type Envelope, matches, type Status, statusOf } from './matching.js';

interface ProbeWait extends Envelope {
  resolve: (s: Status) => void;
  reject: (e: Error) => void;
}

export class ProbeWaits {
  private waits: ProbeWait[] = [];

  wait(e: Envelope): Promise<Status> {
    return new Promise((resolve, reject) => this.waits.push({ ...e, resolve, reject }));
  }

  /** A message arrived unexpected: every probe it matches completes with its status. */
  arrived(m: Message): void {
    if (this.waits.length === 0) return;
    this.waits = this.waits.filter((q) => {
      if (!matches(q, m)) return true;
      q.resolve(statusOf(m));
      return false;
    });
  }

  /** Fails the probes for which `dead` gives an error. */
  fail(dead: (e: Envelope) => Error | undefined): void {
    this.waits = this.waits.filter((q) => {
      const e = dead(q);
      if (e) q.reject(e);
      return !e;
    });
  }
}
