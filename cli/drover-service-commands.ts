// `drover service start|list|status|scale|stop` (services run as jobs) and `drover broker list`.
// `start` takes its own arguments after `start`, up to `-- COMMAND…` (core/service/service-options.ts).
import type { Argv } from 'yargs';

export const SERVICE_START_USAGE =
  'usage: drover service start NAME --instances N [--select RES] [--health PATH] [--max-concurrency C]\n' +
  '         [--zone-spread] [--policy least-outstanding|p2c|round-robin|hash]\n' +
  '         [--hash-header H | --hash-cookie C] [--queue-max Q] [--queue-timeout SECONDS]\n' +
  '         [--retries R] [--min A --max B] -- COMMAND...';

const json = { type: 'boolean', describe: 'print JSON' } as const;

/** The arguments after the first `start`, as typed (yargs would read the command's options). */
function afterStart(): string[] {
  const args = process.argv.slice(2);
  return args.slice(args.indexOf('start') + 1);
}

export function serviceCommands(y: Argv): Argv {
  return y.command('service', 'services: instances run as jobs, reached through brokers', (y) =>
    y
      .command(
        'start',
        'start a service (its instances run COMMAND as jobs)',
        (z) =>
          z.usage(SERVICE_START_USAGE).strict(false).parserConfiguration({ 'unknown-options-as-args': true }),
        async () => {
          const { serviceStart, guarded } = await import('./service-command.js');
          process.exit(await guarded(() => serviceStart(afterStart())));
        },
      )
      .command(
        'list',
        'list the services',
        (z) => z.option('json', json),
        async (a) => {
          const { serviceList, guarded } = await import('./service-command.js');
          process.exit(await guarded(() => serviceList(a.json)));
        },
      )
      .command(
        'status <name>',
        "a service's instances and its load at each broker",
        (z) => z.positional('name', { type: 'string', demandOption: true }).option('json', json),
        async (a) => {
          const { serviceStatus, guarded } = await import('./service-command.js');
          process.exit(await guarded(() => serviceStatus(a.name, a.json)));
        },
      )
      .command(
        'scale <name> <instances>',
        'run this many instances (the highest numbers stop first)',
        (z) =>
          z
            .positional('name', { type: 'string', demandOption: true })
            .positional('instances', { type: 'string', demandOption: true })
            .option('json', json),
        async (a) => {
          const { serviceScale, guarded } = await import('./service-command.js');
          process.exit(await guarded(() => serviceScale(a.name, a.instances, a.json)));
        },
      )
      .command(
        'stop <name>',
        'delete its instance jobs; the service goes once they have ended',
        (z) => z.positional('name', { type: 'string', demandOption: true }).option('json', json),
        async (a) => {
          const { serviceStop, guarded } = await import('./service-command.js');
          process.exit(await guarded(() => serviceStop(a.name, a.json)));
        },
      )
      .demandCommand(1, 'name a service command: start, list, status, scale or stop'),
  );
}

/** `list` under `drover broker`: the brokers heard from lately. */
export function brokerListCommand(y: Argv): Argv {
  return y.command(
    'list',
    'the brokers heard from lately and the services they serve',
    (z) => z.option('json', json),
    async (a) => {
      const { brokerList, guarded } = await import('./service-command.js');
      process.exit(await guarded(() => brokerList(a.json as boolean | undefined)));
    },
  );
}
