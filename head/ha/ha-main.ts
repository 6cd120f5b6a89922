// `drover head` with a standby and a witness: the controller (head/ha/ha-controller.ts) runs
// the head in whatever role the witness and the other head leave it, until SIGTERM or SIGINT.
import type { Logger } from 'pino';
import { splitHaAddress } from '../../core/protocol/ha-witness.js';
import type { HaOptions, HeadOptions } from '../head-options.js';
import { fail } from '../main.js';
import { HaController } from './ha-controller.js';
import { readHaKey } from './ha-key.js';

export async function runHaHead(opts: HeadOptions, ha: HaOptions, log: Logger): Promise<number> {
  return new Promise<number>((res) => {
    // the process ends with the head: what the controller opened goes with it
    const controller = new HaController(opts, ha, log, (message, code) => res(fail(message, code)));
    void controller.start();
    const stop = async () => {
      log.info('shutting down');
      await controller.stop();
      res(0);
    };
    process.once('SIGTERM', () => void stop());
    process.once('SIGINT', () => void stop());
  });
}

/** The HA flags of `drover head` as yargs parsed them (cli/drover-ha-commands.ts). */
export type HaArgs = {
  'ha-listen'?: string;
  'standby-of'?: string;
  witness?: string;
  'ha-key'?: string;
  'ha-async': boolean;
  'ha-heartbeat': number;
  'ha-lease': number;
  'ha-takeover': number;
  'ha-sync-timeout': number;
  'ha-fence-command'?: string;
};

/** The HA options given, undefined without --ha-listen, or why they do not make sense. */
export async function haOptionsFrom(a: HaArgs): Promise<HaOptions | undefined | string> {
  const listen = a['ha-listen'];
  if (!listen)
    return a['standby-of'] || a.witness ? '--standby-of and --witness need --ha-listen' : undefined;
  if (!a.witness || !a['ha-key']) return '--ha-listen needs --witness and --ha-key';
  if (!(a['ha-heartbeat'] > 0) || !(a['ha-lease'] > a['ha-heartbeat']) || !(a['ha-takeover'] > a['ha-lease']))
    return '--ha-heartbeat < --ha-lease < --ha-takeover, in positive seconds';
  for (const [flag, address] of [
    ['--ha-listen', listen],
    ['--standby-of', a['standby-of']],
    ['--witness', a.witness],
  ] as const) {
    try {
      if (address !== undefined) splitHaAddress(address);
    } catch (e) {
      return `${flag}: ${(e as Error).message}`;
    }
  }
  let key: Buffer;
  try {
    key = readHaKey(a['ha-key']);
  } catch (e) {
    return `--ha-key: ${(e as Error).message}`;
  }
  return {
    listen,
    ...(a['standby-of'] ? { standbyOf: a['standby-of'] } : {}),
    witness: a.witness,
    key,
    sync: !a['ha-async'],
    heartbeatMs: a['ha-heartbeat'] * 1000,
    leaseMs: a['ha-lease'] * 1000,
    takeoverMs: a['ha-takeover'] * 1000,
    syncTimeoutMs: a['ha-sync-timeout'] * 1000,
    ...(a['ha-fence-command'] ? { fenceCommand: a['ha-fence-command'].split(/\s+/).filter(Boolean) } : {}),
  };
}
