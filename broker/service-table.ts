// The services this broker knows, as the head's stream last told: a snapshot replaces them all,
// an update replaces one, a removal closes one. This is all the state a broker keeps. It says
// `change` after each event it applied, and the health checks say `checked` after each check.
import { EventEmitter } from 'node:events';
import type { ServiceView, WatchEvent } from '../core/protocol/service-view.js';
import { ServiceState, type ServiceTuning } from './service-state.js';

export class ServiceTable extends EventEmitter {
  readonly services = new Map<string, ServiceState>();

  constructor(private readonly tuning: ServiceTuning) {
    super();
  }

  get(name: string): ServiceState | undefined {
    return this.services.get(name);
  }

  apply(e: WatchEvent): void {
    if (e.t === 'ping') return;
    if (e.t === 'snapshot') {
      const names = new Set(e.services.map((s) => s.name));
      for (const [name, s] of this.services) if (!names.has(name)) this.remove(name, s);
      for (const view of e.services) this.upsert(view);
    } else if (e.t === 'service') this.upsert(e.service);
    else if (e.t === 'removed') {
      const s = this.services.get(e.name);
      if (s) this.remove(e.name, s);
    }
    this.emit('change');
  }

  private upsert(view: ServiceView): void {
    const s = this.services.get(view.name);
    if (s) s.apply(view);
    else this.services.set(view.name, new ServiceState(view, this.tuning));
  }

  private remove(name: string, s: ServiceState): void {
    this.services.delete(name);
    s.close();
  }

  close(): void {
    for (const [name, s] of this.services) this.remove(name, s);
  }
}
