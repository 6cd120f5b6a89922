// `drover witness`: the third voter of a pair of heads, run in the foreground
// (head/ha/witness-server.ts).
import type { Argv } from 'yargs';

export function witnessCommands(y: Argv): Argv {
  return y.command(
    'witness',
    'run the witness of a pair of heads: it grants one of them at a time the lease to act as primary',
    (y) =>
      y
        .option('listen', {
          type: 'string',
          demandOption: true,
          describe: 'serve the heads on HOST:PORT (TCP)',
        })
        .option('state-dir', {
          type: 'string',
          demandOption: true,
          describe: 'where the epoch and the holder are kept (witness.json)',
        })
        .option('key', {
          type: 'string',
          demandOption: true,
          describe: "the heads' shared secret, a file only its owner may read (chmod 600)",
        })
        .option('lease', {
          type: 'number',
          default: 3,
          describe: 'seconds a lease lasts from each renewal (the heads renew it every ~0.5 s)',
        }),
    async (a) => {
      if (!(a.lease > 0)) {
        process.stderr.write('drover: --lease wants positive seconds\n');
        process.exit(2);
      }
      const { runWitness } = await import('../head/ha/witness-server.js');
      process.exit(
        await runWitness({
          listen: a.listen,
          stateDir: a['state-dir'],
          keyFile: a.key,
          leaseMs: Math.round(a.lease * 1000),
        }),
      );
    },
  );
}
