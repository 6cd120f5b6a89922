// `drover head` with a standby and a witness: the controller (head/ha/ha-controller.ts) runs
// the head in whatever role the witness and the other head leave it, until SIGTERM or SIGINT.
import type { Logger } from 'pino';
import type { HaOptions, HeadOptions } from '../head-options.js';
import { fail } from '../main.js';
import { HaController } from './ha-controller.js';

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
