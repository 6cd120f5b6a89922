// What a broker tells its head every few seconds (`POST /v1/brokers/report`, a BrokerReport): per
// service the calls in flight and queued, the calls served and failed since the broker started,
// and over the last period the mean queue wait, the share of time with no call in flight and the
// latency percentiles. A 404 (a head without the route) is ignored, and so is a head that is away.
import type { BrokerReport, ServiceLoad } from '../core/protocol/service-view.js';
import { type HeadAddress, headRequest } from './head-link.js';
import type { ServiceState } from './service-state.js';
import type { ServiceTable } from './service-table.js';

export const REPORT_PATH = '/v1/brokers/report';

export function serviceLoad(s: ServiceState, now: number): ServiceLoad {
  const p = s.rollPeriod();
  const length = Math.max(1, now - p.start);
  const load: ServiceLoad = {
    inFlight: s.inFlight,
    queued: s.queue.length,
    served: s.served,
    failed: s.failed,
    queueWaitMs: p.waited ? p.waitMs / p.waited : 0,
    idle: Math.min(1, Math.max(0, p.idleMs / length)),
    latencyMs: s.periodLatency.summary(),
  };
  s.periodLatency.reset();
  return load;
}

export class LoadReporter {
  private timer: NodeJS.Timeout | undefined;
  /** reports the head took (the tests wait for them) */
  sent = 0;
  private warned = false;

  constructor(
    private readonly head: HeadAddress,
    private readonly table: ServiceTable,
    private readonly who: { name: string; listen: string; zone: string | undefined },
    private readonly now: () => number,
    private readonly log: (line: string) => void,
  ) {}

  start(everyMs: number): void {
    this.timer = setInterval(() => void this.send(), everyMs);
    this.timer.unref();
  }

  report(): BrokerReport {
    const now = this.now();
    const services: Record<string, ServiceLoad> = {};
    for (const [name, s] of this.table.services) services[name] = serviceLoad(s, now);
    return {
      name: this.who.name,
      listen: this.who.listen,
      ...(this.who.zone ? { zone: this.who.zone } : {}),
      services,
    };
  }

  async send(): Promise<void> {
    try {
      const res = await headRequest(this.head, 'POST', REPORT_PATH, JSON.stringify(this.report()));
      res.resume();
      if (res.statusCode === 200 || res.statusCode === 204) this.sent++;
      else if (res.statusCode !== 404) this.warn(`the head answered ${res.statusCode} to a load report`);
    } catch (e) {
      this.warn(`load report: ${(e as Error).message}`);
    }
  }

  private warn(line: string): void {
    if (this.warned) return;
    this.warned = true;
    this.log(`${line} (said once)`);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
