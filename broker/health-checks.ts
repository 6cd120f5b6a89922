// Active health checks: every `health.intervalMs` each instance of a service that asks for them
// gets `GET health.path` through its own pool; an answer below 400 within `timeoutMs` passes,
// anything else fails. core/balancing/liveness.ts turns passes and failures into in or out.
import type { Instance } from './instance.js';
import type { ServiceState } from './service-state.js';
import type { ServiceTable } from './service-table.js';

export class HealthChecks {
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; every: number }>();

  constructor(
    private readonly table: ServiceTable,
    private readonly now: () => number,
  ) {}

  /** Follow the table: a timer per service with checks, at its interval. */
  sync(): void {
    for (const [name, t] of this.timers) {
      const every = this.table.get(name)?.view.health?.intervalMs;
      if (every === t.every) continue;
      clearInterval(t.timer);
      this.timers.delete(name);
    }
    for (const [name, s] of this.table.services) {
      const health = s.view.health;
      if (!health || this.timers.has(name)) continue;
      const every = Math.max(50, health.intervalMs);
      const timer = setInterval(() => this.round(name), every);
      timer.unref();
      this.timers.set(name, { timer, every: health.intervalMs });
    }
  }

  private round(name: string): void {
    const s = this.table.get(name);
    if (!s) return;
    for (const i of s.instances) if (!i.checking) void this.check(s, i);
  }

  private async check(s: ServiceState, i: Instance): Promise<void> {
    const health = s.view.health;
    if (!health) return;
    i.checking = true;
    let ok = false;
    try {
      const res = await i.pool.request({
        method: 'GET',
        path: health.path,
        signal: AbortSignal.timeout(health.timeoutMs),
      });
      ok = res.statusCode < 400;
      await res.body.dump();
    } catch {
      ok = false;
    } finally {
      i.checking = false;
    }
    if (ok) i.liveness.checkPassed(this.now());
    else i.liveness.checkFailed();
    // an instance back in the running may take queued calls
    if (ok) s.pump();
    this.table.emit('checked', i);
  }

  stop(): void {
    for (const t of this.timers.values()) clearInterval(t.timer);
    this.timers.clear();
  }
}
