// What `drover service` and the brokers ask the head: start a service (its instances submitted as
// jobs through the same queue, scheduler, agents and permissions as qsub's), list it, show it,
// scale it, stop it; brokers' reports, which also drive autoscaling between --min and --max.
import { ok, type Result, refuse } from '../../core/errors.js';
import { mayControl, type Requester, UNAUTHORIZED } from '../../core/policy/permissions.js';
import type { HeadMessage } from '../../core/protocol/agent-protocol.js';
import type { BrokerReport } from '../../core/protocol/service-view.js';
import { autoscaleDecision } from '../../core/service/service-autoscale.js';
import { checkServiceName, MAX_INSTANCES, type ServiceStart } from '../../core/service/service-options.js';
import type { BrokerStatus, ServiceStatus } from '../../core/service/service-status.js';
import type { GroupCommit } from '../db/group-commit.js';
import type { StoredService } from '../db/services-table.js';
import type { Store } from '../db/store.js';
import type { Cluster } from '../nodes/cluster.js';
import { BrokerRegistry } from './broker-registry.js';
import { matchInstances, submitInstance } from './service-scaling.js';
import { serviceStatus } from './service-views.js';
import type { ServiceWatch } from './watch-broadcast.js';

export interface ServiceDeps {
  store: Store;
  server: string;
  cluster: Cluster;
  poke: () => void;
  watch: ServiceWatch;
  group?: GroupCommit;
  clock?: () => number;
}

/** A refusal that rolls back the transaction it is thrown from. */
class Rollback extends Error {
  constructor(readonly refusal: Result<never>) {
    super('rolled back');
  }
}

export class ServiceOps {
  readonly brokers = new BrokerRegistry();
  /** when autoscaling last changed each service (epoch ms) */
  private readonly lastStep = new Map<string, number>();

  constructor(private readonly d: ServiceDeps) {}

  get watch(): ServiceWatch {
    return this.d.watch;
  }

  private now(): number {
    return (this.d.clock ?? Date.now)();
  }

  /** Run `work` in one transaction (the next group commit), then send its signals and tell watchers. */
  private async commit<T>(
    name: string,
    work: () => Result<T>,
    signals: [string, HeadMessage][],
  ): Promise<Result<T>> {
    const unit = () => {
      try {
        return this.d.store.transaction(() => {
          const r = work();
          if (!r.ok) throw new Rollback(r);
          return r;
        });
      } catch (e) {
        if (e instanceof Rollback) return e.refusal;
        throw e;
      }
    };
    const r = this.d.group ? await this.d.group.run(unit) : unit();
    if (r.ok) {
      for (const [node, m] of signals) this.d.cluster.send(node, m);
      this.d.poke();
    }
    this.d.watch.touch(name);
    return r;
  }

  private find(name: string, who?: Requester): Result<StoredService> {
    const s = this.d.store.services.get(name);
    if (!s) return refuse('UNKNOWN_JOB', `Unknown service ${name}`);
    if (who && !mayControl(who, s.owner)) return refuse('UNAUTHORIZED', `${UNAUTHORIZED} ${name}`);
    return ok(s);
  }

  /** Start a service owned by the requester: its row and its instances' jobs, in one transaction. */
  start(asked: ServiceStart, who: Requester): Promise<Result<{ name: string; jobs: string[] }>> {
    const { name, instances, settings } = asked;
    const bad = checkServiceName(name);
    if (bad) return Promise.resolve(refuse('USAGE', bad));
    const scale = settings.scale;
    if (scale && !(scale.min <= instances && instances <= scale.max && scale.min <= scale.max))
      return Promise.resolve(
        refuse('USAGE', `--min ${scale.min} <= ${instances} <= --max ${scale.max} does not hold`),
      );
    const at = this.now();
    const spec = { ...asked.spec, user: who.user };
    const service: StoredService = {
      name,
      owner: `${who.user}@${who.host}`,
      settings,
      spec,
      wanted: instances,
      state: 'running',
      created: at,
    };
    return this.commit(name, () => {
      if (this.d.store.services.get(name)) return refuse('BAD_STATE', `service ${name} exists already`);
      this.d.store.services.insert(service);
      const jobs: string[] = [];
      for (let k = 0; k < instances; k++) {
        const r = submitInstance(this.d, service, k, at, who.uid);
        if (!r.ok) return r;
        jobs.push(r.value.id);
      }
      return ok({ name, jobs });
    }, []);
  }

  list(): ServiceStatus[] {
    return this.d.store.services.all().map((s) => serviceStatus(this.d.store, s, this.brokers, this.now()));
  }

  status(name: string): Result<ServiceStatus> {
    const s = this.find(name);
    return s.ok ? ok(serviceStatus(this.d.store, s.value, this.brokers, this.now())) : s;
  }

  /** Run `n` instances: submit the missing ones, delete those numbered `n` and above. */
  scale(name: string, n: number, who: Requester | 'autoscale'): Promise<Result<ServiceStatus>> {
    const s = this.find(name, who === 'autoscale' ? undefined : who);
    if (!s.ok) return Promise.resolve(s);
    if (s.value.state !== 'running')
      return Promise.resolve(refuse('BAD_STATE', `service ${name} is stopping`));
    const bounds = s.value.settings.scale;
    const low = bounds?.min ?? 0;
    const high = bounds?.max ?? MAX_INSTANCES;
    if (!(Number.isInteger(n) && n >= low && n <= high))
      return Promise.resolve(refuse('USAGE', `${name} runs from ${low} to ${high} instances, not ${n}`));
    const by = who === 'autoscale' ? `autoscale of ${name}` : `${who.user}@${who.host}`;
    const signals: [string, HeadMessage][] = [];
    return this.commit(
      name,
      () => {
        this.d.store.services.setWanted(name, n);
        const r = matchInstances(this.d, { ...s.value, wanted: n }, by, this.now(), signals);
        return r.ok ? this.status(name) : r;
      },
      signals,
    );
  }

  /** Delete every instance job; the service is removed once the last one has ended. */
  stop(name: string, who: Requester): Promise<Result<{ name: string }>> {
    const s = this.find(name, who);
    if (!s.ok) return Promise.resolve(s);
    const signals: [string, HeadMessage][] = [];
    return this.commit(
      name,
      () => {
        const { store } = this.d;
        store.services.setState(name, 'stopping');
        store.services.setWanted(name, 0);
        const r = matchInstances(
          this.d,
          { ...s.value, wanted: 0, state: 'stopping' },
          `${who.user}@${who.host}`,
          this.now(),
          signals,
        );
        if (!r.ok) return r;
        if (store.services.instances(name).length === 0) store.services.remove(name);
        return ok({ name });
      },
      signals,
    );
  }

  /** A broker's report: kept (any authenticated user may report), then autoscaling decides. */
  async report(report: BrokerReport): Promise<void> {
    const now = this.now();
    this.brokers.record(report, now);
    for (const name of Object.keys(report.services)) {
      const s = this.d.store.services.get(name);
      if (!s?.settings.scale || s.state !== 'running') continue;
      const loads = this.brokers.loads(name, now);
      const last = this.lastStep.get(name);
      const next = autoscaleDecision({
        wanted: s.wanted,
        scale: s.settings.scale,
        loads,
        now,
        ...(last !== undefined ? { lastStep: last } : {}),
      });
      if (next === undefined) continue;
      this.lastStep.set(name, now);
      await this.scale(name, next, 'autoscale');
    }
  }

  brokerList(): BrokerStatus[] {
    return this.brokers.list(this.now());
  }
}
