// Advance reservations at the head: pbs_rsub (stored, then confirmed or denied at once, with
// PBS's answer), pbs_rstat, pbs_rdel (owner, operators, managers), and the clock that starts and
// ends their windows. The clock runs every second and again at the exact moment of the next start
// or end, from what the database holds, so a restarted head (or a standby that took over) picks
// up where its predecessor left off.
import type { Logger } from 'pino';
import { ok, type Refusal, type Result } from '../../core/errors.js';
import { resvSeq } from '../../core/pbs/resv-id.js';
import { ctime } from '../../core/pbs/time-format.js';
import { mayControl, type Requester, UNAUTHORIZED } from '../../core/policy/permissions.js';
import type { ReservationRecord, ResvRequest } from '../../core/reservation-record.js';
import type { GroupCommit } from '../db/group-commit.js';
import type { StoredReservation } from '../db/reservations-table.js';
import type { Store } from '../db/store.js';
import type { Cluster } from '../nodes/cluster.js';
import { reservationRecord } from './reservation-records.js';
import {
  begin,
  decide,
  finish,
  hasLiveJobs,
  liveJobIds,
  purge,
  storeReservation,
} from './reservation-steps.js';

export interface ReservationsDeps {
  store: Store;
  server: string;
  cluster: Cluster;
  log: Logger;
  group?: GroupCommit;
  /** ask for a scheduling pass (a window has begun: its jobs may run) */
  poke: () => void;
  /** delete these jobs as the head (qdel: queued ones at once, running ones killed) */
  deleteJobs: (ids: string[]) => void;
  clock?: () => number;
}

/** What pbs_rsub prints (`R12.server UNCONFIRMED`) and, for a denial it waited for, why. */
export interface Submitted {
  id: string;
  answer: string;
  reason?: string;
}

export interface ResvQueryResult {
  operand?: string;
  records: ReservationRecord[];
  error?: Refusal;
}

export class Reservations {
  private interval: NodeJS.Timeout | undefined;
  private exact: NodeJS.Timeout | undefined;
  /** whether the first tick has deleted again the jobs of reservations a stopped head was ending */
  private recovered = false;

  constructor(private readonly d: ReservationsDeps) {}

  private nowSeconds(): number {
    return Math.floor((this.d.clock ?? Date.now)() / 1000);
  }

  /**
   * pbs_rsub: stored, then decided in the same commit. As PBS, the answer is `ID UNCONFIRMED`,
   * unless the command waits (-I): then `ID CONFIRMED` or `ID DENIED`, with the reason.
   */
  async submit(req: ResvRequest, who: Requester): Promise<Result<Submitted>> {
    const { store, server } = this.d;
    const work = () =>
      store.transaction((): Result<{ id: string; reason?: string }> => {
        const now = this.nowSeconds();
        const stored = storeReservation(store, server, req, `${who.user}@${who.host}`, now);
        if (!stored.ok) return stored;
        const r = stored.value;
        this.d.log.info(
          { resv: r.id },
          `New reservation submitted start=${ctime(r.start)} end=${ctime(r.end)}`,
        );
        const reason = this.decideOne(r, now);
        return ok({ id: r.id, ...(reason !== undefined ? { reason } : {}) });
      });
    const r = this.d.group ? await this.d.group.run(work) : work();
    if (!r.ok) return r;
    this.arm();
    const { id, reason } = r.value;
    if (req.interactive === undefined) return ok({ id, answer: `${id} UNCONFIRMED` });
    if (reason === undefined) return ok({ id, answer: `${id} CONFIRMED` });
    return ok({ id, answer: `${id} DENIED`, reason: `PBS Failed to confirm resv: ${reason}` });
  }

  private decideOne(r: StoredReservation, now: number): string | undefined {
    const reason = decide(this.d.store, r, this.d.cluster.schedNodes(), now);
    if (reason === undefined) this.d.log.info({ resv: r.id }, 'Reservation Confirmed');
    else this.d.log.info({ resv: r.id, reason }, `Reservation denied: PBS Failed to confirm resv: ${reason}`);
    return reason;
  }

  /** pbs_rstat: every reservation, or those the operands name (each unknown one refused). */
  query(operands: string[], who: Requester): ResvQueryResult[] {
    const { store, server } = this.d;
    const full = who.role !== 'user';
    const record = (r: StoredReservation) => reservationRecord(r, server, full);
    if (operands.length === 0) return [{ records: store.reservations.all().map(record) }];
    return operands.map((operand) => {
      const r = this.find(operand);
      return r ? { operand, records: [record(r)] } : { operand, records: [], error: unknown() };
    });
  }

  /** pbs_rdel: each reservation ends now (its jobs deleted), if the requester may end it. */
  delete(operands: string[], who: Requester): { operand: string; id: string; error?: Refusal }[] {
    const results = operands.map((operand) => {
      const id = this.fullId(operand);
      const r = this.find(operand);
      if (!r) return { operand, id, error: unknown() };
      if (!mayControl(who, r.owner)) return { operand, id, error: denied() };
      this.end([r], `deleted by ${who.user}@${who.host}`);
      return { operand, id };
    });
    this.d.poke();
    return results;
  }

  private find(operand: string): StoredReservation | undefined {
    const seq = resvSeq(operand);
    const r = seq === undefined ? undefined : this.d.store.reservations.get(seq);
    return r && this.fullId(operand) === r.id ? r : undefined;
  }

  /** The id as PBS's commands complete it: the default server added when none is named. */
  private fullId(operand: string): string {
    const typed = operand.trim();
    const seq = resvSeq(typed);
    if (seq !== undefined && (!typed.includes('.') || sameFirstLabel(typed, this.d.server)))
      return `R${seq}.${this.d.server}`;
    return typed.includes('.') ? typed : `${typed}.${this.d.server}`;
  }

  /** End these reservations: their queues close, their jobs are deleted; empty ones go at once. */
  private end(ended: StoredReservation[], why: string): void {
    const { store } = this.d;
    const now = this.nowSeconds();
    const jobs = store.transaction(() =>
      ended.flatMap((r) => {
        this.d.log.info({ resv: r.id }, `Reservation ${why}`);
        return finish(store, r, now);
      }),
    );
    if (jobs.length > 0) this.d.deleteJobs(jobs);
    this.purgeEmpty();
  }

  /**
   * A reservation's end commits before its jobs' deletion is asked for: a head that stopped in
   * between asks for it again, once, at its first tick.
   */
  private recover(): void {
    this.recovered = true;
    const jobs = this.d.store.reservations
      .all()
      .filter((r) => r.state === 'deleting')
      .flatMap((r) => liveJobIds(this.d.store, r));
    if (jobs.length > 0) this.d.deleteJobs(jobs);
  }

  /** Reservations being deleted whose jobs have all finished go, with their queues. */
  private purgeEmpty(): void {
    const { store } = this.d;
    store.transaction(() => {
      for (const r of store.reservations.all()) {
        if (r.state !== 'deleting' || hasLiveJobs(store, r)) continue;
        purge(store, r);
        this.d.log.info({ resv: r.id }, 'reservation deleted');
      }
    });
  }

  /** What the time has changed: decisions left over, windows that begin and end, purges. */
  tick(): void {
    const { store } = this.d;
    const now = this.nowSeconds();
    if (!this.recovered) this.recover();
    let begun = false;
    const ended: StoredReservation[] = [];
    store.transaction(() => {
      for (const r of store.reservations.all()) {
        if (r.state === 'unconfirmed') {
          if (r.end <= now) purge(store, r);
          else this.decideOne(r, now);
        } else if (r.state !== 'deleting' && r.end <= now) {
          ended.push(r);
        } else if (r.state === 'confirmed' && r.start <= now) {
          begin(store, r, now);
          this.d.log.info({ resv: r.id }, 'Reservation period starting');
          begun = true;
        }
      }
    });
    if (ended.length > 0) this.end(ended, 'period ended');
    else this.purgeEmpty();
    if (begun || ended.length > 0) this.d.poke();
    this.arm();
  }

  /** Tick every second, and at the exact second of the next start or end. */
  start(): void {
    this.interval = setInterval(() => this.tick(), 1000);
    this.interval.unref();
    this.tick();
  }

  stop(): void {
    clearInterval(this.interval);
    clearTimeout(this.exact);
  }

  private arm(): void {
    if (this.interval === undefined) return;
    const now = (this.d.clock ?? Date.now)();
    const next = this.d.store.reservations
      .all()
      .flatMap((r) => (r.state === 'confirmed' ? [r.start, r.end] : r.state === 'running' ? [r.end] : []))
      .map((s) => s * 1000)
      .filter((t) => t > now)
      .reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
    clearTimeout(this.exact);
    if (next - now > 1000) return;
    this.exact = setTimeout(() => this.tick(), next - now);
    this.exact.unref();
  }
}

function unknown(): Refusal {
  return { code: 'UNKNOWN_RESV', message: 'Unknown Reservation Id' };
}

function denied(): Refusal {
  return { code: 'UNAUTHORIZED', message: UNAUTHORIZED };
}

function sameFirstLabel(typed: string, server: string): boolean {
  const label = (s: string) => s.split('.')[1]?.toLowerCase();
  return label(typed) === server.split('.')[0]?.toLowerCase();
}
