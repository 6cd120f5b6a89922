// The durable sessions' worker: sends the unfinished requests of every batch to its service
// through the broker's dispatch (the path live calls take), never more at once than the
// service's capacity, and records each answer as its request's completion
// (broker/sessions-store.ts). Completions that arrive within a few milliseconds share one commit. After a restart the requests not recorded as done are sent again: an instance may see a
// request twice (the ones in flight at the crash), the client sees one response per request.
import { EventEmitter } from 'node:events';
import { HOP_BY_HOP } from './response-sink.js';
import type { Completion, PendingCall, SessionStore } from './sessions-store.js';

/** One call as the broker's dispatch sends it to an instance. */
export interface DispatchRequest {
  method: string;
  path: string;
  /** lower-case names; `idempotency-key` (the correlation id) and `x-drover-session` included */
  headers: Record<string, string>;
  body?: Buffer;
}

export interface DispatchResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * Send one call to one of the service's instances, as a live call would go (policy, retries,
 * health), and resolve with the instance's answer. Rejects when no instance gave one; the worker
 * then tries again later, and records the request as failed after its last try.
 */
export type DispatchOne = (service: string, request: DispatchRequest) => Promise<DispatchResult>;

export interface SessionWorkerOptions {
  dispatch: DispatchOne;
  /** calls the service's instances take at once now; 0 while none answers */
  capacity: (service: string) => number;
  /** tries per request before it is recorded as failed (default 5) */
  attempts?: number;
  /** wait before the second try, doubled for each next one (default 500 ms) */
  backoffMs?: number;
  /** while a service with work has no capacity, how often to look again (default 1 s) */
  idleCheckMs?: number;
}

interface Queued {
  call: PendingCall;
  attempt: number;
}

/** One service's share of the work: its sessions in order, and what is ready to send. */
interface Lane {
  service: string;
  sessions: { id: string; cursor: number }[];
  ready: Queued[];
  inFlight: number;
  idle?: NodeJS.Timeout;
}

const PAGE = 256;
/** Completions wait this long for others to share their commit (one fsync), or until there are this many. */
const COMMIT_DELAY_MS = 5;
const COMMIT_MAX = 1000;

const flatHeaders = (h: DispatchResult['headers']): Record<string, string> =>
  Object.fromEntries(
    Object.entries(h)
      .filter(([k, v]) => v !== undefined && !HOP_BY_HOP.has(k.toLowerCase()))
      .map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : String(v)]),
  );

export class SessionWorker {
  /** emits a session's id when it progressed (or was deleted) */
  readonly events = new EventEmitter().setMaxListeners(0);
  private readonly lanes = new Map<string, Lane>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly deleted = new Set<string>();
  private commits: Completion[] = [];
  private commitTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly store: SessionStore,
    private readonly opts: SessionWorkerOptions,
  ) {}

  /** Take up every session with requests not done yet (at start, after a crash too). */
  start(): void {
    for (const s of this.store.unfinished()) this.laneOf(s.service).sessions.push({ id: s.id, cursor: -1 });
    this.wake();
  }

  /** A batch was just committed. */
  added(session: string, service: string): void {
    this.laneOf(service).sessions.push({ id: session, cursor: -1 });
    this.wake(service);
  }

  /** A session was deleted: send none of its requests any more. */
  removed(session: string): void {
    this.deleted.add(session);
    for (const lane of this.lanes.values()) {
      lane.sessions = lane.sessions.filter((s) => s.id !== session);
      lane.ready = lane.ready.filter((q) => q.call.session !== session);
    }
    this.events.emit(session);
  }

  /** Look again at a service's capacity (or every service's), e.g. when its instances changed. */
  wake(service?: string): void {
    const lanes = service === undefined ? [...this.lanes.values()] : [this.lanes.get(service)];
    for (const lane of lanes) if (lane) this.fill(lane);
  }

  /** Resolves when the session progresses, or after `ms`. */
  waitFor(session: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.events.off(session, done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.events.on(session, done);
    });
  }

  /** Send nothing more and record what has arrived; answers arriving later are dropped. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    for (const lane of this.lanes.values()) clearTimeout(lane.idle);
    this.commit();
  }

  private laneOf(service: string): Lane {
    let lane = this.lanes.get(service);
    if (!lane) {
      lane = { service, sessions: [], ready: [], inFlight: 0 };
      this.lanes.set(service, lane);
    }
    return lane;
  }

  private fill(lane: Lane): void {
    if (this.stopped) return;
    const capacity = this.opts.capacity(lane.service);
    while (lane.inFlight < capacity) {
      const next = this.next(lane);
      if (!next) break;
      this.send(lane, next);
    }
    const waiting = lane.ready.length > 0 || lane.sessions.length > 0;
    if (capacity <= 0 && waiting && !lane.idle) {
      lane.idle = setTimeout(() => {
        lane.idle = undefined;
        this.fill(lane);
      }, this.opts.idleCheckMs ?? 1000);
    }
  }

  /** The next request to send: a retry first, else the next unfinished one of the oldest session. */
  private next(lane: Lane): Queued | undefined {
    const ready = lane.ready.shift();
    if (ready) return ready;
    while (lane.sessions.length > 0) {
      const s = lane.sessions[0]!;
      const page = this.store.pending(s.id, s.cursor, PAGE);
      if (page.length === 0) {
        lane.sessions.shift();
        continue;
      }
      s.cursor = page.at(-1)!.seq;
      lane.ready.push(...page.map((call) => ({ call, attempt: 1 })));
      return lane.ready.shift();
    }
    return undefined;
  }

  private send(lane: Lane, q: Queued): void {
    const { session, seq, request } = q.call;
    lane.inFlight++;
    const headers = { ...request.headers, 'idempotency-key': request.id, 'x-drover-session': session };
    const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
    this.opts
      .dispatch(lane.service, { method: request.method, path: request.path, headers, body })
      .then(
        (r) => this.record({ session, seq, status: r.status, headers: flatHeaders(r.headers), body: r.body }),
        (err: unknown) => this.retry(lane, q, err),
      )
      .finally(() => {
        lane.inFlight--;
        this.fill(lane);
      });
  }

  private retry(lane: Lane, q: Queued, err: unknown): void {
    if (this.stopped || this.deleted.has(q.call.session)) return;
    const tries = this.opts.attempts ?? 5;
    const why = err instanceof Error ? err.message : String(err);
    if (q.attempt >= tries) {
      this.record({
        session: q.call.session,
        seq: q.call.seq,
        error: `no answer after ${tries} tries: ${why}`,
      });
      return;
    }
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        lane.ready.unshift({ call: q.call, attempt: q.attempt + 1 });
        this.fill(lane);
      },
      (this.opts.backoffMs ?? 500) * 2 ** (q.attempt - 1),
    );
    this.timers.add(timer);
  }

  private record(c: Completion): void {
    if (this.stopped) return;
    this.commits.push(c);
    if (this.commits.length === 1) this.commitTimer = setTimeout(() => this.commit(), COMMIT_DELAY_MS);
    else if (this.commits.length >= COMMIT_MAX) this.commit();
  }

  /**
   * One transaction for the completions gathered. A store that cannot write (a full disk) throws
   * out of the event loop: the broker stops, and its next start sends those requests again.
   */
  private commit(): void {
    clearTimeout(this.commitTimer);
    if (this.commits.length === 0) return;
    const batch = this.commits;
    this.commits = [];
    for (const session of this.store.complete(batch)) this.events.emit(session);
  }
}
