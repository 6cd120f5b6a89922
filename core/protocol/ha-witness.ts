// The witness's protocol (`drover witness`, head/ha/witness-server.ts): the third voter that lets
// one of two heads act as primary. Heads are named by their replication address, "HOST:PORT".
// Each message travels as one signed line (core/ha/signed-lines.ts) over its own TCP connection:
// one request, one reply. What the witness decides is core/ha/witness-rules.ts.

/** `renew`: the holder keeps its lease and says whether its standby has every change. */
export interface RenewRequest {
  t: 'renew';
  head: string;
  epoch: number;
  standbyInSync: boolean;
}

/** `acquire`: a head starting, or a standby taking over; a new holder starts a new epoch. */
export interface AcquireRequest {
  t: 'acquire';
  head: string;
  /** the highest epoch the head knows of */
  epoch: number;
}

/** `release`: the holder gives its lease up (planned switchover); it stays the recorded holder. */
export interface ReleaseRequest {
  t: 'release';
  head: string;
  epoch: number;
}

export interface StatusRequest {
  t: 'status';
}

export type WitnessRequest = RenewRequest | AcquireRequest | ReleaseRequest | StatusRequest;

export interface GrantedReply {
  t: 'granted';
  epoch: number;
  holder: string;
  /** how long the lease lasts from when the witness received the request (0: released) */
  leaseMs: number;
}

export interface RefusedReply {
  t: 'refused';
  epoch: number;
  holder: string | null;
  reason: string;
}

export interface StatusReply {
  t: 'status';
  epoch: number;
  holder: string | null;
  leaseRemainingMs: number;
  standbyInSync: boolean;
}

export type WitnessReply = GrantedReply | RefusedReply | StatusReply;

const isEpoch = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isHead = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 300;

/** A request as received, checked field by field; undefined when it is not one. */
export function parseWitnessRequest(v: unknown): WitnessRequest | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const r = v as Record<string, unknown>;
  switch (r.t) {
    case 'status':
      return { t: 'status' };
    case 'renew':
      if (!isHead(r.head) || !isEpoch(r.epoch) || typeof r.standbyInSync !== 'boolean') return undefined;
      return { t: 'renew', head: r.head, epoch: r.epoch, standbyInSync: r.standbyInSync };
    case 'acquire':
    case 'release':
      if (!isHead(r.head) || !isEpoch(r.epoch)) return undefined;
      return { t: r.t, head: r.head, epoch: r.epoch };
    default:
      return undefined;
  }
}

/** A reply as received, checked field by field; undefined when it is not one. */
export function parseWitnessReply(v: unknown): WitnessReply | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const r = v as Record<string, unknown>;
  const holder = r.holder === null || isHead(r.holder) ? (r.holder as string | null) : undefined;
  if (!isEpoch(r.epoch) || holder === undefined) return undefined;
  switch (r.t) {
    case 'granted':
      if (holder === null || !(typeof r.leaseMs === 'number' && r.leaseMs >= 0)) return undefined;
      return { t: 'granted', epoch: r.epoch, holder, leaseMs: r.leaseMs };
    case 'refused':
      return typeof r.reason === 'string'
        ? { t: 'refused', epoch: r.epoch, holder, reason: r.reason }
        : undefined;
    case 'status':
      if (typeof r.leaseRemainingMs !== 'number' || typeof r.standbyInSync !== 'boolean') return undefined;
      return {
        t: 'status',
        epoch: r.epoch,
        holder,
        leaseRemainingMs: r.leaseRemainingMs,
        standbyInSync: r.standbyInSync,
      };
    default:
      return undefined;
  }
}

/** `HOST:PORT` or `[V6]:PORT` (a witness's or a head's address) as its parts; throws when it is not one. */
export function splitHaAddress(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || !(port >= 0 && port < 65536)) throw new Error(`not HOST:PORT: ${text}`);
  return { host: (m[1] ?? m[2])!, port };
}
