// The head's role in a pair (primary, standby, or candidate between the two) and the moves
// between them. A head acts as primary only while it holds a majority lease: itself plus the
// witness or the standby (core/ha/lease.ts). The primary renews with the witness and pings its
// standby every heartbeat; losing both for the lease's length stops it at once (the head's parts
// stop, its API answers "not primary"). The standby replicates (head/ha/standby-sync.ts) and asks
// the witness for the next epoch once the primary has been silent for the takeover time; the
// witness grants it only when the old lease has run out and the standby was in sync. A head
// that meets a newer epoch (from the witness, an agent or the standby) steps down and follows.
import type { Logger } from 'pino';
import { MajorityLease } from '../../core/ha/lease.js';
import type { WitnessReply } from '../../core/protocol/ha-witness.js';
import type { Store } from '../db/store.js';
import type { HaOptions, HeadOptions } from '../head-options.js';
import { type RunningHead, startHead } from '../main.js';
import { splitAddress } from './ha-address.js';
import type { HaStatus, HaWired } from './ha-hooks.js';
import { HomeChanges } from './home-mirror.js';
import { PrimaryFeed } from './primary-feed.js';
import { StandbyRole } from './standby-role.js';
import { fenceOldPrimary, headEvent } from './takeover.js';
import { WitnessClient } from './witness-client.js';

type Role = HaStatus['role'];

export class HaController {
  role: Role = 'candidate';
  epoch = 0;
  primary: string | null = null;
  private running: RunningHead | undefined;
  private feed: PrimaryFeed | undefined;
  private standby: StandbyRole | undefined;
  private lease: MajorityLease;
  private readonly witness: WitnessClient;
  private timer: NodeJS.Timeout | undefined;
  private witnessAt: number | undefined;
  private moving: Promise<void> = Promise.resolve();
  private stopped = false;
  private ticking = false;
  private leaseWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  /** what the witness was last told of the standby */
  private reportedInSync = false;

  constructor(
    private readonly opts: HeadOptions,
    private readonly ha: HaOptions,
    private readonly log: Logger,
    /** the head cannot run at all: the process ends with this */
    private readonly fatal: (message: string, code: number) => void,
  ) {
    this.lease = new MajorityLease(ha.leaseMs);
    this.witness = new WitnessClient(ha.witness, ha.key);
  }

  get home(): string {
    return this.opts.home;
  }

  /** Decide the first role: the standby of --standby-of, else primary if the witness agrees. */
  async start(): Promise<void> {
    if (this.ha.standbyOf) return this.move(() => this.becomeStandby(this.ha.standbyOf!));
    return this.move(() => this.claim());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.moving;
    await this.leaveRole();
  }

  /** One move at a time (a step-down while a takeover starts waits for it). */
  private move(fn: () => Promise<void>): Promise<void> {
    this.moving = this.moving.then(async () => {
      if (this.stopped) return;
      try {
        await fn();
      } catch (e) {
        this.log.error({ err: e }, 'HA role change failed; trying again as candidate');
        await this.leaveRole();
        setTimeout(() => void this.move(() => this.claim()), this.ha.heartbeatMs);
      }
    });
    return this.moving;
  }

  private async leaveRole(): Promise<void> {
    clearInterval(this.timer);
    if (this.role === 'primary') this.notActing('candidate');
    this.feed?.stop();
    this.feed = undefined;
    await this.running?.stop();
    this.running = undefined;
    await this.standby?.stop();
    this.standby = undefined;
  }

  /** Ask the witness for the lease (a head starting, or a candidate): primary, or standby of the holder. */
  private async claim(): Promise<void> {
    const sentAt = performance.now();
    const r = await this.witness.request(
      { t: 'acquire', head: this.ha.listen, epoch: this.knownEpoch() },
      2000,
    );
    if (r?.t === 'granted') {
      this.witnessGranted(sentAt, r, true);
      return this.becomePrimary(r.epoch, r.epoch > this.knownEpoch());
    }
    if (r?.t === 'refused' && r.holder && r.holder !== this.ha.listen) return this.becomeStandby(r.holder);
    this.log.warn({ reply: r }, 'no lease from the witness yet');
    setTimeout(() => void this.move(() => this.claim()), this.ha.heartbeatMs);
  }

  /** The epoch in this head's database (0 before any). */
  private knownEpoch(): number {
    return Math.max(this.epoch, this.standby?.sync?.epoch ?? 0);
  }

  /** `takeover`: a new epoch over another head's work (recorded in the jobs' histories). */
  private async becomePrimary(epoch: number, takeover: boolean): Promise<void> {
    await this.leaveRole();
    const previous = this.primary;
    this.epoch = epoch;
    this.role = 'primary';
    this.primary = this.ha.listen;
    // the lease is renewed while the head starts (its nodes may take seconds to answer)
    this.timer = setInterval(() => void this.primaryTick(), this.ha.heartbeatMs);
    const started = await startHead(this.opts, this.log, { opened: (store) => this.wire(store) });
    if ('error' in started) {
      // a head that cannot start (bad options, a head already running) will not start later
      this.stopped = true;
      this.fatal(started.error, started.code);
      return;
    }
    this.running = started;
    if (takeover) headEvent(started.store, epoch, this.ha.listen);
    if (previous && previous !== this.ha.listen && this.ha.fenceCommand)
      void fenceOldPrimary(this.ha.fenceCommand, previous, this.log);
    this.log.info({ epoch, me: this.ha.listen }, 'primary');
  }

  /** The hooks of the head's parts, and the feed to the standby, over the opened store. */
  private wire(store: Store): HaWired {
    store.meta.set('epoch', String(this.epoch));
    const changes = new HomeChanges(this.home);
    const [host, port] = splitAddress(this.ha.listen);
    this.feed = new PrimaryFeed(
      store,
      changes,
      {
        host,
        port,
        key: this.ha.key,
        home: this.home,
        sync: this.ha.sync,
        syncTimeoutMs: this.ha.syncTimeoutMs,
        heartbeatMs: this.ha.heartbeatMs,
        epoch: () => this.epoch,
        api: this.opts.listen ? `http://${this.opts.listen}` : null,
        log: this.log,
      },
      {
        syncChanged: (inSync) => this.report(inSync),
        pong: (sentAt) => {
          this.lease.granted('standby', sentAt);
          this.leaseRenewed();
        },
        staleEpoch: (e) => this.onStaleEpoch(e, 'the standby'),
      },
    );
    void this.feed.start().catch((e) => this.log.error({ err: e }, 'HA listener failed'));
    const feed = this.feed;
    const acting = () => this.acting();
    return {
      epoch: () => this.epoch,
      onStaleEpoch: (e, from) => this.onStaleEpoch(e, from),
      durable: async () => {
        await feed.durable();
        while (!acting()) await this.whenActing();
      },

      acting,
      ready: () => acting() && feed.caughtUp(),
      changes,
      api: { status: () => this.status(), switchover: () => this.switchover() },
    };
  }

  /** Tell the witness whether the standby is in sync; resolves only once it has recorded it. */
  private async report(inSync: boolean): Promise<void> {
    for (;;) {
      const sentAt = performance.now();
      const r = await this.witness.request(
        { t: 'renew', head: this.ha.listen, epoch: this.epoch, standbyInSync: inSync },
        1000,
      );
      if (r?.t === 'granted') {
        this.reportedInSync = inSync;
        this.witnessGranted(sentAt, r);
        return;
      }
      if (r?.t === 'refused') this.lostTo(r);
      if (this.role !== 'primary') return new Promise<void>(() => undefined);
      await new Promise((res) => setTimeout(res, this.ha.heartbeatMs / 2));
    }
  }

  /** The witness granted (or renewed) the lease: counted from when it was asked. */
  private witnessGranted(sentAt: number, r: WitnessReply & { t: 'granted' }, acquired = false): void {
    if (!acquired && r.epoch !== this.epoch) return;
    this.lease.granted('witness', sentAt, r.leaseMs);
    this.witnessAt = performance.now();
    this.leaseRenewed();
  }

  /** Those waiting for the lease to be held again (a stalled loop let it lapse) go on. */
  private leaseRenewed(): void {
    if (!this.acting()) return;
    for (const w of this.leaseWaiters.splice(0)) w.resolve();
  }

  private acting(): boolean {
    return this.role === 'primary' && this.lease.holds(performance.now());
  }

  /** Resolves once this head acts (holds the lease as primary); rejects once it is no longer
   * primary (what waited is not answered: a command retries it elsewhere). */
  private whenActing(): Promise<void> {
    if (this.acting()) return Promise.resolve();
    if (this.role !== 'primary') return Promise.reject(new Error('not primary'));
    return new Promise((resolve, reject) => this.leaseWaiters.push({ resolve, reject }));
  }

  /** No longer primary: whatever waited to act will not. */
  private notActing(role: Role): void {
    this.role = role;
    for (const w of this.leaseWaiters.splice(0)) w.reject(new Error('not primary'));
  }

  /** Renew with the witness; a head whose lease has run out even so (neither the witness nor the
   * standby answered in time) stops acting. A stalled event loop that let the lease lapse is
   * forgiven when the witness still renews it: no other head took over meanwhile. */
  private async primaryTick(): Promise<void> {
    if (this.role !== 'primary' || this.ticking) return;
    this.ticking = true;
    const sentAt = performance.now();
    const inSync = this.feed?.inSync ?? false;
    const r = await this.witness.request(
      { t: 'renew', head: this.ha.listen, epoch: this.epoch, standbyInSync: inSync && this.reportedInSync },
      this.ha.heartbeatMs,
    );
    this.ticking = false;
    if (r?.t === 'granted') this.witnessGranted(sentAt, r);
    else if (r?.t === 'refused') this.lostTo(r);
    else this.log.debug({ problem: this.witness.lastProblem }, 'no renewal from the witness');
    if (this.role === 'primary' && !this.lease.holds(performance.now())) {
      // when the lease ran out by this head's clock: it has not acted since
      const expires = this.lease.expiresAt() ?? performance.now();
      const leaseEndedAt = Math.round(Date.now() - (performance.now() - expires));
      this.log.error({ epoch: this.epoch, leaseEndedAt }, 'lost the majority: no longer primary');
      this.notActing('candidate');
      void this.move(() => this.becomeCandidate());
    }
  }

  /** The witness names a newer epoch: step down and follow its holder. */
  private lostTo(r: WitnessReply & { t: 'refused' }): void {
    if (r.epoch > this.epoch && r.holder && r.holder !== this.ha.listen) {
      this.log.warn({ epoch: r.epoch, holder: r.holder }, 'a newer primary: stepping down');
      const holder = r.holder;
      void this.move(() => this.becomeStandby(holder));
    }
  }

  private onStaleEpoch(epoch: number, from: string): void {
    if (epoch <= this.epoch || this.role !== 'primary') return;
    this.log.warn({ epoch, from }, 'a newer epoch: stepping down');
    this.notActing('candidate');
    void this.move(() => this.becomeCandidate());
  }

  /** Stopped acting; ask the witness what to be (primary again, or standby of the holder). */
  private async becomeCandidate(): Promise<void> {
    await this.leaveRole();
    this.role = 'candidate';
    this.standby = await StandbyRole.serveOnly(this.opts, () => this.status());
    setTimeout(() => void this.move(() => this.claim()), this.ha.heartbeatMs);
  }

  private async becomeStandby(primary: string): Promise<void> {
    await this.leaveRole();
    this.role = 'standby';
    this.primary = primary;
    this.standby = await StandbyRole.start(this.opts, this.ha, primary, this.log, () => this.status());
    this.standby.onTakeover = () => void this.move(() => this.takeOver());
    this.log.info({ primary }, 'standby');
  }

  /** The primary is silent (or handed over): the next epoch from the witness, then primary. */
  private async takeOver(): Promise<void> {
    if (this.role !== 'standby' || !this.standby?.sync) return;
    const sentAt = performance.now();
    const epoch = this.standby.sync.epoch;
    const r = await this.witness.request({ t: 'acquire', head: this.ha.listen, epoch }, 2000);
    if (r?.t !== 'granted') {
      this.log.warn({ reply: r }, 'takeover refused by the witness');
      // a takeover this standby did not know of: follow the new primary
      if (r?.t === 'refused' && r.holder && r.holder !== this.ha.listen && r.epoch > epoch)
        return this.becomeStandby(r.holder);
      this.standby.takeoverRefused();
      return;
    }
    this.witnessGranted(sentAt, r, true);
    this.log.warn({ epoch: r.epoch, old: this.primary }, 'taking over');
    await this.becomePrimary(r.epoch, true);
  }

  /** Planned: stop acting, let the standby catch up, hand over, then follow it. */
  private async switchover(): Promise<{ ok: true; primary: string } | { ok: false; message: string }> {
    const feed = this.feed;
    const to = feed?.standby?.from;
    if (this.role !== 'primary' || !feed || !to || !feed.inSync)
      return { ok: false, message: 'no standby in sync to hand over to' };
    void this.move(async () => {
      clearInterval(this.timer);
      this.notActing('candidate');
      await this.running?.stop();
      this.running = undefined;
      if (!(await feed.handOver(this.epoch, 10_000))) {
        this.log.error('the standby did not catch up: staying primary');
        return this.claim();
      }
      await this.witness.request({ t: 'release', head: this.ha.listen, epoch: this.epoch }, 2000);
      return this.becomeStandby(to);
    });
    return { ok: true, primary: to };
  }

  status(): HaStatus {
    const now = performance.now();
    const feed = this.feed;
    const sync = this.standby?.sync;
    const heard = this.role === 'primary' ? feed?.heardAt : sync?.heardAt;
    return {
      role: this.role,
      me: this.ha.listen,
      epoch: this.role === 'primary' ? this.epoch : Math.max(this.epoch, sync?.epoch ?? 0),
      primary: this.primary,
      primaryApi:
        this.role === 'primary'
          ? this.opts.listen
            ? `http://${this.opts.listen}`
            : null
          : (sync?.primaryApi ?? null),
      standby: feed?.standby
        ? { from: feed.standby.from, connected: feed.connected(), lag: feed.lag(), inSync: feed.inSync }
        : null,
      sync: this.ha.sync,
      lastHeartbeatMs: heard ? Math.round(now - heard) : null,
      witnessMs: this.witnessAt === undefined ? null : Math.round(now - this.witnessAt),
      quorum: this.role === 'primary' && this.lease.holds(now),
    };
  }
}
