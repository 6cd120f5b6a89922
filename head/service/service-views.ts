// A service as brokers see it (core/protocol/service-view.ts: the instances that answer now) and
// as `drover service status` shows it (every instance job, and its load at each broker).
import type { InstanceView, ServiceView } from '../../core/protocol/service-view.js';
import type { InstanceStatus, ServiceStatus } from '../../core/service/service-status.js';
import type { StoredInstance, StoredService } from '../db/services-table.js';
import type { Store } from '../db/store.js';
import type { BrokerRegistry } from './broker-registry.js';

function instanceView(name: string, i: StoredInstance): InstanceView | undefined {
  const a = i.address;
  if (!a) return undefined;
  return {
    id: `${name}.${i.instance}`,
    jobId: i.jobId,
    attempt: a.attempt,
    node: a.node,
    host: a.host,
    port: a.port,
    ...(a.zone !== undefined ? { zone: a.zone } : {}),
    ncpus: a.ncpus,
  };
}

/** The service as the head streams it to brokers. */
export function serviceView(store: Store, s: StoredService): ServiceView {
  const { zoneSpread: _zoneSpread, ...settings } = s.settings;
  return {
    name: s.name,
    owner: s.owner,
    ...settings,
    wanted: s.wanted,
    instances: store.services.instances(s.name).flatMap((i) => instanceView(s.name, i) ?? []),
  };
}

function instanceStatus(store: Store, name: string, i: StoredInstance): InstanceStatus {
  const row = store.jobs.get(i.job)?.row;
  return {
    id: `${name}.${i.instance}`,
    instance: i.instance,
    jobId: i.jobId,
    state: row?.state ?? '?',
    attempt: row?.attempt ?? 0,
    ...(row?.node !== undefined ? { node: row.node } : {}),
    ...(i.address ? { address: `${i.address.host}:${i.address.port}` } : {}),
  };
}

/** The service with every instance job and, from the brokers heard from lately, its load. */
export function serviceStatus(
  store: Store,
  s: StoredService,
  brokers: BrokerRegistry,
  now: number,
): ServiceStatus {
  const { instances: _instances, ...view } = serviceView(store, s);
  const instances = store.services.instances(s.name).map((i) => instanceStatus(store, s.name, i));
  return {
    ...view,
    state: s.state,
    ...(s.settings.zoneSpread ? { zoneSpread: true } : {}),
    instances,
    up: instances.filter((i) => i.address !== undefined).length,
    brokers: brokers.loads(s.name, now),
  };
}
