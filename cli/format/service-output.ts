// `drover service list|status` and `drover broker list` as text: aligned columns, `-` for nothing.
import type { BrokerStatus, ServiceStatus } from '../../core/service/service-status.js';

/** Rows as columns padded to their widest cell (the last column is not padded). */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '))
    .join('\n');
}

export function formatServiceList(services: ServiceStatus[]): string {
  if (services.length === 0) return 'no services\n';
  const rows = services.map((s) => [
    s.name,
    s.owner,
    s.state,
    `${s.up}/${s.wanted}`,
    s.scale ? `${s.scale.min}-${s.scale.max}` : '-',
    s.policy,
  ]);
  return `${table([['NAME', 'OWNER', 'STATE', 'UP', 'SCALE', 'POLICY'], ...rows])}\n`;
}

export function formatServiceStatus(s: ServiceStatus): string {
  const lines = [
    `service ${s.name} (${s.owner}): ${s.state}, ${s.up} of ${s.wanted} instances up, policy ${s.policy}` +
      (s.scale ? `, autoscaled ${s.scale.min}-${s.scale.max}` : '') +
      (s.zoneSpread ? ', spread over zones' : ''),
  ];
  if (s.instances.length) {
    const rows = s.instances.map((i) => [i.id, i.jobId, i.node ?? '-', i.address ?? '-', i.state]);
    lines.push(table([['ID', 'JOB', 'NODE', 'ADDRESS', 'STATE'], ...rows]));
  }
  if (s.brokers.length) {
    const rows = s.brokers.map((b) => [
      b.broker,
      String(b.inFlight),
      String(b.queued),
      String(b.served),
      String(b.failed),
      `${b.latencyMs.p50}/${b.latencyMs.p90}/${b.latencyMs.p99}`,
    ]);
    lines.push(
      table([['BROKER', 'IN-FLIGHT', 'QUEUED', 'SERVED', 'FAILED', 'LATENCY ms p50/p90/p99'], ...rows]),
    );
  } else lines.push('no broker has reported on it lately');
  return `${lines.join('\n')}\n`;
}

export function formatBrokerList(brokers: BrokerStatus[], now: number): string {
  if (brokers.length === 0) return 'no brokers heard from lately\n';
  const rows = brokers.map((b) => [
    b.name,
    b.listen,
    b.zone ?? '-',
    `${Math.max(0, Math.round((now - b.at) / 1000))}s`,
    Object.keys(b.services).sort().join(',') || '-',
  ]);
  return `${table([['NAME', 'LISTEN', 'ZONE', 'LAST', 'SERVICES'], ...rows])}\n`;
}
