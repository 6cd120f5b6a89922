// The gauges the head computes when Prometheus scrapes it: live jobs by state and queue, nodes
// by state and the cluster's CPUs, memory and GPUs, frames of live render farms, instances of
// services and the brokers' load. Each is one grouped query or an in-memory read per scrape.
import { Gauge, type Registry } from 'prom-client';
import type { NodeRecord } from '../../core/record-types.js';
import type { BrokerStatus } from '../../core/service/service-status.js';
import type { Store } from '../db/store.js';
import { INSTANCE_STATES, instanceStateLabel, NODE_STATES, nodeStateLabel } from './exit-class.js';

/** What the scrape reads besides the store. */
export interface ScrapeSources {
  store: Store;
  /** the nodes as pbsnodes shows them (head/nodes/cluster.ts) */
  nodes: () => NodeRecord[];
  /** the brokers heard from lately (head/service/broker-registry.ts) */
  brokers: () => BrokerStatus[];
}

/** States every queue reports, 0 when it has none. */
const QUEUE_STATES = ['Q', 'H', 'W', 'R', 'E'];
const FRAME_STATES = ['queued', 'running', 'done', 'failed'];

export function registerScrapeGauges(registry: Registry, s: ScrapeSources): void {
  const registers = [registry];
  new Gauge({
    name: 'drover_jobs',
    help: 'Jobs not finished, by PBS state and queue (array parents are counted in their subjobs)',
    labelNames: ['state', 'queue'],
    registers,
    collect() {
      this.reset();
      for (const q of s.store.queues.all())
        for (const state of QUEUE_STATES) this.set({ state, queue: q.name }, 0);
      for (const c of s.store.jobs.countsByQueueState()) this.set({ state: c.state, queue: c.queue }, c.n);
    },
  });
  registerNodeGauges(registry, s.nodes);
  new Gauge({
    name: 'drover_farm_frames',
    help: 'Frames of the render farms not finished yet, by state',
    labelNames: ['state'],
    registers,
    collect() {
      for (const state of FRAME_STATES) this.set({ state }, 0);
      for (const c of s.store.farms.liveFrameCounts()) this.set({ state: c.state }, c.n);
    },
  });
  new Gauge({
    name: 'drover_service_instances',
    help: 'Instances of services: up (answering), starting, waiting (queued or held), ended',
    labelNames: ['state'],
    registers,
    collect() {
      const n = new Map<string, number>(INSTANCE_STATES.map((x) => [x, 0]));
      for (const c of s.store.services.instanceCounts()) {
        const label = instanceStateLabel(c.state, c.answering === 1);
        n.set(label, (n.get(label) ?? 0) + c.n);
      }
      for (const [state, count] of n) this.set({ state }, count);
    },
  });
  registerBrokerGauges(registry, s.brokers);
}

function registerNodeGauges(registry: Registry, nodes: () => NodeRecord[]): void {
  const registers = [registry];
  // one read of the nodes serves the four gauges of a scrape
  let read: { at: number; records: NodeRecord[] } | undefined;
  const records = () => {
    const now = performance.now();
    if (!read || now - read.at > 100) read = { at: now, records: nodes() };
    return read.records;
  };
  new Gauge({
    name: 'drover_nodes',
    help: 'Nodes by state (the first word pbsnodes shows: down before offline before busy)',
    labelNames: ['state'],
    registers,
    collect() {
      const n = new Map<string, number>(NODE_STATES.map((x) => [x, 0]));
      for (const r of records()) n.set(nodeStateLabel(r.state), (n.get(nodeStateLabel(r.state)) ?? 0) + 1);
      for (const [state, count] of n) this.set({ state }, count);
    },
  });
  const sums: [string, string, (r: NodeRecord) => number, (r: NodeRecord) => number][] = [
    ['drover_node_cpus', 'CPUs of all nodes', (r) => r.ncpus, (r) => r.assignedNcpus],
    ['drover_node_memory_bytes', 'Memory of all nodes', (r) => r.mem, (r) => r.assignedMem],
    ['drover_node_gpus', 'GPUs of all nodes', (r) => r.ngpus, (r) => r.assignedNgpus],
  ];
  for (const [name, what, total, allocated] of sums)
    new Gauge({
      name,
      help: `${what}, summed over the cluster: total, and allocated to jobs`,
      labelNames: ['kind'],
      registers,
      collect() {
        const list = records();
        this.set(
          { kind: 'total' },
          list.reduce((n, r) => n + total(r), 0),
        );
        this.set(
          { kind: 'allocated' },
          list.reduce((n, r) => n + allocated(r), 0),
        );
      },
    });
}

function registerBrokerGauges(registry: Registry, brokers: () => BrokerStatus[]): void {
  const registers = [registry];
  new Gauge({
    name: 'drover_brokers',
    help: 'Brokers heard from lately (their reports are at most 30 s old)',
    registers,
    collect() {
      this.set(brokers().length);
    },
  });
  new Gauge({
    name: 'drover_broker_calls',
    help: 'Calls to services at the brokers, from their last reports: in_flight, queued',
    labelNames: ['kind'],
    registers,
    collect() {
      const loads = brokers().flatMap((b) => Object.values(b.services));
      this.set(
        { kind: 'in_flight' },
        loads.reduce((n, l) => n + l.inFlight, 0),
      );
      this.set(
        { kind: 'queued' },
        loads.reduce((n, l) => n + l.queued, 0),
      );
    },
  });
}
