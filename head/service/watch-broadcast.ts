// The services' stream to brokers (GET /v1/services/watch): a snapshot, then a `service` event
// for every service whose view changed and `removed` for one that went. The feature's hooks mark
// a service as touched from inside their transaction; the views are read and sent on the next turn
// of the event loop, when that transaction has ended (better-sqlite3's transactions are
// synchronous), so only what is committed is ever sent. A view equal to the last one sent is not
// sent again, so a change rolled back sends nothing.
import type { ServiceView, WatchEvent } from '../../core/protocol/service-view.js';
import type { Store } from '../db/store.js';
import { serviceView } from './service-views.js';

export type WatchListener = (event: WatchEvent) => void;

export class ServiceWatch {
  private readonly listeners = new Set<WatchListener>();
  private readonly touched = new Set<string>();
  /** the last view sent of each service, as JSON */
  private readonly sent = new Map<string, string>();
  private scheduled = false;

  constructor(private readonly store: Store) {}

  /** Every service as it is now (what a new watcher gets first). */
  snapshot(): ServiceView[] {
    return this.store.services.all().map((s) => serviceView(this.store, s));
  }

  /** A service changed (or may have): its view goes out once the caller's transaction has ended. */
  touch(name: string): void {
    this.touched.add(name);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Listen to every change from now on; returns how to stop. */
  subscribe(listener: WatchListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get watchers(): number {
    return this.listeners.size;
  }

  private flush(): void {
    this.scheduled = false;
    const names = [...this.touched];
    this.touched.clear();
    if (!this.store.db.open) return;
    for (const name of names) {
      const s = this.store.services.get(name);
      if (!s) {
        this.sent.delete(name);
        this.emit({ t: 'removed', name });
        continue;
      }
      const service = serviceView(this.store, s);
      const json = JSON.stringify(service);
      if (this.sent.get(name) === json) continue;
      this.sent.set(name, json);
      this.emit({ t: 'service', service });
    }
  }

  private emit(event: WatchEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // a watcher that cannot take it any more is removed by its own stream's close
      }
    }
  }
}
