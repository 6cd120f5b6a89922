// `drover broker --listen HOST:PORT`: run a broker node in the foreground; `drover broker list`:
// the brokers the head has heard from (cli/drover-service-commands.ts).
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { defaultHome } from './client.js';
import { brokerListCommand } from './drover-service-commands.js';
import { parseServerList } from './head-list.js';

/**
 * The head to learn services from: --server, else --head-socket, else DROVER_SERVER (the first
 * head it names), else head.sock of the home.
 */
function headOf(a: { server?: string | undefined; 'head-socket'?: string | undefined }) {
  const server = a.server ?? (a['head-socket'] ? undefined : process.env.DROVER_SERVER);
  if (server) {
    const head = parseServerList(server).heads[0];
    if (!head || !('host' in head)) throw new Error(`not a head's address: ${server}`);
    return { host: head.host, port: head.port };
  }
  return { socketPath: a['head-socket'] ?? join(defaultHome(), 'head.sock') };
}

export function brokerCommands(y: Argv): Argv {
  return y.command(
    'broker',
    'run a broker node: spreads calls to services over their instances (--listen HOST:PORT)',
    (y) =>
      brokerListCommand(y)
        .option('listen', {
          type: 'string',
          describe: 'serve calls on HOST:PORT: /svc/NAME/…, /resolve/NAME, /stats, /sessions/…',
        })
        .option('zone', { type: 'string', describe: "this broker's zone: instances there are preferred" })
        .option('state-dir', {
          type: 'string',
          describe: 'where durable sessions are kept (default ~/.drover/broker-PORT)',
        })
        .option('name', {
          type: 'string',
          describe: 'its name in reports to the head (default: the listen address)',
        })
        .option('head-socket', {
          type: 'string',
          describe:
            "the head's Unix socket (default: head.sock in $DROVER_HOME, /var/spool/drover or ~/.drover)",
        })
        .option('server', {
          type: 'string',
          describe:
            'reach the head over TCP at HOST:PORT instead, with a MUNGE credential (default $DROVER_SERVER)',
        })
        .conflicts('server', 'head-socket'),
    async (a) => {
      if (a.listen === undefined) {
        process.stderr.write('drover: broker: name --listen HOST:PORT to run a broker, or `list`\n');
        process.exit(2);
      }
      const { runBroker } = await import('../broker/main.js');
      let head: ReturnType<typeof headOf>;
      try {
        head = headOf(a);
      } catch {
        process.stderr.write(`drover: not a head address: ${a.server}\n`);
        process.exit(2);
      }
      const stateDir = a['state-dir'];
      process.exit(
        await runBroker({
          listen: a.listen,
          zone: a.zone,
          name: a.name,
          head,
          ...(stateDir ? { stateDir } : {}),
        }),
      );
    },
  );
}
