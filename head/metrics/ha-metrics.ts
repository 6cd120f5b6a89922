// A head of a pair (head/ha/): its role, epoch and its standby's lag, read from the same report
// `drover ha status` shows (head/ha/status-report.ts) at each scrape. Registered on a primary's
// metrics and on the small registry a standby or candidate serves.
import { Gauge, type Registry } from 'prom-client';
import type { HaStatus } from '../../core/protocol/ha-status.js';

const ROLES: HaStatus['role'][] = ['primary', 'standby', 'candidate'];

export function registerHaGauges(registry: Registry, status: () => HaStatus): void {
  const registers = [registry];
  // one report serves the gauges of a scrape
  let read: { at: number; s: HaStatus } | undefined;
  const now = () => {
    const t = performance.now();
    if (!read || t - read.at > 100) read = { at: t, s: status() };
    return read.s;
  };
  const gauge = (name: string, help: string, value: (s: HaStatus) => number | undefined) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        // NaN: this head has no such figure now (a standby has no standby, no heartbeat yet)
        this.set(value(now()) ?? Number.NaN);
      },
    });
  new Gauge({
    name: 'drover_ha_role',
    help: "This head's role in its pair: 1 for the role it has",
    labelNames: ['role'],
    registers,
    collect() {
      const role = now().role;
      for (const r of ROLES) this.set({ role: r }, r === role ? 1 : 0);
    },
  });
  gauge('drover_ha_epoch', 'The head epoch this head knows', (s) => s.epoch);
  gauge('drover_ha_quorum', 'This head holds a majority lease (1) or not (0)', (s) => (s.quorum ? 1 : 0));
  gauge('drover_ha_standby_connected', "A primary's standby is connected (1) or not (0)", (s) =>
    s.standby?.connected ? 1 : 0,
  );
  gauge('drover_ha_standby_in_sync', "A primary's standby is in sync (1) or not (0)", (s) =>
    s.standby?.inSync ? 1 : 0,
  );
  gauge(
    'drover_ha_standby_lag_batches',
    'Batches of changes the standby lacks (on a primary)',
    (s) => s.standby?.lag,
  );
  gauge('drover_ha_last_heartbeat_seconds', 'Seconds since the last heartbeat from the other head', (s) =>
    s.lastHeartbeatMs === null ? undefined : s.lastHeartbeatMs / 1000,
  );
}
