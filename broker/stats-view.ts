// `GET /stats`: the broker's counters, per service and per instance, as JSON (built on request,
// never on the call path).
import type { Instance } from './instance.js';
import type { ServiceState } from './service-state.js';
import type { ServiceTable } from './service-table.js';

function instanceStats(i: Instance, now: number) {
  return {
    id: i.id,
    host: i.view.host,
    port: i.view.port,
    ...(i.zone ? { zone: i.zone } : {}),
    ncpus: i.ncpus,
    capacity: i.capacity,
    inFlight: i.inFlight,
    served: i.served,
    failed: i.failed,
    healthy: i.liveness.checkedUp,
    ejectedMs: Math.max(0, i.liveness.ejectedUntil - now),
    ejections: i.liveness.ejections,
    weight: Number(i.liveness.weight(now).toFixed(3)),
    latencyMs: i.latency.summary(),
  };
}

function serviceStats(s: ServiceState, now: number) {
  return {
    policy: s.view.policy,
    inFlight: s.inFlight,
    queued: s.queue.length,
    served: s.served,
    failed: s.failed,
    shed: s.shed,
    panic: s.instances.length > 0 && s.balancer.panic(now),
    latencyMs: s.latency.summary(),
    instances: s.instances.map((i) => instanceStats(i, now)),
  };
}

export function brokerStats(
  who: { name: string; listen: string; zone: string | undefined },
  table: ServiceTable,
  now: number,
) {
  const services: Record<string, ReturnType<typeof serviceStats>> = {};
  for (const [name, s] of table.services) services[name] = serviceStats(s, now);
  return { name: who.name, listen: who.listen, ...(who.zone ? { zone: who.zone } : {}), services };
}
