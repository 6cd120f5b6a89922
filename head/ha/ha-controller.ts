// The head's role in a pair (primary, standby, or candidate between the two) and the moves
// between them. A head acts as primary only while it holds a majority lease: itself plus the
// witness or the standby (core/ha/lease.ts). The primary renews with the witness and pings its
// standby every heartbeat; losing both for the lease's length stops it at once (the head's parts
// stop, its API answers "not primary"). The standby replicates (head/ha/standby-sync.ts) and asks
// the witness for the next epoch once the primary has been silent for the takeover time; the
// witness grants it only when the old lease has run out and the standby was in sync. A head
// that meets a newer epoch (from the witness, an agent or the standby) steps down and follows.
import type { Logger } from 'pino';
import type { HaStatus } from '../../core/protocol/ha-status.js';
import type { WitnessReply } from '../../core/protocol/ha-witness.js';
import type { Store } from '../db/store.js';
import type { HaOptions, HeadOptions } from '../head-options.js';
import { type RunningHead, startHead } from '../main.js';
import { storedEpoch } from '../nodes/head-epoch.js';
import type { HaWired } from './ha-hooks.js';
import { LeaseKeeper } from './lease-keeper.js';
import type { PrimaryFeed } from './primary-feed.js';
import { wirePrimary } from './primary-hooks.js';
import { StandbyRole } from './standby-role.js';
import { haStatus } from './status-report.js';
import { fenceOldPrimary, headEvent } from './takeover.js';

type Role = HaStatus['role'];

export class HaController {
  role: Role = 'candidate';
  epoch = 0;
  primary: string | null = null;
  private running: RunningHead | undefined;
  private feed: PrimaryFeed | undefined;
  private standby: StandbyRole | undefined;
  private readonly lease: LeaseKeeper;
  private timer: NodeJS.Timeout | undefined;
  private moving: Promise<void> = Promise.resolve();
  private stopped = false;
  private ticking = false;
  /** the epoch this head starts as primary in is newer than its database's */
  private takeover = false;

  constructor(
    private readonly opts: HeadOptions,
    private readonly ha: HaOptions,
    private readonly log: Logger,
    /** the head cannot run at all: the process ends with this */
    private readonly fatal: (message: string, code: number) => void,
  ) {
    this.lease = new LeaseKeeper(ha, log);
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
    const r = await this.lease.acquire(this.knownEpoch());
    if (r?.t === 'granted') return this.becomePrimary(r.epoch);
    if (r?.t === 'refused' && r.holder && r.holder !== this.ha.listen) return this.becomeStandby(r.holder);
    this.log.warn({ reply: r }, 'no lease from the witness yet');
    setTimeout(() => void this.move(() => this.claim()), this.ha.heartbeatMs);
  }

  /** The epoch in this head's database (0 before any). */
  private knownEpoch(): number {
    return Math.max(this.epoch, this.standby?.sync?.epoch ?? 0);
  }

  /** Start the head as primary of `epoch`; an epoch newer than its database's is a takeover
   * (recorded in the jobs' histories). */
  private async becomePrimary(epoch: number): Promise<void> {
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
    if (this.takeover) headEvent(started.store, epoch, this.ha.listen);
    if (previous && previous !== this.ha.listen && this.ha.fenceCommand)
      void fenceOldPrimary(this.ha.fenceCommand, previous, this.log);
    this.log.info({ epoch, me: this.ha.listen }, 'primary');
  }

  /** The hooks of the head's parts, and the feed to the standby, over the opened store. */
  private wire(store: Store): HaWired {
    this.takeover = storedEpoch(store) !== this.epoch;
    store.meta.set('epoch', String(this.epoch));
    const { feed, wired } = wirePrimary(store, this.opts, this.ha, this.log, {
      epoch: () => this.epoch,
      report: (inSync) => this.report(inSync),
      pong: (sentAt) => this.lease.pong(sentAt),
      onStaleEpoch: (e, from) => this.onStaleEpoch(e, from),
      acting: () => this.acting(),
      whenActing: () => this.whenActing(),
      api: { status: () => this.status(), switchover: () => this.switchover() },
    });
    this.feed = feed;
    return wired;
  }

  /** Tell the witness whether the standby is in sync; resolves only once it has recorded it
   * (never, on a head that stopped being primary meanwhile). */
  private async report(inSync: boolean): Promise<void> {
    for (;;) {
      const r = await this.lease.renew(this.epoch, inSync, 1000);
      if (r?.t === 'granted') {
        this.lease.reportedInSync = inSync;
        return;
      }
      if (r?.t === 'refused') this.lostTo(r);
      if (this.role !== 'primary') return new Promise<void>(() => undefined);
      await new Promise((res) => setTimeout(res, this.ha.heartbeatMs / 2));
    }
  }

  private acting(): boolean {
    return this.role === 'primary' && this.lease.holds();
  }

  /** Resolves once this head acts (holds the lease as primary); rejects once it is no longer
   * primary (what waited is not answered: a command retries it elsewhere). */
  private whenActing(): Promise<void> {
    if (this.role !== 'primary') return Promise.reject(new Error('not primary'));
    return this.lease.whenHeld();
  }

  /** No longer primary: whatever waited to act will not. */
  private notActing(role: Role): void {
    this.role = role;
    this.lease.dropWaiters();
  }

  /** Renew with the witness; a head whose lease has run out even so (neither the witness nor the
   * standby answered in time) stops acting. A stalled event loop that let the lease lapse is
   * forgiven when the witness still renews it: no other head took over meanwhile. */
  private async primaryTick(): Promise<void> {
    if (this.role !== 'primary' || this.ticking) return;
    this.ticking = true;
    const inSync = (this.feed?.inSync ?? false) && this.lease.reportedInSync;
    const r = await this.lease.renew(this.epoch, inSync, this.ha.heartbeatMs);
    this.ticking = false;
    if (r?.t === 'refused') this.lostTo(r);
    if (this.role === 'primary' && !this.lease.holds()) {
      // when the lease ran out by this head's clock: it has not acted since
      this.log.error(
        { epoch: this.epoch, leaseEndedAt: this.lease.endedAt() },
        'lost the majority: no longer primary',
      );
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
    const epoch = this.standby.sync.epoch;
    const r = await this.lease.acquire(epoch);
    if (r?.t !== 'granted') {
      this.log.warn({ reply: r }, 'takeover refused by the witness');
      // a takeover this standby did not know of: follow the new primary
      if (r?.t === 'refused' && r.holder && r.holder !== this.ha.listen && r.epoch > epoch)
        return this.becomeStandby(r.holder);
      this.standby.takeoverRefused();
      return;
    }
    this.log.warn({ epoch: r.epoch, old: this.primary }, 'taking over');
    await this.becomePrimary(r.epoch);
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
      await this.lease.release(this.epoch);
      return this.becomeStandby(to);
    });
    return { ok: true, primary: to };
  }

  status(): HaStatus {
    return haStatus({
      role: this.role,
      ha: this.ha,
      listen: this.opts.listen,
      epoch: this.epoch,
      primary: this.primary,
      feed: this.feed,
      sync: this.standby?.sync,
      lease: this.lease,
      acting: this.acting(),
    });
  }
}
