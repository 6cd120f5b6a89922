// What a head with a standby adds to the head's parts (head/main.ts startHead, head/wiring.ts):
// its epoch for the agents, the step-down on a newer one, the durability gate that holds back
// what would leave the head before the standby has it, the mirrored home, and the API's view.

import type { HaStatus } from '../../core/protocol/ha-status.js';
import type { Store } from '../db/store.js';
import type { HomeChanges } from './home-mirror.js';

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
