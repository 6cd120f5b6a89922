// One service at this broker: its instances (kept across the head's updates while they are the
// same job attempt at the same address), the balancer over them, the FIFO queue of calls beyond
// their capacity, and its counters. Calls enter through `submit`; a call that leaves an instance
// frees its slot and the queue's first call takes it.
import { Balancer } from '../core/balancing/balancer.js';
import { LatencyHistogram } from '../core/balancing/latency-histogram.js';
import type { LivenessConfig } from '../core/balancing/liveness.js';
import type { Outcome } from '../core/balancing/retry-rules.js';
import type { ServiceView } from '../core/protocol/service-view.js';
import type { Call, CallHost } from './call.js';
import { CallQueue } from './call-queue.js';
import { Instance, instanceKey } from './instance.js';

export interface ServiceTuning {
  zone: string | undefined;
  liveness: LivenessConfig;
  panicThreshold: number;
  boundFactor: number;
  now: () => number;
}

/** Counts since the last load report. */
export interface PeriodCounts {
  start: number;
  served: number;
  failed: number;
  shed: number;
  waitMs: number;
  waited: number;
  idleMs: number;
}

export class ServiceState implements CallHost {
  readonly balancer: Balancer<Instance>;
  instances: Instance[] = [];
  readonly queue: CallQueue<Call>;
  retries = 0;
  inFlight = 0;
  served = 0;
  failed = 0;
  shed = 0;
  readonly latency = new LatencyHistogram();
  readonly periodLatency = new LatencyHistogram();
  period: PeriodCounts;
  private idleSince: number;

  constructor(
    public view: ServiceView,
    private readonly tuning: ServiceTuning,
  ) {
    this.balancer = new Balancer<Instance>(view.policy, {
      zone: tuning.zone,
      panicThreshold: tuning.panicThreshold,
      boundFactor: tuning.boundFactor,
    });
    this.queue = new CallQueue<Call>(view.queue.max, view.queue.timeoutMs, tuning.now);
    this.idleSince = tuning.now();
    this.period = this.newPeriod(this.idleSince);
    this.apply(view);
  }

  get name(): string {
    return this.view.name;
  }

  /** The head's new view of the service: instances that stay keep their state and connections. */
  apply(view: ServiceView): void {
    this.view = view;
    this.retries = Math.max(0, view.retries);
    this.queue.max = view.queue.max;
    this.queue.timeoutMs = view.queue.timeoutMs;
    const liveness = {
      ...this.tuning.liveness,
      ...(view.health ? { rise: view.health.rise, fall: view.health.fall } : {}),
    };
    const old = new Map(this.instances.map((i) => [i.key, i]));
    this.instances = view.instances.map((v) => {
      const capacity = view.maxConcurrency ?? Math.max(1, v.ncpus) * 2;
      const kept = old.get(instanceKey(v));
      old.delete(instanceKey(v));
      if (!kept) return new Instance(v, capacity, liveness);
      kept.view = v;
      kept.zone = v.zone;
      kept.ncpus = Math.max(1, v.ncpus);
      kept.capacity = capacity;
      return kept;
    });
    for (const gone of old.values()) gone.retire();
    this.balancer.setMembers(this.instances, view.policy);
    this.pump();
  }

  /** Seconds a refused caller is told to wait before trying again. */
  get retryAfterS(): number {
    return Math.max(1, Math.ceil(this.view.queue.timeoutMs / 1000));
  }

  /** Whether a new call would be refused at once (no free slot, the queue full). */
  wouldShed(): boolean {
    return this.queue.full && this.balancer.choose(this.tuning.now()) === undefined;
  }

  /** A new call: to an instance now, else into the queue, else refused (503). */
  submit(call: Call): void {
    const now = this.tuning.now();
    const instance = this.queue.length === 0 ? this.balancer.choose(now, call.request.key) : undefined;
    if (instance) {
      this.send(call, instance, now);
      return;
    }
    call.queuedAt = now;
    if (this.queue.push(call)) return;
    this.countShed();
    call.sink.fail(503, `service ${this.name}: ${this.queue.max} calls already wait`, this.retryAfterS);
  }

  countShed(): void {
    this.shed++;
    this.period.shed++;
  }

  /** A queued call waited longer than the queue's timeout. */
  expired(call: Call): void {
    this.countShed();
    call.sink.fail(
      503,
      `service ${this.name}: no instance was free within ${this.view.queue.timeoutMs} ms`,
      this.retryAfterS,
    );
  }

  private send(call: Call, instance: Instance, now: number): void {
    instance.inFlight++;
    if (this.inFlight++ === 0) this.period.idleMs += now - this.idleSince;
    call.send(instance, now);
  }

  finished(call: Call, outcome: Outcome): void {
    const instance = call.instance!;
    const now = this.tuning.now();
    instance.inFlight--;
    if (--this.inFlight === 0) this.idleSince = now;
    const ms = now - call.startedAt;
    if (outcome === 'answered') {
      instance.served++;
      instance.liveness.callSucceeded();
      instance.latency.record(ms);
      this.served++;
      this.period.served++;
      this.latency.record(ms);
      this.periodLatency.record(ms);
    } else if (outcome !== 'dropped') {
      instance.failed++;
      instance.liveness.callFailed(now);
    }
    this.pump();
  }

  failedCall(): void {
    this.failed++;
    this.period.failed++;
  }

  cancel(call: Call): void {
    this.queue.cancel(call);
  }

  alternative(call: Call): boolean {
    const tried = call.tried ? [...call.tried, call.instance!] : [call.instance!];
    return this.balancer.hasUntried(this.tuning.now(), tried);
  }

  redispatch(call: Call): boolean {
    const now = this.tuning.now();
    if (!this.balancer.hasUntried(now, call.tried!)) return false;
    const instance =
      this.queue.length === 0 ? this.balancer.choose(now, call.request.key, call.tried) : undefined;
    if (instance) this.send(call, instance, now);
    else this.queue.unshift(call);
    return true;
  }

  /** Give free slots to the queue's first calls. */
  pump(): void {
    if (this.queue.length === 0) return;
    const now = this.tuning.now();
    for (let call = this.queue.peek(); call; call = this.queue.peek()) {
      const instance = this.balancer.choose(now, call.request.key, call.tried);
      if (!instance) return;
      this.queue.shift();
      this.period.waitMs += now - call.queuedAt;
      this.period.waited++;
      this.send(call, instance, now);
    }
  }

  /** Start a new report period; the finished one's counts, with its idle time. */
  rollPeriod(): PeriodCounts {
    const now = this.tuning.now();
    const done = this.period;
    if (this.inFlight === 0) {
      done.idleMs += now - this.idleSince;
      this.idleSince = now;
    }
    this.period = this.newPeriod(now);
    return done;
  }

  private newPeriod(start: number): PeriodCounts {
    return { start, served: 0, failed: 0, shed: 0, waitMs: 0, waited: 0, idleMs: 0 };
  }

  /** The service is gone: waiting calls are refused, connections closed once their calls end. */
  close(): void {
    this.queue.drain((call) => call.sink.fail(503, `service ${this.name} is gone`, 1));
    for (const i of this.instances) i.retire();
    this.instances = [];
    this.balancer.setMembers([]);
  }
}
