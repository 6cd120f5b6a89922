// A head that is not primary: it answers on the API listeners as a standby does
// (head/ha/standby-api.ts) and, when it follows a primary, replicates from it
// (head/ha/standby-sync.ts) and watches its heartbeats. Silence for the takeover time (or the
// primary's hand-over) calls onTakeover; the controller asks the witness.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { HaStatus } from '../../core/protocol/ha-status.js';
import { splitHaAddress } from '../../core/protocol/ha-witness.js';
import type { HaOptions, HeadOptions } from '../head-options.js';
import { projectRoot } from '../main.js';
import { standbyMetrics } from '../metrics/head-metrics.js';
import { openMetricsListener } from '../metrics/metrics-listener.js';
import { openStandbyApi } from './standby-api.js';
import { StandbySync } from './standby-sync.js';

export class StandbyRole {
  sync: StandbySync | undefined;
  onTakeover: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly since = performance.now();
  private asking = false;
  private handedOver = false;

  private constructor(private readonly api: { close(): Promise<void> }) {}

  /** Only the API's answers (a candidate between roles), and with --metrics-listen the pair's
   * figures (role, epoch, heartbeat) on the metrics listener. */
  static async serveOnly(opts: HeadOptions, status: () => HaStatus): Promise<StandbyRole> {
    const home = resolve(opts.home);
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const api = await openStandbyApi(join(home, 'head.sock'), opts.listen, status);
    const metrics =
      opts.metrics &&
      (await openMetricsListener(opts.metrics, standbyMetrics(status)).catch(async (e: unknown) => {
        await api.close();
        throw e;
      }));
    return new StandbyRole({
      close: async () => {
        await api.close();
        await metrics?.close();
      },
    });
  }

  static async start(
    opts: HeadOptions,
    ha: HaOptions,
    primary: string,
    log: Logger,
    status: () => HaStatus,
  ): Promise<StandbyRole> {
    const role = await StandbyRole.serveOnly(opts, status);
    const { host, port } = splitHaAddress(primary);
    const sync = new StandbySync({
      primary: { host, port },
      key: ha.key,
      home: resolve(opts.home),
      migrationsDir: join(projectRoot(), 'migrations'),
      from: ha.listen,
      log,
      reconnectMs: Math.max(100, ha.heartbeatMs / 2),
    });
    role.sync = sync;
    sync.onHandOver = () => {
      log.warn('the primary hands over: taking over');
      role.handedOver = true;
      role.ask();
    };
    sync.start();
    role.timer = setInterval(() => role.watch(ha.takeoverMs), Math.max(50, ha.heartbeatMs / 2));
    return role;
  }

  /** The witness said no: ask again after the next silence check. */
  takeoverRefused(): void {
    this.asking = false;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.sync?.stop();
    await this.api.close();
  }

  private watch(takeoverMs: number): void {
    const heard = Math.max(this.sync?.heardAt ?? 0, this.since);
    if (this.handedOver || performance.now() - heard > takeoverMs) this.ask();
  }

  private ask(): void {
    if (this.asking) return;
    this.asking = true;
    this.onTakeover?.();
  }
}
