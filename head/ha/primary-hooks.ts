// A primary's side of the pair, built when its store opens: the feed to the standby
// (head/ha/primary-feed.ts) and the hooks the head's parts use (head/ha/ha-hooks.ts), over the
// controller's callbacks (head/ha/ha-controller.ts).
import type { Logger } from 'pino';
import { splitHaAddress } from '../../core/protocol/ha-witness.js';
import type { Store } from '../db/store.js';
import type { HaOptions, HeadOptions } from '../head-options.js';
import type { HaApi, HaWired } from './ha-hooks.js';
import { HomeChanges } from './home-mirror.js';
import { PrimaryFeed } from './primary-feed.js';

export interface PrimaryCallbacks {
  epoch: () => number;
  /** tell the witness whether the standby is in sync (resolves once it has it) */
  report: (inSync: boolean) => Promise<void>;
  pong: (sentAt: number) => void;
  onStaleEpoch: (epoch: number, from: string) => void;
  acting: () => boolean;
  /** resolves once the head acts again; rejects once it is no longer primary */
  whenActing: () => Promise<void>;
  api: HaApi;
}

export function wirePrimary(
  store: Store,
  opts: HeadOptions,
  ha: HaOptions,
  log: Logger,
  c: PrimaryCallbacks,
): { feed: PrimaryFeed; wired: HaWired } {
  const changes = new HomeChanges(opts.home);
  const { host, port } = splitHaAddress(ha.listen);
  const feed = new PrimaryFeed(
    store,
    changes,
    {
      host,
      port,
      key: ha.key,
      home: opts.home,
      sync: ha.sync,
      syncTimeoutMs: ha.syncTimeoutMs,
      heartbeatMs: ha.heartbeatMs,
      epoch: c.epoch,
      api: opts.listen ? `http://${opts.listen}` : null,
      log,
    },
    { syncChanged: c.report, pong: c.pong, staleEpoch: (e) => c.onStaleEpoch(e, 'the standby') },
  );
  void feed.start().catch((e) => log.error({ err: e }, 'HA listener failed'));
  const wired: HaWired = {
    epoch: c.epoch,
    onStaleEpoch: c.onStaleEpoch,
    durable: async () => {
      await feed.durable();
      while (!c.acting()) await c.whenActing();
    },
    acting: c.acting,
    ready: () => c.acting() && feed.caughtUp(),
    changes,
    api: c.api,
  };
  return { feed, wired };
}
