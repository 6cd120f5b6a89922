// Services as the head tells brokers about them, and what brokers tell the head: the contract
// between head/service/ (the services and their instances, which run as jobs) and broker/ (which
// spreads calls over the instances). The head streams `WatchEvent`s as newline-delimited JSON on
// `GET /v1/services/watch`; brokers report their load on `POST /v1/brokers/report`.

/** How a broker chooses an instance for a call. */
export type BalancePolicy = 'least-outstanding' | 'p2c' | 'round-robin' | 'hash';

export const BALANCE_POLICIES: readonly BalancePolicy[] = ['least-outstanding', 'p2c', 'round-robin', 'hash'];

/** One running instance whose port answers: where brokers send calls. */
export interface InstanceView {
  /** `NAME.K`: the service's name and the instance's number (0 … instances − 1) */
  id: string;
  /** the job that runs it (a new attempt of the same job after a restart) */
  jobId: string;
  attempt: number;
  node: string;
  /** the node's address as the head reaches it, and the port the agent gave the instance */
  host: string;
  port: number;
  /** the node's `zone` label, when it has one */
  zone?: string;
  /** CPUs of the instance's job: the weight of least-outstanding, and the default capacity */
  ncpus: number;
}

export interface ServiceView {
  name: string;
  /** `user@host` of whoever started it */
  owner: string;
  policy: BalancePolicy;
  /** `hash`: where the session key is read (a header name, else a cookie name) */
  hashKey?: { header?: string; cookie?: string };
  /** calls one instance takes at once (default: its CPUs × 2) */
  maxConcurrency?: number;
  /** active health checks: GET `path` every `intervalMs`; `rise` passes readmit, `fall` failures eject */
  health?: { path: string; intervalMs: number; timeoutMs: number; rise: number; fall: number };
  /** the broker's FIFO queue for calls beyond capacity: its length and how long a call may wait */
  queue: { max: number; timeoutMs: number };
  /** how many times a call may be sent to another instance (see broker/ for which calls may) */
  retries: number;
  /** instances wanted (the head starts or stops jobs to match) */
  wanted: number;
  /** autoscaling bounds, when asked for (`--min`/`--max`) */
  scale?: { min: number; max: number };
  /** the instances that answer now; instances still starting are not listed */
  instances: InstanceView[];
}

/** What the head streams to a broker: the whole picture first, then each change. */
export type WatchEvent =
  | { t: 'snapshot'; services: ServiceView[] }
  | { t: 'service'; service: ServiceView }
  | { t: 'removed'; name: string }
  /** sent every few seconds so that a broker notices a dead stream */
  | { t: 'ping' };

/** One service's traffic at one broker, as the broker counts it. */
export interface ServiceLoad {
  inFlight: number;
  queued: number;
  served: number;
  failed: number;
  /** milliseconds a call waited in the queue, on average over the last report period */
  queueWaitMs: number;
  /** share of the last report period the service's instances had no call (0 … 1) */
  idle: number;
  latencyMs: { p50: number; p90: number; p99: number };
}

/** `POST /v1/brokers/report`, every few seconds from each broker. */
export interface BrokerReport {
  /** the broker's own name (default: its listen address) */
  name: string;
  listen: string;
  zone?: string;
  services: Record<string, ServiceLoad>;
}
