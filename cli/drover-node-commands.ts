// `drover node add|remove|list`: compute nodes reached over SSH.
import type { Argv } from 'yargs';

export function nodeCommands(y: Argv): Argv {
  return y.command('node', 'manage compute nodes reached over SSH', (y) =>
    y
      .command(
        'add <name>',
        'add a node: connect over SSH, pin its host key, start its agent',
        (z) =>
          z
            .positional('name', { type: 'string', demandOption: true })
            .option('host', { type: 'string', demandOption: true, describe: 'host name or address' })
            .option('port', { type: 'number', describe: 'SSH port (22)' })
            .option('user', { type: 'string', describe: 'SSH user (the head user)' })
            .option('identity', { type: 'string', describe: 'private key file (~/.ssh/id_ed25519)' })
            .option('ncpus', { type: 'number', describe: 'CPUs to offer (default: discovered)' })
            .option('mem', { type: 'string', describe: 'memory to offer, e.g. 8gb (default: discovered)' })
            .option('ngpus', { type: 'number', describe: 'GPUs to offer' })
            .option('labels', { type: 'string', describe: 'k=v,... usable in select (gpu=true)' })
            .option('agent-cmd', {
              type: 'string',
              describe:
                "how to run drover on the node (default: this head's node and drover.js when the node has them at the same paths, else drover from the node's PATH)",
            })
            .option('state-dir', {
              type: 'string',
              describe: 'agent state directory on the node (default: ~/.drover-agent)',
            })
            .option('host-key', {
              type: 'string',
              describe: 'the node\'s public host key ("ssh-ed25519 AAAA...") instead of learning it',
            })
            .option('fence-cmd', {
              type: 'string',
              describe:
                'command the head runs (with a timeout) to fence the node before its jobs run elsewhere',
            }),
        async (a) => {
          const { nodeAdd } = await import('./node-command.js');
          process.exit(
            await nodeAdd({
              name: a.name,
              host: a.host,
              ...(a.port !== undefined ? { port: a.port } : {}),
              ...(a.user !== undefined ? { user: a.user } : {}),
              ...(a.identity !== undefined ? { identity: a.identity } : {}),
              ...(a.ncpus !== undefined ? { ncpus: a.ncpus } : {}),
              ...(a.mem !== undefined ? { mem: a.mem } : {}),
              ...(a.ngpus !== undefined ? { ngpus: a.ngpus } : {}),
              ...(a.labels !== undefined ? { labels: a.labels } : {}),
              ...(a['agent-cmd'] !== undefined ? { agentCmd: a['agent-cmd'] } : {}),
              ...(a['fence-cmd'] !== undefined ? { fenceCmd: a['fence-cmd'] } : {}),
              ...(a['state-dir'] !== undefined ? { stateDir: a['state-dir'] } : {}),
              ...(a['host-key'] !== undefined ? { hostKey: a['host-key'] } : {}),
            }),
          );
        },
      )
      .command(
        'remove <name>',
        'remove a node that runs no jobs',
        (z) => z.positional('name', { type: 'string', demandOption: true }),
        async (a) => {
          const { nodeRemove } = await import('./node-command.js');
          process.exit(await nodeRemove(a.name));
        },
      )
      .command('list', 'list nodes', {}, async () => {
        const { nodeList } = await import('./node-command.js');
        process.exit(await nodeList());
      })
      .demandCommand(1, 'name a node command: add, remove or list'),
  );
}
