// The brokers the head has heard from: each one's latest report (POST /v1/brokers/report), kept
// in memory with the time it came; a broker silent for BROKER_TTL_MS is dropped.
import type { BrokerReport, ServiceLoad } from '../../core/protocol/service-view.js';
import type { BrokerStatus } from '../../core/service/service-status.js';

export const BROKER_TTL_MS = 30_000;

export class BrokerRegistry {
  private readonly reports = new Map<string, BrokerStatus>();

  record(report: BrokerReport, at: number): void {
    this.reports.set(report.name, { ...report, at });
  }

  /** The brokers heard from within the last BROKER_TTL_MS, by name (the others are forgotten). */
  list(now: number): BrokerStatus[] {
    for (const [name, b] of this.reports) if (now - b.at > BROKER_TTL_MS) this.reports.delete(name);
    return [...this.reports.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** A service's load at each broker heard from lately. */
  loads(service: string, now: number): ({ broker: string } & ServiceLoad)[] {
    return this.list(now).flatMap((b) => {
      const load = b.services[service];
      return load ? [{ broker: b.name, ...load }] : [];
    });
  }
}
