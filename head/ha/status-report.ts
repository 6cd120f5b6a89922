// A head's answer to `GET /v1/ha/status` (core/protocol/ha-status.ts), from what its controller
// holds (head/ha/ha-controller.ts).
import type { HaStatus } from '../../core/protocol/ha-status.js';
import type { HaOptions } from '../head-options.js';
import type { LeaseKeeper } from './lease-keeper.js';
import type { PrimaryFeed } from './primary-feed.js';
import type { StandbySync } from './standby-sync.js';

export interface StatusParts {
  role: HaStatus['role'];
  ha: HaOptions;
  /** the head's API address (--listen) */
  listen: string | undefined;
  epoch: number;
  primary: string | null;
  feed: PrimaryFeed | undefined;
  sync: StandbySync | undefined;
  lease: LeaseKeeper;
  acting: boolean;
}

export function haStatus(p: StatusParts): HaStatus {
  const now = performance.now();
  const { feed, sync } = p;
  const heard = p.role === 'primary' ? feed?.heardAt : sync?.heardAt;
  const ownApi = p.listen ? `http://${p.listen}` : null;
  return {
    role: p.role,
    me: p.ha.listen,
    epoch: p.role === 'primary' ? p.epoch : Math.max(p.epoch, sync?.epoch ?? 0),
    primary: p.primary,
    primaryApi: p.role === 'primary' ? ownApi : (sync?.primaryApi ?? null),
    standby: feed?.standby
      ? { from: feed.standby.from, connected: feed.connected(), lag: feed.lag(), inSync: feed.inSync }
      : null,
    sync: p.ha.sync,
    lastHeartbeatMs: heard ? Math.round(now - heard) : null,
    witnessMs: p.lease.witnessAgoMs(),
    quorum: p.acting,
  };
}
