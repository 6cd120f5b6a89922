// What a head with a standby adds to the head's parts (head/main.ts startHead, head/wiring.ts):
// its epoch for the agents, the step-down on a newer one, the durability gate that holds back
// what would leave the head before the standby has it, the mirrored home, and the API's view.
import type { Store } from '../db/store.js';
import type { HomeChanges } from './home-mirror.js';

/** What `drover ha status` shows of one head. */
export interface HaStatus {
  role: 'primary' | 'standby' | 'candidate';
  /** this head's HA address */
  me: string;
  epoch: number;
  /** the primary's HA address, as far as this head knows */
  primary: string | null;
  /** the primary's API address (for clients redirected by a standby) */
  primaryApi: string | null;
  /** on a primary: its standby, the batches it lacks, whether the primary waits for it */
  standby: { from: string; connected: boolean; lag: number; inSync: boolean } | null;
  sync: boolean;
  /** milliseconds since the last heartbeat from the other head (null: none yet) */
  lastHeartbeatMs: number | null;
  /** milliseconds since the witness last granted or renewed the lease (null: never) */
  witnessMs: number | null;
  /** this head holds a majority lease (itself and the witness or the standby) */
  quorum: boolean;
}

export interface HaApi {
  status(): HaStatus;
  /** planned hand-over to the standby: resolves once it is primary (or with why not) */
  switchover(): Promise<{ ok: true; primary: string } | { ok: false; message: string }>;
}

export interface HaWired {
  epoch: () => number;
  /** an agent (or the standby) knows a newer epoch: this head steps down */
  onStaleEpoch: (epoch: number, from: string) => void;
  /** resolves when what was committed so far may leave the head: the standby has it (sync mode)
   * and this head still holds the lease; never resolves on a head that lost it */
  durable: () => Promise<void>;
  /** this head may act now (holds the lease) */
  acting: () => boolean;
  /** acting, and nothing committed waits for the standby: durable() would resolve at once */
  ready: () => boolean;
  changes: HomeChanges;
  api: HaApi;
}

export interface HaHooks {
  /** the head's store is open: connect replication and return the parts' hooks */
  opened(store: Store): HaWired;
}
