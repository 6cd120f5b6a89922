// One instance of a service as the broker sees it: where it is, its connection pool (undici,
// keep-alive), its state for the balancer (calls in flight, liveness) and its counters.
import { Pool } from 'undici';
import type { Member } from '../core/balancing/balancer.js';
import { LatencyHistogram } from '../core/balancing/latency-histogram.js';
import { Liveness, type LivenessConfig } from '../core/balancing/liveness.js';
import type { InstanceView } from '../core/protocol/service-view.js';

/** What makes an instance the same one across updates: its job's attempt and its address. */
export function instanceKey(v: InstanceView): string {
  return `${v.id}@${v.host}:${v.port}#${v.jobId}.${v.attempt}`;
}

export class Instance implements Member {
  readonly key: string;
  readonly id: string;
  zone: string | undefined;
  ncpus: number;
  capacity: number;
  inFlight = 0;
  readonly liveness: Liveness;
  readonly pool: Pool;
  served = 0;
  failed = 0;
  readonly latency = new LatencyHistogram();
  /** a health check is under way */
  checking = false;

  constructor(
    public view: InstanceView,
    capacity: number,
    liveness: LivenessConfig,
  ) {
    this.key = instanceKey(view);
    this.id = view.id;
    this.zone = view.zone;
    this.ncpus = Math.max(1, view.ncpus);
    this.capacity = capacity;
    this.liveness = new Liveness(liveness);
    const host = view.host.includes(':') ? `[${view.host}]` : view.host;
    // no bound on connections: the broker never has more than `capacity` calls on it (plus a
    // health check); pipelining 1: one call per connection at a time, kept alive between calls
    this.pool = new Pool(`http://${host}:${view.port}`, {
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connectTimeout: 5_000,
    });
  }

  /** Close the pool once the calls on it have ended. */
  retire(): void {
    this.pool.close().catch(() => this.pool.destroy().catch(() => {}));
  }
}
