// The options of `drover head` for a pair of heads (a standby and a witness), and `drover ha`:
// `status` (each head's role, epoch, lag, heartbeats, quorum) and `switchover`.
import type { Argv } from 'yargs';
import { runCommand } from './command.js';

/** The HA options on `drover head`. */
export function haHeadOptions<T>(y: Argv<T>) {
  return y
    .option('ha-listen', {
      type: 'string',
      describe: "this head's address for the other head (replication, heartbeats) and the witness: HOST:PORT",
    })
    .option('standby-of', {
      type: 'string',
      describe: 'start as the standby of the head at HOST:PORT (its --ha-listen)',
    })
    .option('witness', { type: 'string', describe: "the witness's HOST:PORT (drover witness)" })
    .option('ha-key', {
      type: 'string',
      describe: "the cluster's HA key file (mode 600), the same for both heads and the witness",
    })
    .option('ha-async', {
      type: 'boolean',
      default: false,
      describe: 'acknowledge changes before the standby has them (faster; a takeover may lose the last ones)',
    })
    .option('ha-heartbeat', {
      type: 'number',
      default: 0.5,
      describe: 'seconds between heartbeats (heads, witness)',
    })
    .option('ha-lease', { type: 'number', default: 3, describe: 'seconds a grant of the lease lasts' })
    .option('ha-takeover', {
      type: 'number',
      default: 4,
      describe:
        'seconds of silence from the primary before the standby asks to take over (more than --ha-lease)',
    })
    .option('ha-sync-timeout', {
      type: 'number',
      default: 2,
      describe:
        'seconds a change waits for the standby before it is reported out of sync and the primary goes on alone',
    })
    .option('ha-fence-command', {
      type: 'string',
      describe: "a program run with the old primary's HA address after a takeover (a power switch)",
    });
}

/** `drover ha status|switchover`. */
export function haCommands(y: Argv): Argv {
  return y.command('ha', 'a pair of heads: status, switchover', (y) =>
    y
      .command(
        'status',
        "each head's role, epoch, standby and lag, heartbeats and quorum",
        (y) => y.option('json', { type: 'boolean', default: false }),
        (a) => {
          runCommand('drover', async () => (await import('./ha-command.js')).runHaStatus(a.json));
        },
      )
      .command(
        'switchover',
        'hand over to the standby (planned, nothing lost), then wait until it is primary',
        (y) => y.option('wait', { type: 'number', default: 30, describe: 'seconds to wait' }),
        (a) => {
          runCommand('drover', async () => (await import('./ha-command.js')).runHaSwitchover(a.wait * 1000));
        },
      )
      .demandCommand(1, 'drover ha: name status or switchover'),
  );
}
