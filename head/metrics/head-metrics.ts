// The head's metrics: one prom-client registry per head (never the global one), holding the job
// lifecycle's counters (head/metrics/job-metrics.ts), what the parts tell their listeners
// (scheduling passes, node reconnects, fencing), the gauges computed at each scrape
// (head/metrics/scrape-gauges.ts), the HA figures of a head with a standby
// (head/metrics/ha-metrics.ts), and Node.js's own figures with the `drover_` prefix.
import { Counter, collectDefaultMetrics, Gauge, Histogram, type Metric, Registry } from 'prom-client';
import type { HaStatus } from '../../core/protocol/ha-status.js';
import type { StoredNode } from '../db/nodes-table.js';
import type { FenceOutcome } from '../nodes/fencer.js';
import type { PassInfo } from '../scheduling/dispatcher.js';
import { registerHaGauges } from './ha-metrics.js';
import { JobMetrics } from './job-metrics.js';
import { registerScrapeGauges, type ScrapeSources } from './scrape-gauges.js';

/** What serves metrics: a registry (a running head's, or a standby's smaller one). */
export interface MetricsSource {
  readonly registry: Registry;
}

/** The parts that tell listeners what happened (head/wiring.ts plugs them in). */
export interface ObservedParts {
  dispatcher: { onPass(listener: (pass: PassInfo) => void): void };
  fencer: { onFence(listener: (outcome: FenceOutcome) => void): void };
  links: { onReconnect(listener: (kind: StoredNode['kind']) => void): void };
}

const FENCE_OUTCOMES: FenceOutcome[] = ['software', 'command', 'command_failed'];

/** Node.js's figures, collected once per process: a head of a pair builds a registry at each
 * change of role, and each collection would add its own GC observer. */
let processMetrics: Registry | undefined;

/** A registry with Node.js's figures (and a pair's HA figures when `ha` is given). */
function baseRegistry(ha?: () => HaStatus): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics, prefix: 'drover_' });
  }
  const registry = new Registry();
  for (const metric of processMetrics.getMetricsAsArray())
    registry.registerMetric(metric as unknown as Metric);
  if (ha) registerHaGauges(registry, ha);
  return registry;
}

/** What a standby or candidate serves: its HA figures and Node.js's. */
export function standbyMetrics(status: () => HaStatus): MetricsSource {
  return { registry: baseRegistry(status) };
}

export class HeadMetrics implements MetricsSource {
  readonly registry: Registry;
  readonly jobs: JobMetrics;

  /** `ha`: the pair's status report, on a head with a standby */
  constructor(ha?: () => HaStatus) {
    this.registry = baseRegistry(ha);
    this.jobs = new JobMetrics(this.registry);
  }

  /** The gauges read at each scrape. */
  scrape(sources: ScrapeSources): void {
    registerScrapeGauges(this.registry, sources);
  }

  /** Listen to the parts: scheduling passes, reconnects of SSH nodes, fencing. */
  observe(parts: ObservedParts): void {
    const registers = [this.registry];
    const passes = new Histogram({
      name: 'drover_scheduler_pass_seconds',
      help: 'How long each scheduling pass took',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    const last = new Gauge({
      name: 'drover_scheduler_last_pass_timestamp_seconds',
      help: 'When the last scheduling pass ended (Unix time)',
      registers,
    });
    parts.dispatcher.onPass(({ durationMs, at }) => {
      passes.observe(durationMs / 1000);
      last.set(at / 1000);
    });
    const reconnects = new Counter({
      name: 'drover_ssh_reconnects_total',
      help: "Links to SSH nodes up again after they were up once (the local node's socket is not counted)",
      registers,
    });
    parts.links.onReconnect((kind) => {
      if (kind === 'ssh') reconnects.inc();
    });
    const fencing = new Counter({
      name: 'drover_node_fencing_total',
      help: 'Nodes fenced (software, or command after the fence command succeeded), and fence commands failed',
      labelNames: ['outcome'],
      registers,
    });
    for (const outcome of FENCE_OUTCOMES) fencing.inc({ outcome }, 0);
    parts.fencer.onFence((outcome) => fencing.inc({ outcome }));
  }
}
